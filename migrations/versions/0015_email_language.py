"""email language: the language an outbox mail is written in (issue 21)

Revision ID: 0015_email_language
Revises: 0014_languages
Create Date: 2026-12-01 12:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_email_language'
down_revision = '0014_languages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.drop_column('language')
