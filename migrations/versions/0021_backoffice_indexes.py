"""report: back-office indexes in queue order over live reports (1,000,000 reports, issue 15)

Revision ID: 0021_backoffice_indexes
Revises: 0017_partner_feedback
Create Date: 2026-12-07 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_backoffice_indexes"
down_revision = "0017_partner_feedback"
branch_labels = None
depends_on = None

# Every back-office list reads live reports (``purged_at IS NULL``) in queue order
# (urgency rank, created, id). These indexes are partial on that condition and end in the
# full order key, so that:
# - a capped count ("meer dan 10.000") and the ids of a deep page are read from the index
#   alone (an index-only scan) instead of visiting a heap row per counted report;
# - "next"/"previous" on the report page is a row-value range scan that starts at the
#   report's position instead of filtering the index from the top (1.3 s at a million);
# - ``status`` trails the order key where the list excludes open acute reports (shown in
#   the acute panel) without visiting the heap.
# The flags of the saved views (needs_action, awaiting_reporter, assignee) hold for a few
# thousand reports at most: their indexes cover only those, not a million ``false`` rows.
# The indexes they replace (0002_backoffice, 0016_assignment) are dropped.
#
# No batch mode: on SQLite a batch rebuilds ``report`` and drops the full-text search
# triggers (0002_backoffice). CREATE/DROP INDEX run as they are on both databases.
LIVE = "purged_at IS NULL"
# Each written the way SQLAlchemy renders ``Report.flag.is_(True)`` on that database, so
# the planner (PostgreSQL) and SQLite's partial-index matcher see the query implies it.
FLAG_TRUE = {"postgresql": "{flag} IS true", "sqlite": "{flag} IS 1"}

ORDERED = [
    # name, leading columns, trailing columns
    ("ix_report_live_order", [], ["status"]),
    ("ix_report_live_theme", ["theme"], ["status"]),
    ("ix_report_live_route", ["route"], ["status"]),
    ("ix_report_live_status", ["status"], []),
]
ORDER_KEY = ["urgency_rank", "created_at", "id"]
REPLACED = [
    # name, columns: as 0002_backoffice and 0016_assignment made them
    ("ix_report_urgency_created", ["urgency_rank", "created_at"]),
    ("ix_report_theme_queue", ["theme", "urgency_rank", "created_at"]),
    ("ix_report_route_queue", ["route", "urgency_rank", "created_at"]),
    ("ix_report_needs_action", ["needs_action", "urgency_rank", "created_at"]),
    ("ix_report_awaiting", ["awaiting_reporter", "urgency_rank", "created_at"]),
    ("ix_report_assignee", ["assignee_id", "urgency_rank", "created_at"]),
]


def _where(condition: str):
    where = sa.text(condition)
    return {"postgresql_where": where, "sqlite_where": where}


def upgrade():
    dialect = op.get_bind().dialect.name
    flag = FLAG_TRUE.get(dialect, FLAG_TRUE["postgresql"])
    for name, columns in REPLACED:
        op.drop_index(name, table_name="report")
    for name, leading, trailing in ORDERED:
        op.create_index(name, "report", [*leading, *ORDER_KEY, *trailing], **_where(LIVE))
    op.create_index(
        "ix_report_live_needs_action", "report", ORDER_KEY,
        **_where(f"{flag.format(flag='needs_action')} AND {LIVE}"),
    )
    op.create_index(
        "ix_report_live_awaiting", "report", ORDER_KEY,
        **_where(f"{flag.format(flag='awaiting_reporter')} AND {LIVE}"),
    )
    op.create_index(
        "ix_report_live_assignee", "report", ["assignee_id", *ORDER_KEY],
        **_where(f"assignee_id IS NOT NULL AND {LIVE}"),
    )


def downgrade():
    for name in ("ix_report_live_assignee", "ix_report_live_awaiting", "ix_report_live_needs_action"):
        op.drop_index(name, table_name="report")
    for name, _leading, _trailing in reversed(ORDERED):
        op.drop_index(name, table_name="report")
    for name, columns in REPLACED:
        op.create_index(name, "report", columns)
