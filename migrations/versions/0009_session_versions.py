"""sessions: a session version per editor and per patron (issue 14, item 7)

Every session carries its account's version; signing out (or "sign out everywhere") raises the
version, so every copy of an older session cookie stops working.

Revision ID: 0009_session_versions
Revises: 0007_erasure_tombstones
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_session_versions'
down_revision = '0007_erasure_tombstones'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('editors', 'patrons'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                          server_default=sa.text('0')))


def downgrade():
    for table in ('patrons', 'editors'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('session_version')
