"""report: hash of the form's one-time key, so a form sent twice is recognised

Revision ID: 0013_submission_key
Revises: 0012_outbox_reporter
Create Date: 2026-12-07 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_submission_key"
down_revision = "0012_outbox_reporter"
branch_labels = None
depends_on = None


# No batch mode: on SQLite a batch rebuilds the table, which drops the full-text search
# triggers on ``report`` (0002_backoffice). A plain ADD COLUMN and a unique index keep them.


def upgrade():
    op.add_column("report", sa.Column("submission_key_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_report_submission_key_hash", "report", ["submission_key_hash"], unique=True)


def downgrade():
    op.drop_index("ix_report_submission_key_hash", table_name="report")
    op.drop_column("report", "submission_key_hash")
