"""statistics: frozen publications per quarter and year; the per-year protected blocks go

Revision ID: 0018_publications
Revises: 0015_model_versions
Create Date: 2026-12-07 11:30:00

``stat_publication`` holds one row per published period (a quarter or a year), written
once by the rollup job when the period is over and never changed: later publications
are protected against it. ``stat_published`` (per-year blocks of suppressed cells,
recomputed by every rollup) is no longer used: the internal dashboard shows exact
figures and publications are frozen. The downgrade recreates it empty (the old code
recomputes its contents) and drops the publications.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_publications"
down_revision = "0015_model_versions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stat_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_publication")),
        sa.UniqueConstraint("kind", "start", name="uq_stat_publication_period"),
    )
    op.drop_table("stat_published")
    # The rollup counts new measures (response times within target): the next run rebuilds.
    op.execute("UPDATE stat_rollup_state SET watermark = NULL")


def downgrade():
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
    op.drop_table("stat_publication")
