"""Partner feedback, message templates and bulk actions (issue 15, items 4-6)."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, PartnerFeedback, Report
from tests.backoffice.conftest import forward, make_account, new_report, post_form
from tests.helpers import csrf_token, soup


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_partner_outcome_and_question_show_in_queue_and_reach_the_reporter(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, code = new_report(app)
    forward(coordinator, app, report_id, "politie")
    coordinator.get(f"/beheer/melding/{report_id}")
    assert report_id not in [int(a.get_text()) for a in soup(coordinator.get("/beheer")).select("table.queue th a")]

    partner, _ = staff_client("partner", "politie")
    response = post_form(partner, f"/beheer/partner/melding/{report_id}/terugkoppeling",
                         {"feedback-outcome": "controle_uitgevoerd", "feedback-question": "Is er een huisnummer?"},
                         csrf_from="/beheer/partner")
    assert response.status_code == 303
    # Empty feedback is refused with a message, nothing stored.
    empty = post_form(partner, f"/beheer/partner/melding/{report_id}/terugkoppeling",
                      {"feedback-outcome": "", "feedback-question": "  "}, csrf_from="/beheer/partner")
    assert empty.status_code == 422 and "stel een vraag" in empty.get_data(as_text=True)
    with app.app_context():
        assert len(list(db.session.scalars(select(PartnerFeedback)))) == 1
    event = _events(app, "report.partner_feedback")[-1]
    assert event.details["outcome"] == "controle_uitgevoerd" and event.details["question"] is True
    assert "huisnummer" not in str(event.details)

    # Back in the default queue, marked, and in "Nieuwe info".
    page = soup(coordinator.get("/beheer"))
    row = page.find("a", string=str(report_id)).find_parent("tr")
    assert "partnerreactie" in row.get_text()
    assert report_id in [int(a.get_text()) for a in soup(coordinator.get("/beheer?weergave=nieuwe_info"))
                         .select("table.queue th a")]
    report_page = soup(coordinator.get(f"/beheer/melding/{report_id}"))
    assert "Is er een huisnummer?" in report_page.select_one("#terugkoppeling").get_text()
    # The partner's outcome is offered when closing.
    assert report_page.find("select", {"name": "panel-outcome"}).find("option", selected=True)["value"] == (
        "controle_uitgevoerd")

    # The coordinator closes with that outcome; the reporter reads it in plain words.
    closed = post_form(coordinator, f"/beheer/melding/{report_id}/besluit", {
        "panel-theme": "hennep", "panel-urgency": "normaal", "panel-route": "politie",
        "panel-status": "afgerond", "panel-outcome": "controle_uitgevoerd"})
    assert closed.status_code == 303
    reporter = app.test_client()
    reporter.post("/opvolgen", data={"csrf_token": csrf_token(reporter, "/opvolgen"), "code": code})
    text = soup(reporter.get("/opvolgen/melding")).get_text(" ")
    assert "is er een controle gedaan" in text
    assert "mogen wij niet vertellen" in text


def test_a_partner_cannot_give_feedback_on_a_report_not_forwarded_to_them(app, staff_client):
    report_id, _ = new_report(app)
    partner, _ = staff_client("partner", "politie")
    response = post_form(partner, f"/beheer/partner/melding/{report_id}/terugkoppeling",
                         {"feedback-outcome": "controle_uitgevoerd"}, csrf_from="/beheer/partner")
    assert response.status_code == 404


def test_coordinators_keep_templates_per_theme_and_workers_insert_them(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    saved = post_form(coordinator, "/beheer/sjablonen", {
        "template-theme": "hennep", "template-title": "Tijden",
        "template-body": "Op welke dagen en tijden ziet u dit?"})
    assert saved.status_code == 303
    post_form(coordinator, "/beheer/sjablonen", {
        "template-theme": "drugslab", "template-title": "Vaten", "template-body": "Hoeveel vaten zag u?"})
    assert _events(app, "template.change")[0].details == {"theme": "hennep", "change": "saved"}
    worker, _ = staff_client("triage")
    assert worker.get("/beheer/sjablonen").status_code == 403
    report_id, _ = new_report(app, set_theme="hennep")
    page = soup(worker.get(f"/beheer/melding/{report_id}"))
    buttons = page.select(".templates button[name=sjabloon]")
    assert [b.get_text() for b in buttons] == ["Invoegen: Tijden"]  # only this theme's templates
    inserted = soup(post_form(worker, f"/beheer/melding/{report_id}/bericht",
                              {"message-message": "", "sjabloon": buttons[0]["value"]}))
    assert inserted.find("textarea", {"name": "message-message"}).get_text().strip() == (
        "Op welke dagen en tijden ziet u dit?")
    # Deleting is audited.
    with app.app_context():
        from meldpunt.models import MessageTemplate

        template_id = db.session.scalar(select(MessageTemplate.id).where(MessageTemplate.title == "Tijden"))
    assert post_form(coordinator, f"/beheer/sjablonen/{template_id}/verwijderen", {}).status_code == 303
    assert _events(app, "template.change")[-1].details == {"theme": "hennep", "change": "deleted"}


def test_bulk_assign_and_close_are_audited_per_report(app, staff_client):
    ids = [new_report(app, f"Melding {n}: alleen een vage zorg over de buurt.")[0] for n in range(3)]
    coordinator, _ = staff_client("coordinator")
    worker = make_account(app, "triage", email="worker@gemeente.example")
    token_page = "/beheer"
    done = post_form(coordinator, "/beheer/bulk", {"bulk-action": "toewijzen", "bulk-assignee": str(worker.id),
                                                     "melding": [str(i) for i in ids[:2]]}, csrf_from=token_page)
    assert done.status_code == 303
    with app.app_context():
        assert [db.session.get(Report, i).assignee_id for i in ids] == [worker.id, worker.id, None]
    assigns = _events(app, "report.assign")
    assert sorted(int(e.object_id) for e in assigns) == sorted(ids[:2])
    assert all(e.details["via"] == "bulk" for e in assigns)

    # Closing needs an outcome; without one nothing changes.
    refused = post_form(coordinator, "/beheer/bulk", {"bulk-action": "niet_ontvankelijk", "bulk-outcome": "",
                                                        "melding": [str(i) for i in ids]})
    assert refused.status_code == 303
    with app.app_context():
        assert {db.session.get(Report, i).status for i in ids} == {"nieuw"}
    closed = post_form(coordinator, "/beheer/bulk", {"bulk-action": "niet_ontvankelijk",
                                                       "bulk-outcome": "doorverwezen",
                                                       "melding": [str(i) for i in ids]})
    assert closed.status_code == 303
    with app.app_context():
        rows = [db.session.get(Report, i) for i in ids]
        assert {(r.status, r.outcome) for r in rows} == {("niet_ontvankelijk", "doorverwezen")}
    statuses = [e for e in _events(app, "report.status") if e.details.get("to") == "niet_ontvankelijk"]
    assert sorted(int(e.object_id) for e in statuses) == sorted(ids)
    # Triage workers have no bulk actions.
    worker_client, _ = staff_client("triage", email="other@gemeente.example")
    assert soup(worker_client.get("/beheer")).find("form", id="bulk") is None
    assert post_form(worker_client, "/beheer/bulk", {"bulk-action": "toewijzen"}).status_code == 403
