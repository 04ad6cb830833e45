"""Finding 1 of the outside test: a follow-up answer gets the same anonymity check as the form."""

from __future__ import annotations

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import Attachment, Message
from tests import filemakers
from tests.helpers import csrf_token, file_part, receipt_code_from, soup, submit

ANSWER = "Bel mij gerust op 06-98765432, groet Karel"


def _open(client, **fields) -> None:
    submit(client, **fields)
    code = receipt_code_from(client)
    token = csrf_token(client, "/opvolgen")
    assert client.post("/opvolgen", data={"csrf_token": token, "code": code}).status_code == 303


def _answer(client, text: str, files=None, **extra):
    data = {"csrf_token": csrf_token(client, "/opvolgen/melding"), "text": text, **extra}
    if files:
        data["files"] = files
    return client.post("/opvolgen/melding", data=data, content_type="multipart/form-data")


def _messages(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Message))


def test_an_anonymous_answer_with_a_phone_number_is_held_with_text_and_files_kept(app, client):
    _open(client)
    response = _answer(client, ANSWER, files=[file_part(filemakers.jpeg_with_gps(), "deur.jpg")])
    assert response.status_code == 200
    page = soup(response)
    warning = page.select_one(".notice--warning[role=alert]")
    assert warning is not None and "U koos anoniem, maar" in warning.get_text()
    assert "06-98765432" in warning.get_text()
    assert page.select_one("textarea#text").get_text().strip() == ANSWER
    kept = page.select("input[name=keep_files][checked]")
    assert len(kept) == 1 and "deur.jpg" in page.get_text()
    button = warning.select_one("button[name=confirm_anyway]")
    assert button["form"] == page.select_one("form#followup-form")["id"]
    assert _messages(app) == 0

    # "Versturen zoals het is": the same text and the kept file, knowingly.
    token = page.select_one("input[name=upload_token]")["value"]
    response = _answer(
        client, ANSWER, confirm_anyway="1", upload_token=token, keep_files=kept[0]["value"], files_shown="1"
    )
    assert response.status_code == 303
    with app.app_context():
        message = db.session.scalar(select(Message))
        assert message.body == ANSWER
        added = select(func.count()).select_from(Attachment).where(Attachment.source == "followup")
        assert db.session.scalar(added) == 1


def test_an_answer_without_contact_details_is_saved_at_once(app, client):
    _open(client)
    assert _answer(client, "Het gebeurt vooral op dinsdag na 22 uur.").status_code == 303
    assert _messages(app) == 1


def test_a_reporter_who_gave_contact_details_is_not_asked(app, client):
    _open(client, anonymity="contact", email="karel@example.org")
    assert _answer(client, ANSWER).status_code == 303
    assert _messages(app) == 1


def test_privacy_page_says_file_names_stay_with_the_meldpunt_and_can_be_changed(client):
    text = soup(client.get("/privacy")).get_text()
    assert "De naam van een bestand bewaren wij ook" in text
    assert "een partner niet" in text
    assert "Geef het bestand dan een andere naam" in text
