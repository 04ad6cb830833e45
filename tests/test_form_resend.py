"""The back button after sending: the form is not restored, and a resend is recognised."""

from __future__ import annotations

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import Report
from tests.helpers import report_data, soup


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Report.id)))


def _form_with_key(client) -> tuple[dict, str]:
    page = soup(client.get("/melden"))
    key = page.find("input", {"name": "submission_key"})["value"]
    return report_data(client, submission_key=key, anonymity="contact", name="Els Voorbeeld",
                       email="els@example.org", phone=""), key


def test_the_form_and_its_contact_fields_are_not_restored_by_the_browser(client):
    page = soup(client.get("/melden"))
    assert page.find("form", {"id": "report-form"})["autocomplete"] == "off"
    for name in ("name", "email", "phone"):
        assert page.find("input", {"name": name})["autocomplete"] == "off"


def test_sending_the_same_form_twice_stores_one_report(app, client):
    data, key = _form_with_key(client)
    first = client.post("/melden", data=data)
    assert first.status_code == 303 and _count(app) == 1
    again = client.post("/melden", data=data)  # back button, then "Versturen" once more
    assert again.status_code == 200
    assert "Deze melding is al verstuurd" in again.get_data(as_text=True)
    assert "els@example.org" not in again.get_data(as_text=True)
    assert _count(app) == 1
    other, other_key = _form_with_key(client)
    assert other_key != key
    assert client.post("/melden", data=other).status_code == 303 and _count(app) == 2


def test_a_form_shown_again_after_an_error_keeps_its_key(client):
    data, key = _form_with_key(client)
    data["text"] = "te kort"
    page = soup(client.post("/melden", data=data))
    assert page.find("input", {"name": "submission_key"})["value"] == key


def test_a_form_without_a_key_is_still_accepted(app, client):
    assert client.post("/melden", data=report_data(client)).status_code == 303
    assert client.post("/melden", data=report_data(client, submission_key="x")).status_code == 303
    assert _count(app) == 2
