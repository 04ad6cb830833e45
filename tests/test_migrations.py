"""Every Alembic revision upgrades and downgrades cleanly on a database holding data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, make_app


def _fresh_database(tmp_path):
    if not PG_URL:
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}", None
    url = make_url(PG_URL)
    name = f"meldpunt_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), (admin, name)


def _drop(cleanup):
    if cleanup:
        admin, name = cleanup
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert_sample_report(engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO report (created_at, receipt_hash, text, place_type, reporter_type, ongoing, "
                "language, anonymous, share_identity, wants_email_notice, status, theme, urgency, "
                "urgency_rank, route, review, has_attachments, unread_for_staff) VALUES (:now, :hash, "
                "'Wietlucht bij de loods aan de Polderweg, al weken.', 'bedrijfspand', 'bewoner', 'ja', "
                "'nl', true, false, false, 'nieuw', 'hennep', 'normaal', 2, 'politie', false, false, false)"
            ),
            {"now": now, "hash": uuid.uuid4().hex},
        )


def test_each_revision_upgrades_and_downgrades_with_data(tmp_path):
    url, cleanup = _fresh_database(tmp_path)
    try:
        app = make_app(tmp_path, url)
        with app.app_context():
            from meldpunt.extensions import db

            script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
            # Walk from the oldest revision to the newest, one step at a time.
            revisions = list(reversed(list(script.walk_revisions("base", "heads"))))
            assert revisions, "no migrations found"
            for revision in revisions:
                upgrade(revision=revision.revision)
                tables = set(inspect(db.engine).get_table_names())
                if "report" in tables:
                    _insert_sample_report(db.engine)
                # Down one step and up again, with rows present. (A merge revision
                # has several parents and nothing of its own to undo.)
                if not isinstance(revision.down_revision, tuple):
                    downgrade(revision=revision.down_revision or "base")
                    upgrade(revision=revision.revision)
                db.engine.dispose()
            upgrade(revision="heads")
            assert "report" in inspect(db.engine).get_table_names()
            _insert_sample_report(db.engine)
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM report")).scalar() >= 1
            downgrade(revision="base")
            assert "report" not in inspect(db.engine).get_table_names()
            db.engine.dispose()
    finally:
        _drop(cleanup)


def test_history_has_one_head_and_plain_upgrade_reaches_it(tmp_path):
    """The README's `flask --app meldpunt db upgrade` (no "heads") must work on a fresh database."""
    url, cleanup = _fresh_database(tmp_path)
    try:
        app = make_app(tmp_path, url)
        with app.app_context():
            from meldpunt.extensions import db

            script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
            assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
            result = app.test_cli_runner().invoke(args=["db", "upgrade"])
            assert result.exit_code == 0, result.output
            assert "report" in inspect(db.engine).get_table_names()
            with db.engine.connect() as conn:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            assert current == script.get_current_head()
            db.engine.dispose()
    finally:
        _drop(cleanup)


def test_routing_version_and_job_run_migrations(tmp_path):
    """0008 adds the routing settings version (starting at 1); 0009 drops the unused job_run."""
    url, cleanup = _fresh_database(tmp_path)
    try:
        app = make_app(tmp_path, url)
        with app.app_context():
            from meldpunt.extensions import db

            upgrade(revision="0007_stat_published")
            assert "routing_version" not in inspect(db.engine).get_table_names()
            assert "job_run" in inspect(db.engine).get_table_names()
            upgrade(revision="0008_routing_version")
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT id, version FROM routing_version")).all() == [(1, 1)]
            upgrade(revision="0009_drop_job_run")
            assert "job_run" not in inspect(db.engine).get_table_names()
            downgrade(revision="0008_routing_version")
            assert "job_run" in inspect(db.engine).get_table_names()
            assert [i["name"] for i in inspect(db.engine).get_indexes("job_run")] == ["ix_job_run_job"]
            downgrade(revision="0007_stat_published")
            assert "routing_version" not in inspect(db.engine).get_table_names()
            upgrade(revision="heads")
            db.engine.dispose()
    finally:
        _drop(cleanup)
