"""erasure: tombstones that keep an erased person from coming back (issue 14, item 1)

A tombstone holds an HMAC-SHA256 (keyed with SECRET_KEY) of an erased patron's normalised email
or of one of their Stripe customer ids, never the value itself.

Revision ID: 0007_erasure_tombstones
Revises: 0006_voting
Create Date: 2026-12-01 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_erasure_tombstones'
down_revision = '0006_voting'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('erasure_tombstones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('email', 'customer')",
                       name=op.f('ck_erasure_tombstones_kind_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_tombstones')),
    sa.UniqueConstraint('digest', name=op.f('uq_erasure_tombstones_digest'))
    )


def downgrade():
    op.drop_table('erasure_tombstones')
