"""jobs: drop the unused job_run table

Revision ID: 0009_drop_job_run
Revises: 0008_routing_version
Create Date: 2026-12-13 11:00:00

``job_run`` (from 0001) was replaced by ``job_occurrence`` in 0004 and nothing
has written to it since. The downgrade creates it again, empty, as 0001 made it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_drop_job_run"
down_revision = "0008_routing_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_run_job"))
    op.drop_table("job_run")


def downgrade():
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
    )
    with op.batch_alter_table("job_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_run_job"), ["job"], unique=False)
