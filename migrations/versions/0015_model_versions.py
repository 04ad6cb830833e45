"""triage_model, triage_model_active: retrained triage models, their comparison, the one in use

Revision ID: 0015_model_versions
Revises: 0014_danger_now
Create Date: 2026-12-07 11:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_model_versions"
down_revision = "0014_danger_now"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "triage_model",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("compared_with", sa.String(length=40), nullable=False),
        sa.Column("promoted", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("trained_on", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=True),
        sa.Column("artifact_sha256", sa.String(length=64), nullable=True),
        sa.Column("artifact_size", sa.Integer(), nullable=True),
    )
    op.create_index("ix_triage_model_created_at", "triage_model", ["created_at"])
    op.create_index("ix_triage_model_version", "triage_model", ["version"])
    op.create_table(
        "triage_model_active",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("model_id", sa.Integer(), sa.ForeignKey("triage_model.id"), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("triage_model_active")
    op.drop_index("ix_triage_model_version", table_name="triage_model")
    op.drop_index("ix_triage_model_created_at", table_name="triage_model")
    op.drop_table("triage_model")
