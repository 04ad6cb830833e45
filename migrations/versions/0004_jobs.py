"""scheduled jobs: claimed occurrences and sent reminders

Revision ID: 0004_jobs
Revises: 0001
Create Date: 2026-11-24 10:00:00

``job_occurrence`` is both the exactly-once claim and the run record of every
scheduled job (meldpunt/jobs.py): the UNIQUE (job, due_at) constraint lets one
scheduler process win each occurrence. ``reminder_sent`` makes each coordinator
reminder go out once per report and rule (meldpunt/reminders.py).

The older ``job_run`` table from 0001 is left in place, unused (0009 drops it).
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_jobs"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_occurrence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_occurrence")),
        sa.UniqueConstraint("job", "due_at", name="uq_job_occurrence_job_due_at"),
    )
    with op.batch_alter_table("job_occurrence", schema=None) as batch_op:
        batch_op.create_index("ix_job_occurrence_job_claimed_at", ["job", "claimed_at"], unique=False)

    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_reminder_sent_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_sent")),
        sa.UniqueConstraint("report_id", "rule", name="uq_reminder_sent_report_rule"),
    )


def downgrade():
    op.drop_table("reminder_sent")
    with op.batch_alter_table("job_occurrence", schema=None) as batch_op:
        batch_op.drop_index("ix_job_occurrence_job_claimed_at")
    op.drop_table("job_occurrence")
