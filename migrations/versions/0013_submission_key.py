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


def upgrade():
    with op.batch_alter_table("report") as batch:
        batch.add_column(sa.Column("submission_key_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_report_submission_key_hash", ["submission_key_hash"])


def downgrade():
    with op.batch_alter_table("report") as batch:
        batch.drop_constraint("uq_report_submission_key_hash", type_="unique")
        batch.drop_column("submission_key_hash")
