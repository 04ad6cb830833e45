"""report: the reporter's answer to "Is er nu iemand in gevaar?" (nullable boolean)

Revision ID: 0014_danger_now
Revises: 0013_submission_key
Create Date: 2026-12-07 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_danger_now"
down_revision = "0013_submission_key"
branch_labels = None
depends_on = None


# No batch mode: on SQLite a batch rebuilds the table, which drops the full-text search
# triggers on ``report`` (0002_backoffice). A plain ADD COLUMN keeps them.


def upgrade():
    op.add_column("report", sa.Column("danger_now", sa.Boolean(), nullable=True))


def downgrade():
    op.drop_column("report", "danger_now")
