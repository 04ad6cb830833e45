"""The shared audit anchor (ADR 0010): the table audit_anchor, appended to by every app node
through an insert-only role. PostgreSQL only (MELDPUNT_TEST_DATABASE_URL); the role is made
once per session by `flask audit-anchor-setup` (fixture ``anchor_database_url``).
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from meldpunt.config import ConfigError, load_config
from meldpunt.extensions import db
from meldpunt.models import AuditAnchor, AuditEvent
from meldpunt.staff import anchor, audit
from tests.backoffice.conftest import sign_in
from tests.backoffice.test_audit import _delete_newest, _rehash_plain, _some_events
from tests.helpers import soup

# Several nodes share the three keys, from their environment in production (README).
KEYS = {"SECRET_KEY": "s" * 48, "ENCRYPTION_KEYS": [Fernet.generate_key().decode()], "RECEIPT_KEY": "r" * 48}


@pytest.fixture
def node(app_factory, anchor_database_url, tmp_path):
    """An app node with its own data directory, anchored in the shared table."""

    def make(name: str = "a"):
        folder = tmp_path / f"node-{name}"
        folder.mkdir(exist_ok=True)
        return app_factory(DATA_DIR=str(folder), AUDIT_ANCHOR_DATABASE_URL=anchor_database_url, **KEYS)

    return make


def _as_superuser(app, statement: str) -> None:
    """What a superuser can still do: switch the triggers off, change the record, switch them on."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_anchor DISABLE TRIGGER USER"))
        conn.execute(text(statement))
        conn.execute(text("ALTER TABLE audit_anchor ENABLE TRIGGER USER"))


def _anchor_rows(app) -> list:
    with app.app_context():
        return db.session.execute(
            select(AuditAnchor.seq, AuditAnchor.count, AuditAnchor.event_id, AuditAnchor.event_hash)
            .order_by(AuditAnchor.seq)
        ).all()


def test_every_commit_appends_one_chained_row_and_no_file(node):
    app = node()
    _some_events(app, 3)
    _some_events(app, 2)
    with app.app_context():
        store = anchor.store()
        assert store.kind == "table"
        head = list(audit.iter_events())[-1]
        latest = audit.latest_anchor()
        record = store.check()
    rows = _anchor_rows(app)
    assert [(r.seq, r.count) for r in rows] == [(1, 3), (2, 5)]  # one row per commit
    assert latest.count == 5 and latest.id == head.id and latest.hash == head.hash and latest.legacy == 0
    assert record.ok and record.rows == 2
    assert not list(Path(app.config["DATA_DIR"]).glob("audit-anchor*"))
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "intact: 5 events" in result.output
    assert "table audit_anchor" in result.output


def test_the_anchor_role_may_insert_and_read_the_anchor_and_nothing_else(node, anchor_database_url):
    app = node()
    _some_events(app, 2)
    role = create_engine(anchor_database_url)
    try:
        with role.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_anchor")).scalar() == 1
        for statement in (
            "UPDATE audit_anchor SET count = 99",
            "DELETE FROM audit_anchor",
            "TRUNCATE audit_anchor",
            "SELECT count(*) FROM audit_event",
            "SELECT count(*) FROM report",
            "ALTER TABLE audit_anchor DISABLE TRIGGER USER",
            "CREATE OR REPLACE FUNCTION audit_anchor_append_only() RETURNS trigger AS $$ "
            "BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
        ):
            with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                with role.begin() as conn:
                    conn.execute(text(statement))
    finally:
        role.dispose()
    # Even the table's owner (here a superuser) is refused while the triggers are on.
    for statement in ("UPDATE audit_anchor SET count = 99", "DELETE FROM audit_anchor", "TRUNCATE audit_anchor"):
        with pytest.raises(DBAPIError, match="append-only"):
            with app.app_context(), db.engine.begin() as conn:
                conn.execute(text(statement))
    assert len(_anchor_rows(app)) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_anchor SET count = count + 1 WHERE seq = 2",  # a changed head
        "UPDATE audit_anchor SET event_hash = repeat('0', 64) WHERE seq = 1",
        "DELETE FROM audit_anchor WHERE seq = 2",  # a row removed from the middle
    ],
)
def test_a_changed_or_removed_anchor_row_is_detected(node, statement):
    app = node()
    for _ in range(3):
        _some_events(app, 2)
    _as_superuser(app, statement)
    with app.app_context():
        check = audit.verify_chain()
    assert not check.ok and check.problem == "anchor_broken"
    assert check.broken_id in (1, 2)
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "anchor's own record is broken" in result.output
    client, _ = sign_in(app, "admin")  # signing in appends rows after the broken one
    notice = soup(client.get("/beheer/audit?controleren=1")).select_one(".chain-check").get_text(" ", strip=True)
    assert f"Het gedeelde anker zelf is aangetast bij rij {check.broken_id}" in notice


def test_removed_newest_events_are_detected_against_the_table(node):
    app = node()
    _some_events(app, 6)
    _delete_newest(app, 2)
    with app.app_context():
        check = audit.verify_chain()
    assert not check.ok and check.problem == "truncated" and check.missing == 2


def test_a_rewritten_chain_is_detected_against_the_table(node):
    app = node()
    _some_events(app, 5)
    _rehash_plain(app, 2, change="iemand anders")
    with app.app_context():
        check = audit.verify_chain()
        second = list(audit.iter_events())[1]
    assert not check.ok and check.problem == "hash" and check.broken_id == second.id


def test_a_superuser_removing_events_and_their_anchor_rows_is_caught_by_the_logged_head(node, caplog):
    """What the table alone cannot show (ADR 0010): a superuser removes the newest events
    and the newest anchor rows together. The head in the central log still shows it."""
    app = node()
    _some_events(app, 3)
    with caplog.at_level(logging.INFO, logger="meldpunt.staff.audit"):
        _some_events(app, 3)
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("audit head ")][-1]
    assert "count=6 " in logged
    _delete_newest(app, 3)
    _as_superuser(app, "DELETE FROM audit_anchor WHERE seq = 2")
    with app.app_context():
        assert audit.verify_chain().ok  # the database on its own looks fine
    result = app.test_cli_runner().invoke(args=["verify-audit", "--log-head", logged])
    assert result.exit_code == 1
    assert "TRUNCATED: 3 event(s) missing: the head logged as count=6" in result.output
    malformed = app.test_cli_runner().invoke(args=["verify-audit", "--log-head", "count=3 id=1 hash=abc"])
    assert malformed.exit_code == 2 and "count=N id=N hash=" in malformed.output


def test_a_missing_anchor_is_reported(node):
    app = node()
    _some_events(app, 2)
    _as_superuser(app, "TRUNCATE audit_anchor")
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "NOT VERIFIABLE: 2 events" in result.output
    assert "table audit_anchor" in result.output


def test_two_nodes_appending_at_once_keep_one_consistent_anchor(node):
    nodes = [node("a"), node("b")]
    writers, appends = 4, 30
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(app, number: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(appends):
                    audit.record("test.concurrent", f"node-{number}", "test", i)
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(nodes[n % 2], n)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads) and not failures, failures

    rows = _anchor_rows(nodes[0])
    with nodes[0].app_context():
        events = [(row.id, row.hash) for row in audit.iter_events()]
        assert db.session.scalar(select(func.count(AuditEvent.id))) == writers * appends
    # One row per commit, numbered without a gap, each naming the event at its position.
    assert [r.seq for r in rows] == list(range(1, writers * appends + 1))
    for row in rows:
        assert events[row.count - 1] == (row.event_id, row.event_hash)
    assert max(r.count for r in rows) == len(events)
    for app in nodes:
        result = app.test_cli_runner().invoke(args=["verify-audit"])
        assert result.exit_code == 0 and f"intact: {len(events)} events" in result.output, result.output
        assert not list(Path(app.config["DATA_DIR"]).glob("audit-anchor*"))


def test_the_setup_sql_can_be_printed_for_a_dba(node):
    app = node()
    result = app.test_cli_runner().invoke(args=["audit-anchor-setup", "--role", "meldpunt_anchor", "--sql"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith('CREATE ROLE "meldpunt_anchor" LOGIN PASSWORD')
    assert 'GRANT SELECT, INSERT ON audit_anchor TO "meldpunt_anchor";' in lines
    bad = app.test_cli_runner().invoke(args=["audit-anchor-setup", "--role", "x; DROP TABLE report", "--sql"])
    assert bad.exit_code == 1 and "not a plain role name" in bad.output


def test_the_anchor_url_needs_postgresql_and_the_apps_database(tmp_path):
    pg = "postgresql+psycopg://meldpunt@db/meldpunt"
    with pytest.raises(ConfigError, match="needs PostgreSQL"):
        load_config({"DATA_DIR": str(tmp_path), "AUDIT_ANCHOR_DATABASE_URL": pg})  # the app on SQLite
    with pytest.raises(ConfigError, match="same database"):
        load_config({"DATA_DIR": str(tmp_path), "SQLALCHEMY_DATABASE_URI": pg,
                     "AUDIT_ANCHOR_DATABASE_URL": "postgresql+psycopg://anchor@db/other"})
    other_host = str(make_url(pg).set(username="anchor", host="pooler"))
    config = load_config({"DATA_DIR": str(tmp_path), "SQLALCHEMY_DATABASE_URI": pg,
                          "AUDIT_ANCHOR_DATABASE_URL": other_host})
    assert config["AUDIT_ANCHOR_DATABASE_URL"] == other_host


def test_verify_audit_warns_when_the_apps_own_role_could_rewrite_the_anchor(node, app_factory, anchor_database_url,
                                                                          tmp_path):
    app = node()
    _some_events(app, 2)
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    # The tests connect as a superuser: intact, and told that this is no protection.
    assert result.exit_code == 0 and "Warning: the application connects as a superuser" in result.output
    # An ordinary application role, as after audit-anchor-setup: no warning, until it is
    # given the right to change anchor rows.
    role = f"meldpunt_app_{uuid.uuid4().hex[:8]}"
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT SELECT ON audit_anchor, audit_event TO "{role}"'))
    try:
        url = make_url(anchor_database_url).set(username=role).render_as_string(hide_password=False)
        folder = tmp_path / "ordinary"
        folder.mkdir()
        ordinary = app_factory(DATA_DIR=str(folder), SQLALCHEMY_DATABASE_URI=url,
                               AUDIT_ANCHOR_DATABASE_URL=anchor_database_url, **KEYS)
        with ordinary.app_context():
            assert anchor.store().weaknesses() == []
            db.session.remove()
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text(f'GRANT DELETE ON audit_anchor TO "{role}"'))
        with ordinary.app_context():
            assert anchor.store().weaknesses() == [
                "the application's role may change or delete anchor rows: run `flask audit-anchor-setup`"
            ]
            db.session.remove()
            db.engine.dispose()
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
