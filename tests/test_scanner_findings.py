"""Issue 20, findings 2 and 3: what the web scanners sent to the reporter forms.

A report made only of markup passed the length check and was stored empty; a
text field sent as a multipart file part made ``POST /melden`` answer 500.
"""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.intake import reports
from meldpunt.models import Message, Report
from tests.helpers import GOOD_TEXT, csrf_token, form_values, receipt_code_from, report_data, soup, submit

LANGUAGES = ["nl", "en", "pl", "ro", "tr", "ar"]
# Long enough before cleaning, nothing left after it (the text inside a <script> element is kept as text).
MARKUP_ONLY = '<script src="https://scanner.example/x.js"></script><img src=x onerror=alert(1)><!-- wapiti -->'
TOO_LITTLE_LEFT = "<b><i><u>Wietlucht</u></i></b>" + " " * 30
CLEANED_MESSAGE = (
    "Er blijft te weinig tekst over: code en opmaak (zoals HTML) halen wij weg. "
    "Beschrijf in gewone woorden wat u heeft gezien of gehoord, in minstens %(min)d tekens."
)
BAD_INPUT_MESSAGE = (
    "Een deel van het formulier kwam niet goed bij ons aan: een tekstvak werd als bestand "
    "verstuurd. Er is niets opgeslagen. Controleer het formulier en verstuur het opnieuw."
)


def _count(app, model=Report) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def _translated(app, message: str, language: str, **values) -> str:
    with app.test_request_context(), force_locale(language):
        return gettext(message, **values)


def _kept(response) -> dict[str, str]:
    """The values the form holds again; a browser drops the newline that opens a textarea."""
    values = form_values(response)
    values["text"] = values.get("text", "").removeprefix("\r\n").removeprefix("\n")
    return values


def _choose_language(client, language: str) -> None:
    if language != "nl":
        assert client.get(f"/taal/{language}").status_code == 303


# --- finding 2: a text that is (nearly) empty once cleaned --------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("typed", [MARKUP_ONLY, TOO_LITTLE_LEFT, "&lt;script&gt;" * 4, " " * 40])
def test_text_too_short_once_cleaned_is_refused_at_the_field(app, client, language, typed):
    _choose_language(client, language)
    response = submit(client, text=typed)
    assert response.status_code == 422
    page = soup(response)
    expected = _translated(app, CLEANED_MESSAGE, language, min=20)
    if language != "nl":
        assert expected != CLEANED_MESSAGE % {"min": 20}, f"not translated into {language}"
    error = page.select_one("#text-error")
    assert error is not None and expected in error.get_text(), error
    assert expected in page.select_one(".error-summary").get_text()
    # What the reporter typed is still in the box, markup and all.
    assert _kept(response)["text"] == typed
    assert _count(app) == 0


def test_text_with_enough_left_after_cleaning_is_stored_clean(app, client):
    response = submit(client, text="<p>" + GOOD_TEXT + "</p>")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Report.text)) == GOOD_TEXT


def test_the_service_refuses_a_text_that_is_empty_once_cleaned(app):
    with app.app_context():
        with pytest.raises(ValueError):
            reports.submit_report(reports.NewReport(text=MARKUP_ONLY))
        db.session.rollback()
    assert _count(app) == 0


def _open_followup(client, app) -> None:
    submit(client)
    code = receipt_code_from(client)
    token = csrf_token(client, "/opvolgen")
    assert client.post("/opvolgen", data={"csrf_token": token, "code": code}).status_code == 303


def test_a_followup_answer_of_only_markup_is_not_stored_empty(app, client):
    _open_followup(client, app)
    token = csrf_token(client, "/opvolgen/melding")
    response = client.post(
        "/opvolgen/melding", data={"csrf_token": token, "text": MARKUP_ONLY}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    page = soup(response)
    assert "Schrijf iets of voeg een bestand toe." in page.select_one("#text-error").get_text()
    assert page.find("textarea", {"name": "text"}).text.lstrip("\r\n") == MARKUP_ONLY
    assert _count(app, Message) == 0


# --- finding 3: a field sent as a multipart file part ------------------------------------------


def _form_field_names(app, form_name: str) -> list[str]:
    """Every field of the form except its file field: what a scanner would try."""
    from meldpunt.intake import forms

    with app.test_request_context():
        form = getattr(forms, form_name)(formdata=None)
        return [field.name for field in form if field.type not in {"FileField", "MultipleFileField"}]


REPORT_FIELDS = [
    "csrf_token", "text", "location", "postcode", "place_type", "occurred", "ongoing", "danger_now", "reporter_type",
    "heard_via", "campaign", "anonymity", "name", "email", "phone", "share_identity", "email_notice",
    "confirm_anyway", "website", "upload_token", "keep_files",
]


def test_the_parametrised_list_holds_every_field_of_the_form(app):
    assert sorted(_form_field_names(app, "ReportForm")) == sorted(REPORT_FIELDS)


def _as_file_part(data: dict, name: str) -> dict:
    data = dict(data)
    data.pop(name, None)
    data[name] = (io.BytesIO(b"<script>alert(1)</script>" * 4), "veld.txt")
    return data


@pytest.mark.parametrize("name", REPORT_FIELDS)
def test_any_report_field_sent_as_a_file_is_bad_input(app, client, name):
    data = _as_file_part(report_data(client), name)
    response = client.post("/melden", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = soup(response)
    assert BAD_INPUT_MESSAGE in page.select_one(".error-summary").get_text()
    # What did arrive is shown again.
    kept = _kept(response)
    assert kept["location"] == ("" if name == "location" else "Polderweg 14")
    if name != "text":
        assert kept["text"] == report_data(client)["text"]
    assert _count(app) == 0


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_bad_input_page_is_in_the_reporters_language(app, client, language):
    _choose_language(client, language)
    data = _as_file_part(report_data(client), "text")
    response = client.post("/melden", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = soup(response)
    assert page.html["lang"] == language
    expected = _translated(app, BAD_INPUT_MESSAGE, language)
    assert expected != BAD_INPUT_MESSAGE
    assert expected in page.select_one("#text-error").get_text()


@pytest.mark.parametrize("body", [{"text": 12345, "location": ["a", "b"]}, [1, 2, 3], "tekst"])
@pytest.mark.parametrize("path", ["/melden", "/opvolgen"])
def test_a_json_body_is_not_a_form(app, client, path, body):
    response = client.post(path, json=body)
    assert response.status_code == 400
    assert BAD_INPUT_MESSAGE in soup(response).select_one(".error-summary").get_text()
    assert _count(app) == 0


@pytest.mark.parametrize("name", ["csrf_token", "code", "carried_text", "upload_token"])
def test_any_receipt_field_sent_as_a_file_is_bad_input(app, client, name):
    assert sorted(_form_field_names(app, "ReceiptForm")) == sorted(
        ["csrf_token", "code", "carried_text", "upload_token"]
    )
    submit(client)
    code = receipt_code_from(client)
    data = {"csrf_token": csrf_token(client, "/opvolgen"), "code": code}
    response = client.post("/opvolgen", data=_as_file_part(data, name), content_type="multipart/form-data")
    assert response.status_code == 400
    assert BAD_INPUT_MESSAGE in soup(response).select_one(".error-summary").get_text()
    assert client.get("/opvolgen/melding").status_code == 303  # not opened


@pytest.mark.parametrize("name", ["csrf_token", "text", "upload_token", "keep_files", "confirm_anyway"])
def test_any_followup_field_sent_as_a_file_is_bad_input(app, client, name):
    assert sorted(_form_field_names(app, "AddInformationForm")) == sorted(
        ["csrf_token", "text", "upload_token", "keep_files", "confirm_anyway"]
    )
    _open_followup(client, app)
    data = {"csrf_token": csrf_token(client, "/opvolgen/melding"), "text": "Meestal op dinsdag na 22 uur."}
    response = client.post("/opvolgen/melding", data=_as_file_part(data, name), content_type="multipart/form-data")
    assert response.status_code == 400
    assert BAD_INPUT_MESSAGE in soup(response).select_one(".error-summary").get_text()
    assert _count(app, Message) == 0


def test_a_followup_answer_with_a_file_part_after_the_session_expired(app, client):
    data = {"csrf_token": csrf_token(client, "/opvolgen"), "text": "x"}
    response = client.post("/opvolgen/melding", data=_as_file_part(data, "text"), content_type="multipart/form-data")
    assert response.status_code == 400
    assert BAD_INPUT_MESSAGE in soup(response).select_one(".error-summary").get_text()


@pytest.mark.parametrize(
    "words",
    ["Hij riep <ik maak je af> en liep weg", "kenteken <AB-12-CD> stond er weer", "Mail van <info@bedrijf.nl>"],
)
def test_words_in_angle_brackets_are_the_reporters_text_and_kept(words):
    """Only HTML elements are markup; a threat, a plate or an address in brackets is evidence."""
    from meldpunt.plaintext import clean_text

    assert clean_text(words) == words


def test_invisible_characters_do_not_make_a_report(client):
    response = submit(client, text="\u200b" * 30 + "\u200e" * 5)
    assert response.status_code == 422
