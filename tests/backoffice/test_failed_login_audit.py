"""Issue 20: failed sign-ins are audited, but cannot bury the audit log.

The audit page and its export leave them out unless asked (the page says how
many it hides), and one client (the limiter's salted key, never its address)
can add only so many of them.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent
from meldpunt.staff import audit, authentication
from tests.backoffice.conftest import make_account, page_csrf, sign_in
from tests.helpers import soup

ADDRESS = "198.51.100.23"
WRONG = "fout-wachtwoord-123"


def _fail_login(client, email: str = "niemand@gemeente.example", password: str = WRONG):
    token = page_csrf(client)
    response = client.post("/beheer/login", data={"csrf_token": token, "email": email, "password": password})
    assert response.status_code == 422, response.status_code
    return response


def _count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action)) or 0


def _shown_actions(response) -> list[str]:
    return [code.get_text() for code in soup(response).select("table.audit code.meta")]


def test_audit_page_hides_failed_logins_by_default_and_counts_them(app):
    admin, _ = sign_in(app, "admin")
    someone = app.test_client()
    for _ in range(3):
        _fail_login(someone)
    known = make_account(app, "triage", email="triage@gemeente.example")
    _fail_login(someone, known.email)

    page = admin.get("/beheer/audit")
    assert page.status_code == 200
    assert audit.LOGIN_FAILED not in _shown_actions(page)
    assert audit.LOGIN in _shown_actions(page)
    notice = soup(page).select_one(".hidden-failed-logins")
    assert notice is not None and "4 mislukte inlogpogingen zijn verborgen" in notice.get_text()
    # The checkbox is off, and the export link says what it leaves out.
    assert not soup(page).find("input", {"name": "mislukte_logins"}).has_attr("checked")

    shown = admin.get("/beheer/audit?mislukte_logins=1")
    assert _shown_actions(shown).count(audit.LOGIN_FAILED) == 4
    assert soup(shown).select_one(".hidden-failed-logins") is None
    assert soup(shown).find("input", {"name": "mislukte_logins"}).has_attr("checked")

    chosen = admin.get(f"/beheer/audit?actie={audit.LOGIN_FAILED}")
    assert _shown_actions(chosen) == [audit.LOGIN_FAILED] * 4


def _export(client, query: str = "") -> list[dict]:
    response = client.get("/beheer/audit/export.jsonl" + query)
    assert response.status_code == 200
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_export_leaves_failed_logins_out_unless_asked_and_every_row_still_verifies(app):
    admin, _ = sign_in(app, "admin")
    someone = app.test_client()
    for _ in range(2):
        _fail_login(someone)

    filtered = _export(admin)
    assert filtered and audit.LOGIN_FAILED not in {row["action"] for row in filtered}
    complete = _export(admin, "?mislukte_logins=1")
    assert [row["action"] for row in complete].count(audit.LOGIN_FAILED) == 2

    with app.app_context():
        key = audit.chain_key()
        fields = ("created_at", "actor_id", "actor", "action", "object_type", "object_id", "details")
        for row in filtered + complete:
            assert audit.compute_hash(row["prev_hash"], {f: row[f] for f in fields}, key) == row["hash"]
        # Only the complete export is one unbroken chain.
        assert all(b["prev_hash"] == a["hash"] for a, b in zip(complete, complete[1:], strict=False))
        assert not all(b["prev_hash"] == a["hash"] for a, b in zip(filtered, filtered[1:], strict=False))
        exports = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == audit.AUDIT_EXPORT).order_by(AuditEvent.id)
        ).all()
    assert exports == [{"failed_logins": False}, {"failed_logins": True}]


def test_one_client_adds_only_so_many_failed_login_rows(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    per_window = 10
    assert authentication.FAILED_LOGIN_AUDIT_LIMIT.startswith(f"{per_window} per 10 minutes")
    known = make_account(app, "triage", email="triage@gemeente.example")
    scanner = app.test_client()
    scanner.environ_base["REMOTE_ADDR"] = ADDRESS
    for _ in range(per_window + 3):
        _fail_login(scanner)  # every attempt is still refused
    assert _count(app, audit.LOGIN_FAILED) == per_window
    assert _count(app, audit.LOGIN_FAILED_THROTTLED) == 1  # said once, not per attempt

    # Past its share, failures still count towards the account's lock-out, which is audited.
    for _ in range(authentication.MAX_FAILURES):
        _fail_login(scanner, known.email)
    assert _count(app, audit.LOGIN_FAILED) == per_window
    assert _count(app, audit.LOGIN_LOCKED) == 1
    with app.app_context():
        assert authentication.is_locked(db.session.get(authentication.StaffUser, known.id))

    # Another client has its own share.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.24"
    _fail_login(other)
    assert _count(app, audit.LOGIN_FAILED) == per_window + 1

    # The key is salted: the address appears in no event.
    with app.app_context():
        everything = [json.dumps(row.details) + row.actor for row in audit.iter_events()]
    assert not any(ADDRESS in text for text in everything)


def test_without_a_request_failures_are_always_audited(app):
    known = make_account(app, "triage", email="triage@gemeente.example")
    with app.app_context():
        for _ in range(3):
            assert not authentication.check_password(known.email, WRONG).ok
    assert _count(app, audit.LOGIN_FAILED) == 3
