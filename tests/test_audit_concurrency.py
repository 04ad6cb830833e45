"""Issue 20, finding 1: the audit chain must not fork under concurrent writers.

Several writers, each with its own app (so its own engine and database
connection), append at the same moment: some call ``audit.record`` directly,
some open a report in the back office as one and the same staff member (every
view is an audit event). Afterwards the chain verifies and no two events share
a predecessor. Runs on SQLite and, with ``MELDPUNT_TEST_DATABASE_URL``, on
PostgreSQL.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent
from meldpunt.staff import audit
from tests.backoffice.conftest import login, make_account, new_report

WRITERS = 4
APPENDS = 50


def _event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def test_concurrent_appends_keep_one_chain(app, app_factory):
    account = make_account(app, "admin")
    report_id, _ = new_report(app)
    # Two writers through the report page, each on its own app, in one session of one staff member
    # (signing in again would end the first session).
    signed_in = app.test_client()
    response = login(signed_in, account)
    assert response.status_code == 303, response.status_code
    cookie = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"])
    assert cookie is not None
    view_clients = []
    for _ in range(2):
        client = app_factory().test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        view_clients.append(client)
    direct_apps = [app_factory() for _ in range(WRITERS - len(view_clients))]
    before = _event_count(app)

    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def by_view(client) -> None:
        try:
            start.wait()
            for _ in range(APPENDS):
                response = client.get(f"/beheer/melding/{report_id}")
                assert response.status_code == 200, response.status_code
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    def direct(writer_app, number: int) -> None:
        try:
            with writer_app.app_context():
                start.wait()
                for i in range(APPENDS):
                    audit.record("test.concurrent", f"schrijver-{number}", "test", i, {"writer": number})
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=by_view, args=(client,)) for client in view_clients]
    threads += [threading.Thread(target=direct, args=(a, n)) for n, a in enumerate(direct_apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert not failures, failures

    assert _event_count(app) - before == WRITERS * APPENDS
    with app.app_context():
        shared = db.session.execute(
            select(AuditEvent.prev_hash, func.count(AuditEvent.id))
            .group_by(AuditEvent.prev_hash)
            .having(func.count(AuditEvent.id) > 1)
        ).all()
        assert shared == [], f"{len(shared)} events have more than one successor: the chain forked"
        check = audit.verify_chain()
        assert check.ok, check.description
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "intact" in result.output, result.output
