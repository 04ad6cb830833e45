"""attachment_blob and pending_upload: attachments and pending uploads in the database

Revision ID: 0019_attachment_store
Revises: 0017_partner_feedback
Create Date: 2026-12-07 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_attachment_store"
down_revision = "0017_partner_feedback"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachment_blob",
        sa.Column("storage_name", sa.String(length=64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_attachment_blob_created_at", "attachment_blob", ["created_at"])
    op.create_table(
        "pending_upload",
        sa.Column("token", sa.String(length=64), primary_key=True),
        sa.Column("file_id", sa.String(length=16), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meta_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_pending_upload_created_at", "pending_upload", ["created_at"])
    if op.get_bind().dialect.name == "postgresql":
        # Fernet tokens do not compress: EXTERNAL stores them out of line without
        # PostgreSQL trying (and failing) to compress every multi-megabyte value first.
        op.execute("ALTER TABLE attachment_blob ALTER COLUMN data SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE pending_upload ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade():
    op.drop_index("ix_pending_upload_created_at", table_name="pending_upload")
    op.drop_table("pending_upload")
    op.drop_index("ix_attachment_blob_created_at", table_name="attachment_blob")
    op.drop_table("attachment_blob")
