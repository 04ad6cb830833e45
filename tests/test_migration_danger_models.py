"""0014 adds report.danger_now (nullable); 0015 adds the triage model versions; both undo cleanly."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from tests.conftest import make_app
from tests.test_migrations import _drop, _fresh_database, _insert_sample_report


def _report_triggers(conn) -> set[str]:
    if conn.dialect.name != "sqlite":
        return set()
    query = "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='report'"
    return set(conn.execute(text(query)).scalars())


def test_danger_now_and_model_versions_up_and_down_with_data(tmp_path):
    url, cleanup = _fresh_database(tmp_path)
    try:
        app = make_app(tmp_path, url)
        with app.app_context():
            from meldpunt.extensions import db

            upgrade(revision="0013_submission_key")
            _insert_sample_report(db.engine)
            with db.engine.connect() as conn:
                triggers = _report_triggers(conn)
            assert triggers or db.engine.dialect.name != "sqlite", "the search triggers of 0002 are expected"
            upgrade(revision="0014_danger_now")
            with db.engine.begin() as conn:
                assert conn.execute(text("SELECT danger_now FROM report")).scalars().all() == [None]
                conn.execute(text("UPDATE report SET danger_now = true"))
                # No table rebuild: the full-text search triggers on report are still there.
                assert _report_triggers(conn) == triggers
            upgrade(revision="0015_model_versions")
            assert {"triage_model", "triage_model_active"} <= set(inspect(db.engine).get_table_names())
            with db.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO triage_model (id, created_at, version, compared_with, promoted, actor, "
                    "trained_on, metrics, reasons, artifact, artifact_sha256, artifact_size) VALUES "
                    "(1, CURRENT_TIMESTAMP, 'hybrid-2-abc', 'hybrid-2-def', true, 'cli', '{}', '{}', '[]', "
                    ":blob, 'x', 3)"), {"blob": b"abc"})
                conn.execute(text("INSERT INTO triage_model_active (id, model_id, changed_at) "
                                  "VALUES (1, 1, CURRENT_TIMESTAMP)"))
            downgrade(revision="0014_danger_now")
            assert "triage_model" not in inspect(db.engine).get_table_names()
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT danger_now FROM report")).scalars().all() == [True]
            downgrade(revision="0013_submission_key")
            assert "danger_now" not in {c["name"] for c in inspect(db.engine).get_columns("report")}
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM report")).scalar() == 1
                assert _report_triggers(conn) == triggers
            upgrade(revision="heads")
            db.engine.dispose()
    finally:
        _drop(cleanup)
