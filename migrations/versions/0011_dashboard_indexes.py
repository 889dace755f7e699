"""dashboard: indexes for the weekly figures (issue 16, item 4)

Memberships started and stopped in a window, corrections reported and closed in a window: each
a range scan on its own index, so the dashboard stays quick with many patrons and corrections.

Revision ID: 0011_dashboard_indexes
Revises: 0010_quotes_as_sent
Create Date: 2026-12-01 12:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_dashboard_indexes'
down_revision = '0010_quotes_as_sent'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_memberships_started_at', 'memberships', 'started_at'),
    ('ix_memberships_ended_at', 'memberships', 'ended_at'),
    ('ix_memberships_access_until', 'memberships', 'access_until'),
    ('ix_memberships_revoked_at', 'memberships', 'revoked_at'),
    ('ix_corrections_created_at', 'corrections', 'created_at'),
    ('ix_corrections_resolved_at', 'corrections', 'resolved_at'),
)


def upgrade():
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
