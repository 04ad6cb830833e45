"""report: assignee, "needs a staff action" and "waiting for the reporter" flags for the queue

Revision ID: 0016_assignment
Revises: 0018_publications
Create Date: 2026-12-07 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_assignment"
down_revision = "0018_publications"
branch_labels = None
depends_on = None


# No batch mode: on SQLite a batch rebuilds the table, which drops the full-text search
# triggers on ``report`` (0002_backoffice). Plain ADD COLUMNs keep them. The assignee is a
# plain integer column (the staff id) with an index: SQLite cannot add a foreign key to an
# existing table without rebuilding it, and staff accounts are never deleted (deactivated).


def upgrade():
    op.add_column("report", sa.Column("assignee_id", sa.Integer(), nullable=True))
    op.add_column("report", sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("report", sa.Column("needs_action", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column(
        "report", sa.Column("awaiting_reporter", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.execute(
        "UPDATE report SET needs_action = (status IN ('nieuw', 'in_behandeling') OR unread_for_staff) "
        "WHERE purged_at IS NULL"
    )
    op.create_index("ix_report_assignee", "report", ["assignee_id", "urgency_rank", "created_at"])
    op.create_index("ix_report_needs_action", "report", ["needs_action", "urgency_rank", "created_at"])
    op.create_index("ix_report_awaiting", "report", ["awaiting_reporter", "urgency_rank", "created_at"])


def downgrade():
    op.drop_index("ix_report_awaiting", table_name="report")
    op.drop_index("ix_report_needs_action", table_name="report")
    op.drop_index("ix_report_assignee", table_name="report")
    op.drop_column("report", "awaiting_reporter")
    op.drop_column("report", "needs_action")
    op.drop_column("report", "assigned_at")
    op.drop_column("report", "assignee_id")
