"""back office: full-text search, queue index, append-only audit log

Revision ID: 0002_backoffice
Revises: 0001
Create Date: 2026-11-24 09:00:00

Full-text search over report text (meldpunt/search.py):

* PostgreSQL: a stored generated ``search_vector`` column with
  ``to_tsvector('dutch', text)`` and a GIN index on it. A stored column (rather
  than an expression index) means a lossy bitmap scan rechecks a ready vector
  instead of re-parsing the text of every row on the page.
* SQLite: an FTS5 external-content table ``report_fts`` kept in sync with
  ``report.text`` by triggers. NOTE for later SQLite migrations: a batch
  ``alter_table`` on ``report`` recreates the table and drops these triggers;
  such a migration must call ``create_sqlite_search()`` from this module again
  (tests/backoffice/test_search.py fails when new reports are not findable).

The audit log (meldpunt/audit.py) is append-only: triggers refuse UPDATE and
DELETE on ``audit_event`` on both databases; the hash chain detects anything
done behind their back.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_backoffice"
down_revision = "0001"
branch_labels = None
depends_on = None


SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS report_fts USING fts5("
    "text, content='report', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS report_fts_ai AFTER INSERT ON report BEGIN "
    "INSERT INTO report_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS report_fts_ad AFTER DELETE ON report BEGIN "
    "INSERT INTO report_fts(report_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS report_fts_au AFTER UPDATE OF text ON report BEGIN "
    "INSERT INTO report_fts(report_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO report_fts(rowid, text) VALUES (new.id, new.text); END",
]


def create_sqlite_search():
    for statement in SQLITE_SEARCH:
        op.execute(statement)
    op.execute("INSERT INTO report_fts(report_fts) VALUES ('rebuild')")


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("report", schema=None) as batch_op:
        # The queue without a status filter: urgent first, then oldest.
        batch_op.create_index("ix_report_urgency_created", ["urgency_rank", "created_at"], unique=False)
        batch_op.create_index("ix_report_postcode_house", ["postcode", "house_number"], unique=False)
        # Queue order within the two most used filters.
        batch_op.create_index("ix_report_route_queue", ["route", "urgency_rank", "created_at"], unique=False)
        batch_op.create_index("ix_report_theme_queue", ["theme", "urgency_rank", "created_at"], unique=False)
    # The default queue ("te behandelen"): a small index in queue order over open reports only.
    open_reports = sa.text("status IN ('nieuw', 'in_behandeling')")
    op.create_index(
        "ix_report_open_queue", "report", ["urgency_rank", "created_at", "id"], unique=False,
        postgresql_where=open_reports, sqlite_where=open_reports,
    )
    with op.batch_alter_table("forward", schema=None) as batch_op:
        batch_op.create_index("ix_forward_route_created", ["route", "created_at"], unique=False)

    if dialect == "postgresql":
        op.execute(
            "ALTER TABLE report ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('dutch', coalesce(text, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_report_search_vector ON report USING gin (search_vector)")
        op.execute(
            """
            CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_event is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    elif dialect == "sqlite":
        create_sqlite_search()
        op.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN "
            "SELECT RAISE(ABORT, 'audit_event is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN "
            "SELECT RAISE(ABORT, 'audit_event is append-only'); END"
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
        op.execute("DROP INDEX IF EXISTS ix_report_search_vector")
        op.execute("ALTER TABLE report DROP COLUMN IF EXISTS search_vector")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        for name in ("report_fts_ai", "report_fts_ad", "report_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS report_fts")
    with op.batch_alter_table("forward", schema=None) as batch_op:
        batch_op.drop_index("ix_forward_route_created")
    op.drop_index("ix_report_open_queue", table_name="report")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_theme_queue")
        batch_op.drop_index("ix_report_route_queue")
        batch_op.drop_index("ix_report_postcode_house")
        batch_op.drop_index("ix_report_urgency_created")
