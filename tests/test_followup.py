"""Following a report with the receipt code: status, messages, adding information."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import Attachment, Message, Report
from tests import filemakers
from tests.helpers import both_stores, csrf_token, file_part, receipt_code_from, soup, stored_blobs, submit


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


def test_a_code_typed_with_arabic_or_full_width_digits_opens_the_report(app, client):
    """An Arabic phone keyboard types ٨ for 8, a Persian one ۸, a Japanese one ８."""
    submit(client)
    code = receipt_code_from(client)
    for digits in ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９"):
        typed = code.translate(str.maketrans("0123456789", digits))
        other = app.test_client()
        assert open_report(other, typed).status_code == 303, typed


def test_wrong_codes_get_one_neutral_message(app, client):
    submit(client)
    messages = set()
    for wrong in ("AAAA-BBBB-CCCC-DDDD", "kort", "ZZZZ-ZZZZ-ZZZZ-ZZZ!"):
        response = open_report(client, wrong)
        assert response.status_code == 422
        messages.add(soup(response).select_one(".error-summary li").get_text(strip=True))
    assert len(messages) == 1
    assert client.get("/opvolgen/melding").status_code == 303


@both_stores
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
    assert len(stored_blobs(app)) == 1


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


LONG_ANSWER = (
    "Het gebeurt vooral op dinsdag en vrijdag na tien uur 's avonds. Dan komt er een witte bus\n"
    "en worden er zakken naar binnen gedragen. " * 20
).strip()


@both_stores
def test_answer_survives_an_expired_session(app, client):
    submit(client)
    code = receipt_code_from(client)
    open_report(client, code)
    page = soup(client.get("/opvolgen/melding"))
    token = page.find("input", {"name": "csrf_token"})["value"]
    # The reporter types for more than 15 minutes: the browser no longer sends the expired
    # session cookie, so the server sees no session at all (nor its CSRF secret).
    with client.session_transaction() as session:
        session.clear()

    response = client.post(
        "/opvolgen/melding",
        data={"csrf_token": token, "text": LONG_ANSWER, "files": [file_part(filemakers.jpeg_with_gps(), "bus.jpg")]},
        content_type="multipart/form-data",
    )
    # Not a redirect (that would lose the text): the code form, with the answer carried in the page.
    assert response.status_code == 200
    assert "Location" not in response.headers
    page = soup(response)
    assert "Uw bericht is niet kwijt" in page.get_text()
    form = page.find("form", {"action": "/opvolgen"})
    carried = form.find("input", {"name": "carried_text"})
    assert carried is not None and carried["type"] == "hidden"
    assert carried["value"].replace("\r\n", "\n") == LONG_ANSWER
    upload_token = form.find("input", {"name": "upload_token"})["value"]
    assert upload_token
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.sender == "reporter")) is None

    # A typing error in the code keeps the answer too.
    data = {
        "csrf_token": form.find("input", {"name": "csrf_token"})["value"],
        "code": "AAAA-BBBB-CCCC-DDDD",
        "carried_text": carried["value"],
        "upload_token": upload_token,
    }
    response = client.post("/opvolgen", data=data)
    assert response.status_code == 422
    again = soup(response).find("input", {"name": "carried_text"})
    assert again["value"].replace("\r\n", "\n") == LONG_ANSWER

    # The right code opens the report with the answer and the photo ready to send.
    data["code"] = code
    response = client.post("/opvolgen", data=data)
    assert response.status_code == 200
    page = soup(response)
    assert "Uw bericht staat weer klaar" in page.get_text()
    assert page.find("textarea", {"name": "text"}).text.strip().replace("\r\n", "\n") == LONG_ANSWER
    kept_file = page.find("input", {"name": "keep_files"})
    assert kept_file is not None and "bus.jpg" in page.get_text()

    response = client.post(
        "/opvolgen/melding",
        data={
            "csrf_token": page.find("input", {"name": "csrf_token"})["value"],
            "text": page.find("textarea", {"name": "text"}).text,
            "upload_token": page.find("input", {"name": "upload_token"})["value"],
            "files_shown": "1",
            "keep_files": kept_file["value"],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, soup(response).select_one(".error-summary")
    with app.app_context():
        reply = db.session.scalar(select(Message).where(Message.sender == "reporter"))
        assert reply is not None and reply.body == LONG_ANSWER
        assert len(reply.attachments) == 1


def test_expired_session_without_an_answer_still_goes_to_the_code_form(app, client):
    assert client.get("/opvolgen/melding").status_code == 303


def test_report_not_taken_on_shows_where_to_go_instead(app, client):
    submit(client)
    code = receipt_code_from(client)
    open_report(client, code)
    page = soup(client.get("/opvolgen/melding"))
    assert "Waar u terecht kunt" not in page.get_text()
    with app.app_context():
        report = db.session.scalar(select(Report))
        report.status = "niet_ontvankelijk"
        db.session.commit()
    text = soup(client.get("/opvolgen/melding")).get_text()
    assert "hieronder leest u waar u wel terecht kunt" in text
    assert "Waar u terecht kunt" in text
    assert "Veilig Thuis" in text and "0900-8844" in text


def test_a_waiting_question_is_announced_at_the_top_until_answered(app, client):
    from meldpunt.casework import staff_messages
    from meldpunt.staff import accounts

    submit(client)
    code = receipt_code_from(client)
    with app.app_context():
        report_id = db.session.scalar(select(Report.id))
        coordinator = accounts.create_user("vraag@gemeente.example", "coordinator").user
        staff_messages.send_message(report_id, coordinator, "Weet u het kenteken van de bus?")
    open_report(client, code)
    page = soup(client.get("/opvolgen/melding"))
    first_notice = page.select_one("main .notice") or page.select_one(".notice")
    assert first_notice is not None and "vraag gesteld" in first_notice.get_text()
    assert first_notice.select_one('a[href="#add-title"]') is not None
    # Who wrote and when, as one translatable phrase (Arabic uses its own comma).
    assert "Het meldpunt," in page.select_one(".message--staff .message-meta").get_text()

    data = {"csrf_token": page.find("input", {"name": "csrf_token"})["value"], "text": "Het kenteken is AB-123-C."}
    assert client.post("/opvolgen/melding", data=data).status_code == 303
    answered = soup(client.get("/opvolgen/melding"))
    assert "vraag gesteld" not in answered.get_text()

    client.get("/taal/ar")
    arabic = soup(client.get("/opvolgen/melding"))
    assert "،" in arabic.select_one(".message--staff .message-meta").get_text()
