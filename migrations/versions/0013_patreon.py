"""patreon: Patreon patrons as patrons here (issue 19)

Patreon's tiers and the tier of ours each counts as, each Patreon member as last reported, the
webhook deliveries received, and memberships of source 'patreon'.

Revision ID: 0013_patreon
Revises: 0012_checkout_sign_ins
Create Date: 2026-12-01 14:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_patreon'
down_revision = '0012_checkout_sign_ins'
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'patreon_tiers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patreon_tier_id', sa.String(length=64), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=True),
        sa.Column('tier_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', WHEN, nullable=True),
        sa.Column('first_seen_at', WHEN, nullable=False),
        sa.ForeignKeyConstraint(['tier_id'], ['tiers.id'],
                                name=op.f('fk_patreon_tiers_tier_id_tiers'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_patreon_tiers')),
        sa.UniqueConstraint('patreon_tier_id', name=op.f('uq_patreon_tiers_patreon_tier_id')),
    )
    op.create_table(
        'patreon_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patreon_user_id', sa.String(length=64), nullable=False),
        sa.Column('patreon_member_id', sa.String(length=64), nullable=True),
        sa.Column('patron_id', sa.Integer(), nullable=False),
        sa.Column('membership_id', sa.Integer(), nullable=True),
        sa.Column('patreon_tier_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('full_name', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('cadence_months', sa.Integer(), nullable=False),
        sa.Column('pledge_start', WHEN, nullable=True),
        sa.Column('last_charge_at', WHEN, nullable=True),
        sa.Column('last_charge_status', sa.String(length=24), nullable=True),
        sa.Column('next_charge_at', WHEN, nullable=True),
        sa.Column('reported_by', sa.String(length=16), nullable=False),
        sa.Column('updated_at', WHEN, nullable=False),
        sa.CheckConstraint("state IN ('declined', 'active', 'former')",
                           name=op.f('ck_patreon_members_state_known')),
        sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'],
                                name=op.f('fk_patreon_members_membership_id_memberships'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['patreon_tier_id'], ['patreon_tiers.id'],
                                name=op.f('fk_patreon_members_patreon_tier_id_patreon_tiers'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['patron_id'], ['patrons.id'],
                                name=op.f('fk_patreon_members_patron_id_patrons'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_patreon_members')),
        sa.UniqueConstraint('patreon_member_id',
                            name=op.f('uq_patreon_members_patreon_member_id')),
        sa.UniqueConstraint('patreon_user_id', name=op.f('uq_patreon_members_patreon_user_id')),
    )
    with op.batch_alter_table('patreon_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patreon_members_patron_id'), ['patron_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_patreon_members_patreon_tier_id'),
                              ['patreon_tier_id'], unique=False)
    op.create_table(
        'patreon_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('trigger', sa.String(length=64), nullable=False),
        sa.Column('received_at', WHEN, nullable=False),
        sa.Column('processed_at', WHEN, nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('patreon_member_id', sa.String(length=64), nullable=True),
        sa.Column('patreon_user_id', sa.String(length=64), nullable=True),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('processed', 'ignored', 'failed')",
                           name=op.f('ck_patreon_deliveries_outcome_known')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_patreon_deliveries')),
        sa.UniqueConstraint('digest', name=op.f('uq_patreon_deliveries_digest')),
    )
    with op.batch_alter_table('patreon_deliveries', schema=None) as batch_op:
        for column in ('trigger', 'received_at', 'patreon_member_id', 'patreon_user_id'):
            batch_op.create_index(batch_op.f(f'ix_patreon_deliveries_{column}'), [column],
                                  unique=False)
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_memberships_source_known'), type_='check')
        batch_op.create_check_constraint(
            'source_known', "source IN ('stripe', 'grant', 'patreon')")


def downgrade():
    op.execute("DELETE FROM memberships WHERE source = 'patreon'")
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_memberships_source_known'), type_='check')
        batch_op.create_check_constraint('source_known', "source IN ('stripe', 'grant')")
    op.drop_table('patreon_deliveries')
    op.drop_table('patreon_members')
    op.drop_table('patreon_tiers')
