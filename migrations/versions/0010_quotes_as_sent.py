"""corrections: quotes kept as the W3C selector was sent (issue 22)

Rows stored before this revision hold a quote whose whitespace was collapsed and whose context
was trimmed; they are marked, so pages join their context with spaces and the annotation export
leaves out a prefix and suffix that no exact matcher would find. Rows from now on are as sent.

Revision ID: 0010_quotes_as_sent
Revises: 0009_session_versions
Create Date: 2026-12-01 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_quotes_as_sent'
down_revision = '0009_session_versions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_as_sent', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_column('quote_as_sent')
