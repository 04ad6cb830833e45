"""outbox: notices to reporters point at the report instead of holding the address

Revision ID: 0012_outbox_reporter
Revises: 0009_drop_job_run
Create Date: 2026-12-07 07:00:00

A named reporter's e-mail address was stored in plain text in
``outbox_message.recipient`` until 30 days after delivery. From now on a
notice to a reporter keeps only ``reporter_report_id``; the address is
decrypted from the report's contact details when the message is sent.
The upgrade also blanks the address of every reporter notice already
delivered (messages still waiting keep theirs, so they are delivered).
The downgrade drops the column; notices waiting at that moment have no
address and are closed unsent by the old code's SMTP refusal.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_outbox_reporter"
down_revision = "0009_drop_job_run"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("reporter_report_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_outbox_message_reporter_report_id_report", "report",
            ["reporter_report_id"], ["id"], ondelete="SET NULL",
        )
    op.execute(
        "UPDATE outbox_message SET recipient = '' "
        "WHERE kind = 'reporter_notice' AND sent_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_constraint("fk_outbox_message_reporter_report_id_report", type_="foreignkey")
        batch.drop_column("reporter_report_id")
