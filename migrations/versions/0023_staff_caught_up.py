"""report.staff_caught_up_at: when staff last acted on news from the reporter or a partner

Opening a report no longer clears its "nieuwe info" flags; a decision, a message or an
explicit "gelezen" does, and stamps this time so the report page can mark what is new.

Revision ID: 0023_staff_caught_up
Revises: 0021_backoffice_indexes
Create Date: 2026-12-07 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_staff_caught_up"
down_revision = "0021_backoffice_indexes"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch mode): batch mode would rebuild ``report`` on SQLite
    # and drop its full-text search triggers.
    op.add_column("report", sa.Column("staff_caught_up_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("report", "staff_caught_up_at")
