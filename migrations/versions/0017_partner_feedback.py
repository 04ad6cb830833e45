"""partner feedback (outcome, question) and message templates per theme

Revision ID: 0017_partner_feedback
Revises: 0016_assignment
Create Date: 2026-12-07 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_partner_feedback"
down_revision = "0016_assignment"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("report", sa.Column("feedback_unread", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "partner_feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("report.id", ondelete="CASCADE"), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
        sa.Column("route", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
    )
    op.create_index("ix_partner_feedback_report_id", "partner_feedback", ["report_id"])
    op.create_table(
        "message_template",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("theme", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("staff_user.id"), nullable=True),
    )
    op.create_index("ix_message_template_theme", "message_template", ["theme"])


def downgrade():
    op.drop_index("ix_message_template_theme", table_name="message_template")
    op.drop_table("message_template")
    op.drop_index("ix_partner_feedback_report_id", table_name="partner_feedback")
    op.drop_table("partner_feedback")
    op.drop_column("report", "feedback_unread")
