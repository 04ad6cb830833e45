"""Taking a new report or writing to its reporter starts the work on it: the report
leaves "nieuw" (an outside tester found it stayed "nieuw" after both)."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, Report, StatusEvent
from tests.backoffice.conftest import new_report, post_form


def _status(app, report_id: int) -> tuple[str, list[str]]:
    with app.app_context():
        report = db.session.get(Report, report_id)
        events = db.session.scalars(
            select(StatusEvent.status).where(StatusEvent.report_id == report_id).order_by(StatusEvent.id)
        )
        return report.status, list(events)


def test_taking_a_new_report_puts_it_in_behandeling(app, staff_client):
    worker, _ = staff_client("triage")
    report_id, _ = new_report(app)
    assert _status(app, report_id)[0] == "nieuw"
    response = post_form(worker, f"/beheer/melding/{report_id}/oppakken", {}, csrf_from=f"/beheer/melding/{report_id}")
    assert response.status_code == 303
    status, events = _status(app, report_id)
    assert status == "in_behandeling" and events[-1] == "in_behandeling"
    with app.app_context():
        audited = db.session.scalars(select(AuditEvent.details).where(AuditEvent.object_id == str(report_id))).all()
    assert {"from": "nieuw", "to": "in_behandeling"} in audited


def test_a_question_to_the_reporter_starts_the_work_once(app, staff_client):
    worker, _ = staff_client("triage")
    report_id, _ = new_report(app)
    page = f"/beheer/melding/{report_id}"
    post_form(worker, f"{page}/bericht", {"message-message": "Op welke verdieping?"}, csrf_from=page)
    post_form(worker, f"{page}/bericht", {"message-message": "En sinds wanneer?"}, csrf_from=page)
    status, events = _status(app, report_id)
    assert status == "in_behandeling"
    assert events.count("in_behandeling") == 1


def test_a_question_on_an_unowned_report_makes_the_writer_its_handler(app, staff_client):
    # Outside test: after a question the report was "in behandeling" with "Behandelaar:
    # niemand" in the queue.
    worker, worker_account = staff_client("triage")
    colleague, colleague_account = staff_client("triage", email="collega@example.org")
    worker_id, colleague_id = worker_account.id, colleague_account.id
    report_id, _ = new_report(app)
    page = f"/beheer/melding/{report_id}"
    sent = post_form(worker, f"{page}/bericht", {"message-message": "Op welke verdieping?"}, csrf_from=page)
    assert "U bent nu de behandelaar van deze melding." in worker.get(sent.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Report, report_id).assignee_id == worker_id
        audited = db.session.scalars(select(AuditEvent.details).where(AuditEvent.object_id == str(report_id))).all()
    assert {"from": None, "to": worker_id, "via": "message", "self": True} in audited
    # A colleague's question later does not take the report away from its handler.
    post_form(colleague, f"{page}/bericht", {"message-message": "En sinds wanneer?"}, csrf_from=page)
    with app.app_context():
        assert db.session.get(Report, report_id).assignee_id == worker_id
    assert colleague_id != worker_id


def test_taking_a_forwarded_report_leaves_its_status(app, staff_client):
    worker, _ = staff_client("triage")
    report_id, _ = new_report(app, set_status="doorgestuurd")
    post_form(worker, f"/beheer/melding/{report_id}/oppakken", {}, csrf_from=f"/beheer/melding/{report_id}")
    assert _status(app, report_id)[0] == "doorgestuurd"


def test_beheer_with_a_trailing_slash_reaches_the_back_office(client):
    response = client.get("/beheer/")
    assert response.status_code == 308 and response.headers["Location"].endswith("/beheer")


def test_the_message_box_says_in_which_language_the_reporter_wrote(app, staff_client):
    # Outside test: a question in Dutch to a reporter who wrote in Turkish, with no hint.
    worker, _ = staff_client("triage")
    turkish, _ = new_report(app, text="Karşı evde bütün gece insanlar gelip gidiyor, kapıda paket veriyorlar ve "
                                      "arabalar bir dakika durup gidiyor. Çok korkuyoruz.")
    dutch, _ = new_report(app)
    page = worker.get(f"/beheer/melding/{turkish}").get_data(as_text=True)
    assert "De melder schreef in het Turks." in page
    assert "De melder schreef in het" not in worker.get(f"/beheer/melding/{dutch}").get_data(as_text=True)
