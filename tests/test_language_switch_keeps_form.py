"""Finding 6 of the outside test: switching language keeps what was typed.

On /melden and /opvolgen/melding the header's language switch is a set of buttons that
send the form (without script too); the same form comes back in the chosen language with
every answer and every file kept, and nothing is stored.
"""

from __future__ import annotations

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import Message, Report
from tests import filemakers
from tests.helpers import GOOD_TEXT, csrf_token, file_part, form_values, receipt_code_from, report_data, soup, submit


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_report_form_switches_language_with_everything_kept(app, client):
    page = soup(client.get("/melden"))
    button = page.select_one('.language-switch button[name=switch_language][value="pl"]')
    assert button is not None and button["form"] == "report-form"
    data = report_data(client, name="Karel", anonymity="contact", email="karel@example.org", danger_now="nee")
    data["switch_language"] = "pl"
    data["files"] = [file_part(filemakers.jpeg_with_gps(), "schuur.jpg")]
    response = client.post("/melden", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    page = soup(response)
    assert page.html["lang"] == "pl"
    assert "Melding maken" not in page.select_one("h1").get_text()
    values = form_values(response)
    for name in ("location", "postcode", "place_type", "occurred", "ongoing", "reporter_type",
                 "anonymity", "name", "email", "danger_now"):
        assert values.get(name) == data[name], name
    assert values["text"].strip() == GOOD_TEXT
    assert "schuur.jpg" in page.get_text() and values.get("keep_files")
    assert page.select_one(".error-summary") is None
    assert _count(app, Report) == 0
    # The language stays chosen, and the form is sent as usual from there.
    values["files_shown"] = "1"
    assert client.post("/melden", data=values, content_type="multipart/form-data").status_code == 303
    assert _count(app, Report) == 1
    assert soup(client.get("/melden/bedankt")).html["lang"] == "pl"


def test_the_followup_answer_switches_language_with_text_and_files_kept(app, client):
    submit(client)
    code = receipt_code_from(client)
    client.post("/opvolgen", data={"csrf_token": csrf_token(client, "/opvolgen"), "code": code})
    page = soup(client.get("/opvolgen/melding"))
    button = page.select_one('.language-switch button[name=switch_language][value="ar"]')
    assert button is not None and button["form"] == "followup-form"
    data = {
        "csrf_token": page.find("input", {"name": "csrf_token"})["value"],
        "text": "Meestal op dinsdag na 22 uur.",
        "switch_language": "ar",
        "files": [file_part(filemakers.jpeg_with_gps(), "extra.jpg")],
    }
    response = client.post("/opvolgen/melding", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    page = soup(response)
    assert page.html["lang"] == "ar" and page.html["dir"] == "rtl"
    assert page.select_one("textarea#text").get_text().strip() == "Meestal op dinsdag na 22 uur."
    assert "extra.jpg" in page.get_text()
    assert _count(app, Message) == 0


def test_an_unknown_language_is_an_ordinary_submission(app, client):
    response = submit(client, switch_language="xx")
    assert response.status_code == 303
    assert _count(app, Report) == 1
