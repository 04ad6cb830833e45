"""Following a report with the receipt code: status, messages, adding information."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import Attachment, Message, Report
from tests import filemakers
from tests.helpers import csrf_token, file_part, receipt_code_from, soup, submit


def open_report(client, code: str):
    token = csrf_token(client, "/opvolgen")
    return client.post("/opvolgen", data={"csrf_token": token, "code": code})


def test_receipt_code_opens_the_report_in_any_typing(app, client):
    submit(client)
    code = receipt_code_from(client)
    sloppy = code.replace("-", " ").lower()
    response = open_report(client, sloppy)
    assert response.status_code == 303
    page = soup(client.get("/opvolgen/melding"))
    assert "Stand van zaken" in page.get_text()
    assert "Uw melding is ontvangen" in page.get_text()


def test_wrong_codes_get_one_neutral_message(app, client):
    submit(client)
    messages = set()
    for wrong in ("AAAA-BBBB-CCCC-DDDD", "kort", "ZZZZ-ZZZZ-ZZZZ-ZZZ!"):
        response = open_report(client, wrong)
        assert response.status_code == 422
        messages.add(soup(response).select_one(".error-summary li").get_text(strip=True))
    assert len(messages) == 1
    assert client.get("/opvolgen/melding").status_code == 303


def test_staff_message_is_shown_and_reporter_adds_text_and_file(app, client):
    submit(client)
    code = receipt_code_from(client)
    with app.app_context():
        report = db.session.scalar(select(Report))
        report.messages.append(Message(sender="staff", body="Weet u op welke dagen dit gebeurt?"))
        db.session.commit()
    open_report(client, code)
    page = soup(client.get("/opvolgen/melding"))
    assert "Weet u op welke dagen dit gebeurt?" in page.get_text()

    data = {
        "csrf_token": page.find("input", {"name": "csrf_token"})["value"],
        "text": "Meestal op dinsdag en vrijdag na 22 uur.",
        "files": [file_part(filemakers.jpeg_with_gps(), "extra.jpg")],
    }
    response = client.post("/opvolgen/melding", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    page = soup(client.get("/opvolgen/melding"))
    assert "Uw aanvulling is bewaard" in page.get_text()
    assert "Meestal op dinsdag en vrijdag" in page.get_text()
    with app.app_context():
        report = db.session.scalar(select(Report))
        assert report.unread_for_staff is True
        reply = report.messages[-1]
        assert reply.sender == "reporter"
        attachment = db.session.scalar(select(Attachment))
        assert attachment.source == "followup" and attachment.message_id == reply.id
    assert len(list(Path(app.config["UPLOAD_DIR"]).iterdir())) == 1


def test_empty_addition_is_refused_with_a_message(app, client):
    submit(client)
    code = receipt_code_from(client)
    open_report(client, code)
    token = csrf_token(client, "/opvolgen/melding")
    response = client.post("/opvolgen/melding", data={"csrf_token": token, "text": "  "})
    assert response.status_code == 422
    assert "Schrijf iets of voeg een bestand toe" in response.get_data(as_text=True)


def test_closing_the_report_ends_access(app, client):
    submit(client)
    open_report(client, receipt_code_from(client))
    token = csrf_token(client, "/opvolgen/melding")
    client.post("/opvolgen/sluiten", data={"csrf_token": token})
    assert client.get("/opvolgen/melding").status_code == 303


def test_lookups_are_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    token = csrf_token(client, "/opvolgen")
    statuses = [
        client.post("/opvolgen", data={"csrf_token": token, "code": "AAAA-BBBB-CCCC-DDDD"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[-1] == 429
