"""languages: the language a patron or an editor chose, for pages and mails (issue 21)

Revision ID: 0014_languages
Revises: 0013_patreon
Create Date: 2026-12-01 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_languages'
down_revision = '0013_patreon'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patrons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
    with op.batch_alter_table('editors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('editors', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('patrons', schema=None) as batch_op:
        batch_op.drop_column('language')
