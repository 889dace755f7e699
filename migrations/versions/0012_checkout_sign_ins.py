"""checkout sign-ins: each paid Checkout signs its new patron in once (issue 15, section 3)

Revision ID: 0012_checkout_sign_ins
Revises: 0011_dashboard_indexes
Create Date: 2026-12-01 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_checkout_sign_ins'
down_revision = '0011_dashboard_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'checkout_sign_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checkout_session_id', sa.String(length=255), nullable=False),
        sa.Column('patron_id', sa.Integer(), nullable=False),
        sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['patron_id'], ['patrons.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('checkout_session_id'),
    )
    with op.batch_alter_table('checkout_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkout_sign_ins_patron_id'), ['patron_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('checkout_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkout_sign_ins_patron_id'))
    op.drop_table('checkout_sign_ins')
