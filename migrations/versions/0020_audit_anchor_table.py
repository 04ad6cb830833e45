"""audit anchor table shared by every app node (issue 18, ADR 0010)

The audit chain's head after every commit, for installations that run the app
on several machines: each node appends to this one table through a second
connection (``MELDPUNT_AUDIT_ANCHOR_DATABASE_URL``) whose role may only INSERT
and SELECT (``flask audit-anchor-setup``). The triggers refuse UPDATE, DELETE
and, on PostgreSQL, TRUNCATE for every role: only the table's owner or a
superuser can switch them off, and ``audit-anchor-setup`` takes the ownership
away from the application's own role. The embedded default (SQLite, one
machine) keeps using its anchor file; the table exists there too, unused, so
that the schema is the same on both.

Revision ID: 0020_audit_anchor_table
Revises: 0019_attachment_store
Create Date: 2026-12-07 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_audit_anchor_table"
down_revision = "0019_attachment_store"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.Column("legacy", sa.Integer(), nullable=True),
        sa.Column("prev_mac", sa.String(length=64), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_anchor"),
        sa.UniqueConstraint("seq", name="uq_audit_anchor_seq"),
        sa.UniqueConstraint("mac", name="uq_audit_anchor_mac"),
    )
    # The newest head is the one with the highest count (nodes may insert out of order).
    op.create_index("ix_audit_anchor_count", "audit_anchor", ["count"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_anchor_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_anchor is append-only (% refused)', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON audit_anchor "
            "FOR EACH ROW EXECUTE FUNCTION audit_anchor_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_anchor_append_only()"
        )
    elif dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_anchor BEGIN "
            "SELECT RAISE(ABORT, 'audit_anchor is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor BEGIN "
            "SELECT RAISE(ABORT, 'audit_anchor is append-only'); END"
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_anchor")
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_append_only ON audit_anchor")
        op.execute("DROP FUNCTION IF EXISTS audit_anchor_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_anchor_no_delete")
    op.drop_index("ix_audit_anchor_count", table_name="audit_anchor")
    op.drop_table("audit_anchor")
