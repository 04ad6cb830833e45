"""Every page that shows report text is audited: the report page (also when a form is
shown again after a mistake) and the queue (with its filters, never the search words).
Also: the contact-details form says what went wrong, and the report's language by name."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from meldpunt.extensions import db
from meldpunt.models import AuditEvent
from tests.backoffice.conftest import new_report, post_form
from tests.helpers import soup


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_the_plain_report_page_is_audited_once(app, staff_client):
    client, _ = staff_client("triage")
    report_id, _ = new_report(app)
    assert client.get(f"/beheer/melding/{report_id}").status_code == 200
    views = _events(app, "report.view")
    assert len(views) == 1 and views[0].object_id == str(report_id)


def test_a_form_shown_again_with_the_report_text_is_an_audited_view(app, staff_client):
    client, _ = staff_client("coordinator")
    report_id, _ = new_report(app)
    cases = [
        ("notitie", {"note-note": ""}, "note"),
        ("bericht", {"message-message": "<b></b>"}, "message"),
        # The decision panel: closing without an outcome, and an unknown theme.
        ("besluit", {"panel-theme": "hennep", "panel-urgency": "normaal", "panel-route": "politie",
                     "panel-status": "afgerond"}, "panel"),
        ("koppelen", {"link-other_id": str(report_id)}, "link"),  # itself
        ("contactgegevens", {"contact-reason": ""}, "contact_form"),
        ("besluit", {"panel-theme": "onbekend"}, "panel"),
    ]
    for action, data, form in cases:
        before = len(_events(app, "report.view"))
        response = post_form(client, f"/beheer/melding/{report_id}/{action}", data)
        assert response.status_code == 422, action
        assert "wietlucht" in response.get_data(as_text=True)  # the full text is on the page
        views = _events(app, "report.view")
        assert len(views) == before + 1, action
        assert views[-1].object_id == str(report_id) and views[-1].details == {"form": [form]}


def test_contact_details_errors_each_have_their_own_message(app, staff_client):
    client, _ = staff_client("coordinator")
    named, _ = new_report(app, anonymous=False, name="Anna", email="anna@example.org")
    anonymous, _ = new_report(app)
    # Long enough for the form, but only spaces and markup around two letters.
    response = post_form(client, f"/beheer/melding/{named}/contactgegevens", {"contact-reason": "   <b>ab</b>   "})
    assert response.status_code == 422
    summary = soup(response).select_one(".error-summary").get_text(" ", strip=True)
    assert "Geef een reden van minstens 5 tekens." in summary
    assert "geen contactgegevens" not in summary
    reason = {"contact-reason": "Nodig voor overleg"}
    response = post_form(client, f"/beheer/melding/{anonymous}/contactgegevens", reason)
    assert response.status_code == 422
    assert "Deze melder heeft geen contactgegevens achtergelaten." in soup(response).select_one(".error-summary").text
    assert _events(app, "report.contact_view") == []
    shown = post_form(client, f"/beheer/melding/{named}/contactgegevens", reason)
    assert shown.status_code == 200 and "anna@example.org" in shown.get_data(as_text=True)
    assert len(_events(app, "report.contact_view")) == 1
    assert _events(app, "report.view")[-1].details == {"contact_shown": True, "form": []}


def test_the_queue_is_audited_with_its_filters_but_not_the_search_words(app, staff_client):
    client, _ = staff_client("triage")
    new_report(app)
    assert client.get("/beheer").status_code == 200
    response = client.get("/beheer?q=geheimzinnigewoorden&theme=hennep&van=2024-01-01&pagina=1")
    assert response.status_code == 200
    views = _events(app, "queue.view")
    assert len(views) == 2
    assert views[0].details == {"status": "open", "search": False, "page": 1}
    assert views[1].details == {
        "status": "open", "theme": "hennep", "date_from": "2024-01-01", "search": True, "page": 1
    }
    invalid = client.get("/beheer?postcode=abc")
    assert invalid.status_code == 422
    assert _events(app, "queue.view")[-1].details["invalid_filters"] is True
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM audit_event")).mappings()
        dump = json.dumps([dict(row) for row in rows], default=str)
    assert "geheimzinnigewoorden" not in dump


def test_report_language_is_shown_by_name(app, staff_client):
    client, _ = staff_client("triage")
    report_id, _ = new_report(app)
    page = soup(client.get(f"/beheer/melding/{report_id}"))
    term = next(dt for dt in page.select("dl.facts dt") if dt.get_text(strip=True) == "Taal van de melding")
    assert term.find_next_sibling("dd").get_text(" ", strip=True) == "Nederlands (nl)"
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = soup(client.get(f"/beheer/melding/{report_id}"))
    assert "Dutch (nl)" in page.get_text(" ", strip=True)
