"""forward.partner_news_at / partner_seen_at / partner_notified_at: news for the partner

The reporter added information after the report was forwarded: the partner's inbox marks
the report ("Nieuwe aanvulling") until a partner of the route opens it, and a content-free
notice goes to the route's notice addresses at most once an hour per report.

Revision ID: 0024_partner_news
Revises: 0023_staff_caught_up
Create Date: 2026-12-07 18:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_partner_news"
down_revision = "0023_staff_caught_up"
branch_labels = None
depends_on = None

COLUMNS = ("partner_news_at", "partner_seen_at", "partner_notified_at")


def upgrade():
    # Plain ADD COLUMNs (no batch mode), like 0023.
    for name in COLUMNS:
        op.add_column("forward", sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # SQLite (3.35+) drops a plain column without rebuilding the table.
    for name in reversed(COLUMNS):
        op.drop_column("forward", name)
