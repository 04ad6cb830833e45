"""statistics: published (suppressed) figures per year, computed by the rollup job

Revision ID: 0007_stat_published
Revises: 0006_routing
Create Date: 2026-12-12 10:00:00

``stat_published`` holds, per kind of figure and calendar year, the cells as
they may be published ("<5", "x" or a number), computed by the statistics
rollup so that a page only reads them. The true small counts are not in it.
The downgrade drops the table: the rollup job or the pages recompute it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_stat_published"
down_revision = "0006_routing"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stat_published",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", "year", name=op.f("pk_stat_published")),
    )


def downgrade():
    op.drop_table("stat_published")
