"""statistics: daily aggregate tables and the rollup watermark

Revision ID: 0003_statistics
Revises: 0001
Create Date: 2026-11-24 10:00:00

A separate branch from 0001 (merged again in 0005_merge). The
tables hold days, categories and numbers only; meldpunt/rollup.py fills them
from the report table and ``flask --app meldpunt rollup-stats`` rebuilds them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_statistics"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "daily_report_stat",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "dimension", "value", name=op.f("pk_daily_report_stat")),
    )
    op.create_table(
        "daily_closure_stat",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "outcome", name=op.f("pk_daily_closure_stat")),
    )
    op.create_table(
        "daily_duration_stat",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("bucket_hours", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "measure", "bucket_hours", name=op.f("pk_daily_duration_stat")
        ),
    )
    op.create_table(
        "stat_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stat_rollup_state")),
    )


    # The incremental rollup looks for reports changed since its previous run.
    op.create_index("ix_stat_status_event_created", "status_event", ["created_at"], unique=False)
    op.create_index("ix_stat_triage_decision_created", "triage_decision", ["created_at"])
    op.create_index("ix_stat_report_first_action", "report", ["first_action_at"], unique=False)
    op.create_index("ix_stat_report_last_seen", "report", ["reporter_last_seen_at"], unique=False)


def downgrade():
    op.drop_index("ix_stat_report_last_seen", table_name="report")
    op.drop_index("ix_stat_report_first_action", table_name="report")
    op.drop_index("ix_stat_triage_decision_created", table_name="triage_decision")
    op.drop_index("ix_stat_status_event_created", table_name="status_event")
    op.drop_table("stat_rollup_state")
    op.drop_table("daily_duration_stat")
    op.drop_table("daily_closure_stat")
    op.drop_table("daily_report_stat")
