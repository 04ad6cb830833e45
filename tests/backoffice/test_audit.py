"""The audit log: append-only, hash-chained, tampering detected, viewable by admins."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from meldpunt import audit
from meldpunt.extensions import db
from tests.backoffice.conftest import new_report


def _some_events(app, n: int = 5) -> None:
    with app.app_context():
        for i in range(n):
            audit.record("test.event", "tester", "report", i, {"nummer": i, "tekst": "é ü ñ"})
        db.session.commit()


def _tamper(app, statement: str) -> None:
    """What someone with database admin rights could do behind the app's back."""
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
                conn.execute(text(statement))
                conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
            else:
                conn.execute(text("DROP TRIGGER audit_event_no_update"))
                conn.execute(text("DROP TRIGGER audit_event_no_delete"))
                conn.execute(text(statement))


def test_chain_verifies(app):
    _some_events(app)
    with app.app_context():
        check = audit.verify_chain()
    assert check.ok and check.checked == 5
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "intact: 5 events" in result.output


def test_the_database_refuses_changes_and_deletions(app):
    _some_events(app, 2)
    with app.app_context():
        for statement in ("UPDATE audit_event SET actor = 'iemand anders'", "DELETE FROM audit_event"):
            with pytest.raises((DBAPIError, IntegrityError)):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
        assert audit.verify_chain().checked == 2


@pytest.mark.parametrize(
    "statement, broken",
    [
        ("UPDATE audit_event SET actor = 'iemand anders' WHERE id = 3", 3),
        ("UPDATE audit_event SET details = '{\"nummer\": 99}' WHERE id = 2", 2),
        ("DELETE FROM audit_event WHERE id = 2", 3),
    ],
)
def test_tampering_is_detected(app, statement, broken):
    _some_events(app)
    _tamper(app, statement)
    with app.app_context():
        check = audit.verify_chain()
    assert not check.ok and check.broken_id == broken
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1 and f"BROKEN at event {broken}" in result.output


def test_staff_actions_leave_events_without_addresses(app, staff_client):
    client, account = staff_client("admin")
    report_id, _ = new_report(app)
    client.get(f"/beheer/melding/{report_id}")
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM audit_event")).mappings().all()
    actions = [row["action"] for row in rows]
    assert actions[:2] == ["login", "report.view"] or actions[-2:] == ["login", "report.view"]
    dump = json.dumps([dict(row) for row in rows], default=str)
    assert "127.0.0.1" not in dump
    assert all(row["actor"] == account.email for row in rows if row["action"] in ("login", "report.view"))


def test_admin_views_verifies_and_exports_the_log(app, staff_client):
    _some_events(app, 3)
    client, _ = staff_client("admin")
    page = client.get("/beheer/audit?controleren=1")
    assert page.status_code == 200
    assert "De keten is intact" in page.get_data(as_text=True)
    export = client.get("/beheer/audit/export.jsonl")
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert [line["action"] for line in lines[:3]] == ["test.event"] * 3
    assert lines[-1]["action"] == "audit.export"
    # The export carries the hashes: it can be checked on its own.
    prev = audit.GENESIS_HASH
    for line in lines:
        keys = ("created_at", "actor_id", "actor", "action", "object_type", "object_id", "details")
        fields = {k: line[k] for k in keys}
        assert line["prev_hash"] == prev and audit.compute_hash(prev, fields) == line["hash"]
        prev = line["hash"]
    assert client.get("/beheer/audit?actie=test.event").status_code == 200
