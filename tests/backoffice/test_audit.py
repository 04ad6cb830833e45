"""The audit log: append-only, hash-chained, tampering detected, viewable by admins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from meldpunt.extensions import db
from meldpunt.staff import audit
from tests.backoffice.conftest import new_report
from tests.helpers import soup


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
    # The export carries the hashes: it can be checked on its own, with the chain key.
    with app.app_context():
        key = audit.chain_key()
    prev = audit.GENESIS_HASH
    for line in lines:
        keys = ("created_at", "actor_id", "actor", "action", "object_type", "object_id", "details")
        fields = {k: line[k] for k in keys}
        assert line["prev_hash"] == prev and audit.compute_hash(prev, fields, key) == line["hash"]
        # Without the key (plain SHA-256, as before) nobody can recompute it.
        assert audit.legacy_hash(prev, fields) != line["hash"]
        prev = line["hash"]
    assert client.get("/beheer/audit?actie=test.event").status_code == 200


# --- keyed chain, anchor outside the database, old chains --------------------------------


def _delete_newest(app, n: int) -> None:
    _tamper(app, f"DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event ORDER BY id DESC LIMIT {n})")


def _rows(app) -> list:
    with app.app_context():
        return list(audit.iter_events())


def _rehash_plain(app, from_position: int, change: str | None = None) -> None:
    """An attacker with database access only: change an event, then recompute the chain
    from there with plain SHA-256 (what was enough before the chain was keyed)."""
    with app.app_context():
        rows = list(audit.iter_events())
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            else:
                conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            prev = rows[from_position - 2].hash if from_position > 1 else audit.GENESIS_HASH
            for position, row in enumerate(rows, start=1):
                if position < from_position:
                    continue
                fields = audit.event_fields(row)
                if change and position == from_position:
                    fields["actor"] = change
                new_hash = audit.legacy_hash(prev, fields)
                conn.execute(
                    text("UPDATE audit_event SET actor = :actor, prev_hash = :prev, hash = :hash WHERE id = :id"),
                    {"actor": fields["actor"], "prev": prev, "hash": new_hash, "id": row.id},
                )
                prev = new_hash
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))


def test_every_commit_anchors_the_head_outside_the_database(app):
    import os
    import stat

    _some_events(app, 4)
    with app.app_context():
        path = audit.anchor_path()
        audit.record("test.event", "tester")
        audit.record("test.event", "tester")
        db.session.commit()
        # Rolled back: never anchored, so it cannot look removed.
        audit.record("test.event", "tester")
        db.session.rollback()
        anchor = audit.latest_anchor()
        head = list(audit.iter_events())[-1]
    assert path.parent == Path(app.config["DATA_DIR"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["count"] for line in lines] == [4, 6]  # one line per commit
    assert anchor.count == 6 and anchor.id == head.id and anchor.hash == head.hash and anchor.legacy == 0
    with app.app_context():
        assert audit.verify_chain().ok


def test_removing_the_newest_events_is_detected(app, staff_client):
    client, _ = staff_client("admin")
    _some_events(app, 6)
    _delete_newest(app, 3)
    with app.app_context():
        check = audit.verify_chain()
    assert not check.ok and check.problem == "truncated" and check.missing == 3
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert "Audit log TRUNCATED: 3 event(s) missing" in result.output
    page = client.get("/beheer/audit?controleren=1")
    notice = soup(page).select_one(".chain-check").get_text(" ", strip=True)
    assert "Er ontbreken 3 gebeurtenissen aan het eind van het log" in notice
    # The page view itself appended an event to the shortened chain: still detected.
    with app.app_context():
        again = audit.verify_chain()
    assert again.problem == "truncated" and again.missing == 3


def test_an_event_changed_and_rehashed_without_the_key_is_detected(app):
    _some_events(app, 5)
    _rehash_plain(app, 3, change="iemand anders")
    with app.app_context():
        audit.anchor_path().unlink()  # even without the anchor: the key gives it away
        check = audit.verify_chain()
        third = list(audit.iter_events())[2]
    assert not check.ok and check.problem == "hash" and check.broken_id == third.id


def test_a_chain_rewritten_entirely_with_plain_hashes_is_not_taken_for_an_old_one(app):
    _some_events(app, 5)
    _rehash_plain(app, 1, change="iemand anders")
    with app.app_context():
        check = audit.verify_chain()
        first = list(audit.iter_events())[0]
    assert not check.ok and check.problem == "hash" and check.broken_id == first.id


def _insert_plain_hashed(app, n: int) -> None:
    """Events as the code before the keyed chain wrote them (scheme 1, plain SHA-256)."""
    from meldpunt.models import AuditEvent, utcnow

    with app.app_context():
        prev = audit.GENESIS_HASH
        for i in range(n):
            row = AuditEvent(
                created_at=utcnow(), actor_id=None, actor="oud", action="test.event",
                object_type="report", object_id=str(i), details={"nummer": i},
            )
            row.prev_hash = prev
            row.hash = audit.legacy_hash(prev, audit.event_fields(row))
            db.session.add(row)
            db.session.flush()
            prev = row.hash
        db.session.commit()


def test_chains_from_before_the_key_keep_verifying(app):
    _insert_plain_hashed(app, 3)
    with app.app_context():
        # Before the keyed code has written anything there is no anchor: nothing vouches
        # for the old events yet, and that is said.
        assert audit.verify_chain().problem == "anchor_missing"
    # An administrator who knows they are genuine vouches for them, once.
    adopted = app.test_cli_runner().invoke(args=["audit-adopt-legacy", "--yes"])
    assert adopted.exit_code == 0 and "3 event(s)" in adopted.output
    again = app.test_cli_runner().invoke(args=["audit-adopt-legacy", "--yes"])
    assert again.exit_code != 0 and "anchor exists already" in again.output
    _some_events(app, 2)
    with app.app_context():
        check = audit.verify_chain()
        anchor = audit.latest_anchor()
    assert check.ok and check.checked == 6 and check.legacy == 3  # 3 old, the adoption, 2 new
    assert anchor.count == 6 and anchor.legacy == 3
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "intact: 6 events" in result.output and "3 event(s) from before" in result.output
    # Passing newer events off as old ones (plain hashes) does not work.
    _rehash_plain(app, 2, change="iemand anders")
    with app.app_context():
        check = audit.verify_chain()
        fourth = list(audit.iter_events())[3]
    assert not check.ok and check.problem == "hash" and check.broken_id == fourth.id


def test_audit_page_labels_actions_and_counts_the_filtered_events(app, staff_client):
    _some_events(app, 3)
    client, _ = staff_client("admin")
    page = soup(client.get("/beheer/audit?actie=login"))
    caption = page.select_one("table.audit caption").get_text()
    assert caption.startswith("1 gebeurtenis van deze soort")
    cell = page.select("table.audit tbody tr td")[2]
    assert cell.get_text(" ", strip=True) == "Ingelogd login"
    option = page.find("option", {"value": "login"})
    assert option.get_text() == "Ingelogd (login)"
    everything = soup(client.get("/beheer/audit")).select_one("table.audit caption").get_text()
    assert not everything.startswith("1 ")


def test_audit_export_is_streamed(app, staff_client):
    _some_events(app, 3)
    client, _ = staff_client("admin")
    export = client.get("/beheer/audit/export.jsonl")
    assert export.is_streamed
    assert len(export.get_data(as_text=True).splitlines()) >= 5


def test_a_chain_rewritten_with_plain_hashes_and_its_anchor_deleted_is_refused(app):
    """The audit finding: deleting the anchor file used to make a fully rewritten
    (plain SHA-256) chain verify as "intact" with a note about old events."""
    _some_events(app, 5)
    _rehash_plain(app, 1, change="iemand anders")
    with app.app_context():
        audit.anchor_path().unlink()
        check = audit.verify_chain()
        first = list(audit.iter_events())[0]
    assert not check.ok and check.problem == "anchor_missing"
    # The next event writes a new anchor, which vouches for no plain-hashed event either.
    _some_events(app, 1)
    with app.app_context():
        assert audit.latest_anchor().legacy == 0
        check = audit.verify_chain()
    assert not check.ok and check.problem == "hash" and check.broken_id == first.id


def test_a_missing_anchor_file_is_reported_as_such(app, staff_client):
    _some_events(app, 4)
    with app.app_context():
        audit.anchor_path().unlink()
        check = audit.verify_chain()
    assert not check.ok and check.problem == "anchor_missing" and check.checked == 4
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "NOT VERIFIABLE" in result.output and "anchor file is missing" in result.output
    client, _ = staff_client("admin")
    with app.app_context():
        audit.anchor_path().unlink()  # signing in wrote a new anchor; remove it again
    notice = soup(client.get("/beheer/audit?controleren=1")).select_one(".chain-check").get_text(" ", strip=True)
    assert "Het anker buiten de database ontbreekt" in notice
