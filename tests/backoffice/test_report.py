"""One report: decisions beside the suggestion, status events, notes, messages,
contact details, related reports and attachments."""

from __future__ import annotations

import re

from sqlalchemy import select

from meldpunt import outbox
from meldpunt.extensions import db
from meldpunt.models import (
    AuditEvent,
    Message,
    Note,
    OutboxMessage,
    Report,
    ReportLink,
    StatusEvent,
    TriageDecision,
    TriageSuggestion,
)
from tests import filemakers
from tests.backoffice.conftest import add_attachment, new_report, panel, post_form, sign_in
from tests.helpers import csrf_token, soup

SECRET_TEXT = "Achter de garagebox aan de Vlasakker 7 worden elke nacht dozen met wiet uitgeladen."


def audit_actions(app, object_id=None) -> list[str]:
    with app.app_context():
        statement = select(AuditEvent.action).order_by(AuditEvent.id)
        if object_id is not None:
            statement = statement.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(statement))


def test_report_page_shows_text_fields_suggestion_and_is_audited(app, staff_client):
    client, _ = staff_client("triage")
    report_id, _ = new_report(app, text=SECRET_TEXT, location="Vlasakker 7", postcode="3311 AB")
    response = client.get(f"/beheer/melding/{report_id}")
    assert response.status_code == 200
    page = soup(response)
    text = page.get_text()
    assert SECRET_TEXT in text and "Vlasakker 7" in text
    assert "Voorstel van de triage" in text
    assert page.select("ul.explanation li"), "the triage explanation is shown"
    assert audit_actions(app, report_id).count("report.view") == 1
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert report.first_opened_at is not None


def test_decision_is_stored_beside_the_suggestion(app, staff_client):
    client, account = staff_client("triage")
    report_id, _ = new_report(app)
    with app.app_context():
        suggestion = db.session.scalar(select(TriageSuggestion).where(TriageSuggestion.report_id == report_id))
        original = (suggestion.theme, suggestion.urgency, suggestion.route)
    # Confirm unchanged (the one decision panel).
    response = panel(client, app, report_id, theme=original[0], urgency=original[1], route=original[2])
    assert response.status_code == 303
    # Correct the urgency and route.
    response = panel(client, app, report_id, theme=original[0], urgency="hoog", route="riec")
    assert response.status_code == 303
    with app.app_context():
        decisions = db.session.scalars(
            select(TriageDecision).where(TriageDecision.report_id == report_id).order_by(TriageDecision.id)
        ).all()
        assert [d.changed for d in decisions] == [[], ["urgency", "route"] if original[2] != "riec" else ["urgency"]]
        assert all(d.staff_id == account.id and d.created_at for d in decisions)
        suggestion = db.session.scalar(select(TriageSuggestion).where(TriageSuggestion.report_id == report_id))
        assert (suggestion.theme, suggestion.urgency, suggestion.route) == original  # untouched
        report = db.session.get(Report, report_id)
        assert (report.urgency, report.urgency_rank, report.route, report.review) == ("hoog", 1, "riec", False)
    assert audit_actions(app, report_id).count("triage.decision") == 2
    # An unknown code is refused with a message, nothing stored.
    bad = panel(client, app, report_id, theme="onzin", urgency="hoog", route="riec")
    assert bad.status_code == 422 and soup(bad).select_one(".error-summary")


def test_status_workflow_adds_events_and_never_overwrites(app, staff_client):
    client, _ = staff_client("triage")
    report_id, _ = new_report(app)
    assert panel(client, app, report_id, status="in_behandeling").status_code == 303
    # Closing as afgerond needs an outcome.
    missing = panel(client, app, report_id, status="afgerond", outcome="")
    assert missing.status_code == 422
    assert "Kies een resultaat" in missing.get_data(as_text=True)
    closed = panel(client, app, report_id, status="afgerond", outcome="gebruikt_in_onderzoek")
    assert closed.status_code == 303
    # nieuw is not a step back from afgerond.
    assert panel(client, app, report_id, status="nieuw").status_code == 422
    assert panel(client, app, report_id, status="in_behandeling").status_code == 303
    with app.app_context():
        events = db.session.scalars(
            select(StatusEvent).where(StatusEvent.report_id == report_id).order_by(StatusEvent.id)
        ).all()
        assert [(e.status, e.outcome) for e in events] == [
            ("nieuw", None), ("in_behandeling", None), ("afgerond", "gebruikt_in_onderzoek"), ("in_behandeling", None)
        ]
        report = db.session.get(Report, report_id)
        assert report.status == "in_behandeling" and report.outcome is None and report.closed_at is None
        assert report.first_action_at is not None
    assert audit_actions(app, report_id).count("report.status") == 3


def test_internal_notes_stay_internal(app, client, staff_client):
    staff, _ = staff_client("triage")
    report_id, code = new_report(app)
    noted = post_form(
        staff, f"/beheer/melding/{report_id}/notitie", {"note-note": "Bekend adres, eerder gecontroleerd."}
    )
    assert noted.status_code == 303
    assert "Bekend adres" in staff.get(f"/beheer/melding/{report_id}").get_data(as_text=True)
    with app.app_context():
        body = db.session.scalar(select(Note.body).where(Note.report_id == report_id))
        assert body == "Bekend adres, eerder gecontroleerd."
    client.post("/opvolgen", data={"csrf_token": csrf_token(client, "/opvolgen"), "code": code})
    assert "Bekend adres" not in client.get("/opvolgen/melding").get_data(as_text=True)
    assert "report.note" in audit_actions(app, report_id)


def test_message_appears_on_the_follow_up_page(app, client, staff_client):
    staff, _ = staff_client("triage")
    report_id, code = new_report(app)
    response = post_form(
        staff,
        f"/beheer/melding/{report_id}/bericht",
        {"message-message": "Kunt u vertellen hoe laat dit meestal gebeurt?"},
    )
    assert response.status_code == 303
    client.post("/opvolgen", data={"csrf_token": csrf_token(client, "/opvolgen"), "code": code})
    page = client.get("/opvolgen/melding").get_data(as_text=True)
    assert "Kunt u vertellen hoe laat dit meestal gebeurt?" in page
    with app.app_context():
        assert db.session.scalar(select(Message.sender).where(Message.report_id == report_id)) == "staff"
        # An anonymous reporter gets no e-mail, obviously.
        assert db.session.scalar(select(OutboxMessage.id)) is None
    assert "report.message" in audit_actions(app, report_id)


def test_named_reporter_gets_an_email_without_content(app_factory, smtp_server):
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, BASE_URL="https://meldpunt.gemeente.example")
    staff, _ = sign_in(app, "triage")
    report_id, _ = new_report(
        app, text=SECRET_TEXT, location="Vlasakker 7", anonymous=False, name="Piet Melder",
        email="piet@example.org", phone="0612345678", wants_email_notice=True,
    )
    quiet_id, _ = new_report(app, anonymous=False, name="Els", email="els@example.org", wants_email_notice=False)
    body = "Wij willen graag weten of de dozen altijd op dinsdag komen."
    assert post_form(staff, f"/beheer/melding/{report_id}/bericht", {"message-message": body}).status_code == 303
    assert post_form(staff, f"/beheer/melding/{quiet_id}/bericht", {"message-message": body}).status_code == 303
    with app.app_context():
        run = outbox.deliver_due()
    assert (run.sent, run.failed) == (1, 0)
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["to"] == ["piet@example.org"]
    data = mail["data"]
    assert "https://meldpunt.gemeente.example/opvolgen" in data
    for secret in (body, "dozen", "Vlasakker", "wiet", "Piet", "0612345678"):
        assert secret not in data, f"{secret!r} leaked into the notice"
    assert not re.search(rf"\b{report_id}\b", mail["subject"] + mail["body"]), "the report number leaked"


def test_contact_details_hidden_until_a_reason_is_given(app, staff_client):
    report_id, _ = new_report(
        app, anonymous=False, name="Karin de Vries", email="karin@example.org", phone="0687654321"
    )
    triage_client, _ = staff_client("triage")
    page = triage_client.get(f"/beheer/melding/{report_id}").get_data(as_text=True)
    assert "Karin" not in page and "karin@example.org" not in page
    melder = soup(triage_client.get(f"/beheer/melding/{report_id}")).select_one("#melder")
    assert 'contactgegevens' not in melder.find_all("form").__repr__()
    refused = post_form(
        triage_client, f"/beheer/melding/{report_id}/contactgegevens", {"contact-reason": "nodig voor contact"}
    )
    assert refused.status_code == 403

    coordinator, _ = staff_client("coordinator")
    page = coordinator.get(f"/beheer/melding/{report_id}").get_data(as_text=True)
    assert "Karin" not in page
    no_reason = post_form(coordinator, f"/beheer/melding/{report_id}/contactgegevens", {"contact-reason": ""})
    assert no_reason.status_code == 422 and "Karin" not in no_reason.get_data(as_text=True)
    shown = post_form(
        coordinator, f"/beheer/melding/{report_id}/contactgegevens", {"contact-reason": "Terugbellen over het tijdstip"}
    )
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Karin de Vries" in text and "karin@example.org" in text and "0687654321" in text
    # Shown once: the next page view hides them again.
    assert "Karin" not in coordinator.get(f"/beheer/melding/{report_id}").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.contact_view"))
        assert event.details == {"reason": "Terugbellen over het tijdstip"}
        assert event.object_id == str(report_id)


def test_related_reports_are_listed_and_can_be_linked(app, staff_client):
    client, _ = staff_client("triage")
    first, _ = new_report(app, location="Dorpsstraat 12a", postcode="3311 AB")
    same_address, _ = new_report(app, location="dorpsstraat 12A", postcode="")
    same_postcode, _ = new_report(app, location="Achterom bij nr 12a", postcode="3311AB")
    business, _ = new_report(app, location="Nagelstudio Glamour", text="Nooit klanten maar altijd open.")
    business_again, _ = new_report(app, location="nagelstudio glamour")
    unrelated, _ = new_report(app, location="Kerkstraat 3", postcode="3312 CD")
    page = soup(client.get(f"/beheer/melding/{first}"))
    listed = [int(a.text) for a in page.select("#verwant tbody th a")]
    assert set(listed) == {same_address, same_postcode}
    page = soup(client.get(f"/beheer/melding/{business}"))
    assert [int(a.text) for a in page.select("#verwant tbody th a")] == [business_again]
    # Link a candidate, and a report that no rule found.
    assert post_form(client, f"/beheer/melding/{first}/koppelen", {"link-other_id": same_address}).status_code == 303
    assert post_form(client, f"/beheer/melding/{first}/koppelen", {"link-other_id": unrelated}).status_code == 303
    again = post_form(client, f"/beheer/melding/{unrelated}/koppelen", {"link-other_id": first})
    assert again.status_code == 422 and "al gekoppeld" in again.get_data(as_text=True)
    assert post_form(client, f"/beheer/melding/{first}/koppelen", {"link-other_id": first}).status_code == 422
    assert post_form(client, f"/beheer/melding/{first}/koppelen", {"link-other_id": 99999}).status_code == 422
    with app.app_context():
        assert db.session.scalar(
            select(ReportLink.id).where(ReportLink.report_id == first, ReportLink.other_id == unrelated)
        )
    # Links show from both sides.
    page = soup(client.get(f"/beheer/melding/{unrelated}"))
    assert [int(a.text) for a in page.select("#verwant tbody th a")] == [first]
    assert post_form(client, f"/beheer/melding/{unrelated}/ontkoppelen", {"unlink-other_id": first}).status_code == 303
    page = soup(client.get(f"/beheer/melding/{unrelated}"))
    assert page.select("#verwant tbody th a") == []
    actions = audit_actions(app)
    assert actions.count("report.link") == 2 and actions.count("report.unlink") == 1


def test_attachments_only_through_the_authenticated_route(app, client, staff_client):
    staff, _ = staff_client("triage")
    report_id, _ = new_report(app)
    image = filemakers.png_bytes()
    image_id = add_attachment(app, report_id, image)
    pdf_id = add_attachment(
        app, report_id, b"%PDF-1.4 test", kind="pdf", content_type="application/pdf", name="verslag.pdf"
    )
    page = soup(staff.get(f"/beheer/melding/{report_id}"))
    img = page.select_one(".attachments img")
    assert img["src"] == f"/beheer/bijlage/{image_id}" and img["alt"]
    shown = staff.get(f"/beheer/bijlage/{image_id}")
    assert shown.status_code == 200 and shown.data == image and shown.mimetype == "image/png"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    download = staff.get(f"/beheer/bijlage/{pdf_id}")
    assert download.data == b"%PDF-1.4 test"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "verslag.pdf" in disposition
    # Anonymous visitors get the login page; the file is not anywhere public.
    assert client.get(f"/beheer/bijlage/{image_id}").status_code == 303
    with app.app_context():
        from meldpunt.models import Attachment

        name = db.session.get(Attachment, image_id).storage_name
    assert client.get(f"/static/{name}").status_code == 404
    assert audit_actions(app).count("attachment.download") == 2
