"""Finding 4 of the outside test: contact fields filled in while "anoniem" is chosen.

They used to be dropped without a word. Now the form comes back with a choice (stay
anonymous without the details, or report with them), and everything typed is kept.
"""

from __future__ import annotations

from sqlalchemy import func, select

from meldpunt import crypto
from meldpunt.extensions import db
from meldpunt.models import Report
from tests.helpers import GOOD_TEXT, form_values, soup, submit


def _reports(app) -> list[Report]:
    with app.app_context():
        return list(db.session.scalars(select(Report)))


def _choice_page(client):
    response = submit(client, anonymity="anoniem", name="Karel", email="karel@example.org", phone="")
    assert response.status_code == 200
    return response


def test_contact_details_with_anonymous_are_not_dropped_silently(app, client):
    response = _choice_page(client)
    page = soup(response)
    notice = page.select_one(".contact-choice")
    assert notice is not None
    assert "karel@example.org" in notice.get_text() and "Karel" in notice.get_text()
    buttons = {b["value"]: b for b in notice.select("button[name=contact_choice]")}
    assert set(buttons) == {"drop", "keep"}
    assert all(b["form"] == "report-form" for b in buttons.values())
    values = form_values(response)
    assert values["text"].strip() == GOOD_TEXT
    assert values["email"] == "karel@example.org" and values["name"] == "Karel"
    assert values["anonymity"] == "anoniem"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0


def test_choosing_to_stay_anonymous_drops_the_details(app, client):
    values = form_values(_choice_page(client))
    values["contact_choice"] = "drop"
    response = client.post("/melden", data=values, content_type="multipart/form-data")
    assert response.status_code == 303
    [report] = _reports(app)
    assert report.anonymous is True and report.contact_encrypted is None


def test_choosing_to_report_with_the_details_keeps_them(app, client):
    values = form_values(_choice_page(client))
    values["contact_choice"] = "keep"
    response = client.post("/melden", data=values, content_type="multipart/form-data")
    assert response.status_code == 303
    [report] = _reports(app)
    assert report.anonymous is False
    with app.app_context():
        contact = crypto.decrypt_json(report.contact_encrypted)
    assert contact["email"] == "karel@example.org" and contact["name"] == "Karel"


def test_keeping_only_a_name_asks_for_a_way_to_reach_the_reporter(app, client):
    response = submit(client, anonymity="anoniem", name="Karel")
    values = form_values(response)
    values["contact_choice"] = "keep"
    response = client.post("/melden", data=values, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Vul een e-mailadres of telefoonnummer in" in soup(response).get_text()
    assert form_values(response)["name"] == "Karel"
    assert _reports(app) == []


def test_anonymous_without_contact_details_is_sent_at_once(app, client):
    assert submit(client, anonymity="anoniem").status_code == 303
