"""The report form: validation keeps input, anonymity warning, honeypot, storing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import Report
from tests.helpers import GOOD_TEXT, form_values, receipt_code_from, soup, submit


def count_reports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Report))


def test_form_page_is_calm_and_points_to_112(client):
    response = client.get("/melden")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "112" in html
    assert "niet voor noodgevallen" in html
    assert response.headers["Cache-Control"] == "no-store"
    page = soup(response)
    # Every visible input has a label.
    for element in page.select("form#report-form input, form#report-form textarea, form#report-form select"):
        if element.get("type") in ("hidden",) or element.get("name") in ("website",):
            continue
        assert page.find("label", {"for": element["id"]}), element


@pytest.mark.parametrize(
    ("fields", "field", "message_part"),
    [
        ({"text": ""}, "text", "Vertel in een paar zinnen"),
        ({"text": "te kort"}, "text", "tussen 20 en 10000 tekens"),
        ({"text": "x" * 10_001}, "text", "tussen 20 en 10000 tekens"),
        ({"postcode": "12AB"}, "postcode", "4 cijfers en 2 letters"),
        ({"anonymity": "contact", "email": "", "phone": ""}, "anonymity", "Vul een e-mailadres of telefoonnummer in"),
        ({"anonymity": "contact", "email": "niet-een-adres"}, "email", "e-mailadres klopt niet"),
        ({"anonymity": "contact", "phone": "bel me maar"}, "phone", "telefoonnummer klopt niet"),
        ({"location": "x" * 301}, "location", "hooguit 300 tekens"),
    ],
)
def test_each_validation_error_is_explained_and_input_kept(app, client, fields, field, message_part):
    typed = {"location": "Kerkstraat 5", "occurred": "gisteravond laat"}
    typed.update(fields)
    response = submit(client, **typed)
    assert response.status_code == 422
    page = soup(response)
    summary = page.select_one(".error-summary")
    assert summary is not None
    links = [a["href"] for a in summary.select("a")]
    # A radio group's link points at its chosen (or first) option, which can take focus.
    assert any(link == f"#{field}" or link.startswith(f"#{field}-") for link in links), links
    assert message_part in summary.get_text()
    # The error is repeated at the field and the field is marked invalid.
    assert page.select_one(f"#{field}-error") is not None
    kept = form_values(response)
    if "text" not in fields:
        assert kept["text"].strip() == GOOD_TEXT
    if "location" not in fields:
        assert kept["location"] == "Kerkstraat 5"
    assert kept["occurred"] == "gisteravond laat"
    assert kept["place_type"] == "bedrijfspand"
    assert count_reports(app) == 0


def test_expired_csrf_token_keeps_the_text(app, client):
    response = submit(client, csrf_token="verlopen")
    assert response.status_code == 422
    assert "druk nogmaals op de knop" in response.get_data(as_text=True)
    assert form_values(response)["text"].strip() == GOOD_TEXT
    assert count_reports(app) == 0


def test_valid_report_is_stored_with_triage_suggestion(app, client):
    response = submit(client, campaign="Poster-2026")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/melden/bedankt")
    with app.app_context():
        report = db.session.scalar(select(Report))
        assert report.text == GOOD_TEXT
        assert report.postcode == "3311AB" and report.postcode_area == "3311"
        assert report.location_key == "polderweg 14"
        assert report.campaign_code == "poster-2026"
        assert report.anonymous is True and report.contact_encrypted is None
        assert report.status == "nieuw"
        assert report.suggestion is not None
        assert report.suggestion.theme == report.theme == "hennep"
        assert report.suggestion.explanation
        assert [e.status for e in report.status_events] == ["nieuw"]


def test_campaign_code_from_url_is_carried_in_the_form(client):
    page = soup(client.get("/melden?c=buurtapp"))
    assert page.find("input", {"name": "campaign"})["value"] == "buurtapp"
    page = soup(client.get("/melden?c=<script>"))
    assert page.find("input", {"name": "campaign"}).get("value", "") == ""


def test_markup_is_stored_as_plain_text(app, client):
    hostile = GOOD_TEXT + ' <script>alert("x")</script><img src=x onerror=alert(1)>'
    submit(client, text=hostile)
    with app.app_context():
        stored = db.session.scalar(select(Report.text))
    assert "<script" not in stored and "<img" not in stored and "onerror" not in stored
    assert stored.startswith(GOOD_TEXT)


def test_anonymous_report_with_own_contact_details_asks_for_confirmation(app, client):
    text = GOOD_TEXT + " Bel me gerust op 06-12345678 of mail naar piet@voorbeeld.nl"
    response = submit(client, text=text)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "U koos anoniem, maar" in html
    assert "06-12345678" in html and "piet@voorbeeld.nl" in html
    assert count_reports(app) == 0
    kept = form_values(response)
    assert kept["text"].strip() == text
    # Sending it as it is stores the report.
    kept["confirm_anyway"] = "1"
    response = client.post("/melden", data=kept, content_type="multipart/form-data")
    assert response.status_code == 303
    assert count_reports(app) == 1


def test_named_report_encrypts_contact_details(app, client):
    response = submit(
        client,
        anonymity="contact",
        name="Ria de Vries",
        email="ria.devries@example.org",
        phone="06 1234 5678",
        share_identity="ja",
        email_notice="ja",
    )
    assert response.status_code == 303
    from meldpunt import crypto

    with app.app_context():
        report = db.session.scalar(select(Report))
        assert report.anonymous is False and report.share_identity is True
        assert report.wants_email_notice is True
        assert b"ria.devries" not in report.contact_encrypted
        assert crypto.decrypt_json(report.contact_encrypted)["email"] == "ria.devries@example.org"
    raw = (app.config["DATA_DIR"] + "/meldpunt.sqlite3")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert b"ria.devries" not in open(raw, "rb").read()


def test_honeypot_turns_bots_away_without_storing(app, client):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 400
    assert count_reports(app) == 0


def test_thank_you_page_shows_code_once_with_guidance(app, client):
    submit(client)
    page = soup(client.get("/melden/bedankt"))
    code = page.select_one(".receipt-code strong").text
    assert len(code) == 19 and code.count("-") == 3
    assert "Wat gebeurt er nu?" in page.get_text()
    assert page.select_one("#perspectief-title") is not None
    # A reload shows it again (tests/test_thanks_reload.py) until "Ik heb de code bewaard".
    client.post("/melden/bedankt")
    second = client.get("/melden/bedankt")
    assert code not in second.get_data(as_text=True)
    assert "maar één keer" in second.get_data(as_text=True)


def test_thank_you_page_confirms_the_files_received(app, client):
    # Outside test: after five photos the thank-you page said nothing about them.
    from tests.filemakers import jpeg_with_gps, png_bytes

    response = submit(client, files=[(jpeg_with_gps(), "foto1.jpg"), (png_bytes(), "foto2.png")])
    assert response.status_code == 303, response.status_code
    page = soup(client.get("/melden/bedankt"))
    assert page.select_one(".files-received").get_text(strip=True) == "Bestanden ontvangen: 2"


def test_thank_you_page_without_files_does_not_mention_them(app, client):
    submit(client)
    assert soup(client.get("/melden/bedankt")).select_one(".files-received") is None


def test_acute_report_tells_reporter_to_call_112(client):
    text = (
        "Op dit moment staat er een man met een pistool voor de deur van nummer 8 en hij "
        "dreigt te schieten, er zijn kinderen binnen."
    )
    submit(client, text=text, place_type="woning")
    page = soup(client.get("/melden/bedankt"))
    alert = page.select_one(".notice--danger")
    assert alert is not None and "112" in alert.get_text()


def test_receipt_code_is_only_stored_hashed(app, client):
    submit(client)
    code = receipt_code_from(client)
    from meldpunt.intake import receipts

    with app.app_context():
        report = db.session.scalar(select(Report))
        assert report.receipt_hash == receipts.hash_code(code)
        assert code.replace("-", "") not in report.receipt_hash.upper()


# --- A failing triage never costs the report ----------------------------------------------


def _assert_stored_with_fallback(app, client, caplog):
    from meldpunt.intake import reports

    with app.app_context():
        report = db.session.scalar(select(Report))
        assert report is not None and report.text == GOOD_TEXT
        assert (report.theme, report.urgency, report.route) == (
            reports.FALLBACK_THEME,
            reports.FALLBACK_URGENCY,
            reports.FALLBACK_ROUTE,
        )
        assert report.review is True
        assert report.suggestion.review is True and report.suggestion.confidence == 0.0
        assert "automatische triage is mislukt" in report.suggestion.explanation[0]
        assert [e.status for e in report.status_events] == ["nieuw"]
    # The reporter gets the code and general advice, not advice for the placeholder theme.
    page = soup(client.get("/melden/bedankt"))
    assert page.select_one(".receipt-code strong") is not None
    text = page.get_text()
    assert "bekijkt wat er nodig is" in text
    assert "niet over ondermijning" not in text
    assert GOOD_TEXT[:30] not in caplog.text


def test_triage_exception_still_stores_the_report(app, client, monkeypatch, caplog):
    from meldpunt.intake import reports

    def broken(*args, **kwargs):
        raise RuntimeError("model file damaged")

    monkeypatch.setattr(reports, "classify", broken)
    response = submit(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/melden/bedankt")
    _assert_stored_with_fallback(app, client, caplog)


def test_broken_routing_file_still_stores_the_report(app_factory, tmp_path, caplog):
    routing = tmp_path / "routing.json"
    routing.write_text('{"themes": {"hennep": "nergens"}}', encoding="utf-8")
    app = app_factory(ROUTING_FILE=str(routing))
    client = app.test_client()
    assert submit(client).status_code == 303
    _assert_stored_with_fallback(app, client, caplog)


# --- The receipt code never sits readable in the cookie -----------------------------------


def test_receipt_code_is_not_readable_in_the_session_cookie(app, client):
    response = submit(client)
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith(app.config["SESSION_COOKIE_NAME"] + "="))
    value = session_cookie.split(";", 1)[0].split("=", 1)[1]
    # What anyone holding the cookie can read: the signed (not encrypted) payload.
    payload = app.session_interface.get_signing_serializer(app).loads(value)
    code = receipt_code_from(client)
    for form in (code, code.replace("-", ""), code.lower()):
        assert form not in session_cookie
        assert form not in repr(payload)


def test_tampered_receipt_in_session_shows_the_gone_page(app, client):
    with client.session_transaction() as session:
        session["receipt"] = {"code": "AAAA-BBBB-CCCC-DDDD", "theme": "hennep"}
    page = client.get("/melden/bedankt").get_data(as_text=True)
    assert "AAAA-BBBB-CCCC-DDDD" not in page
    assert "maar één keer" in page


# --- Every field: one plain Dutch message, the rest of the input kept ---------------------

CONTACT = {"anonymity": "contact", "email": "ria@example.org", "name": "Ria", "phone": "06 1234 5678"}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"postcode": "12AB"}, "postcode", "Een postcode bestaat uit 4 cijfers en 2 letters, zoals 1234 AB."),
        ({"postcode": "1234 AB 5678"}, "postcode", "Een postcode bestaat uit 4 cijfers en 2 letters, zoals 1234 AB."),
        ({"location": "x" * 301}, "location", "Gebruik hier hooguit 300 tekens."),
        ({"occurred": "x" * 201}, "occurred", "Gebruik hier hooguit 200 tekens."),
        ({**CONTACT, "name": "x" * 121}, "name", "Gebruik hier hooguit 120 tekens."),
        ({**CONTACT, "phone": "0" * 21}, "phone", "Dit telefoonnummer is te lang. Gebruik hooguit 20 tekens."),
        ({**CONTACT, "phone": "bel me maar"}, "phone", "Dit telefoonnummer klopt niet."),
        ({**CONTACT, "email": "a" * 250 + "@b.nl"}, "email", "Dit e-mailadres is te lang. Gebruik hooguit 254 tekens."),
        ({**CONTACT, "email": "niet-een-adres"}, "email", "Dit e-mailadres klopt niet."),
        ({"anonymity": "contact"}, "anonymity", "Vul een e-mailadres of telefoonnummer in"),
        ({"place_type": "kelder"}, "place_type", "Kies een van de mogelijkheden."),
        ({"ongoing": "misschien"}, "ongoing", "Kies een van de mogelijkheden."),
        ({"reporter_type": "agent"}, "reporter_type", "Kies een van de mogelijkheden."),
        ({"anonymity": "half"}, "anonymity", "Kies een van de mogelijkheden."),
        ({**CONTACT, "share_identity": "soms"}, "share_identity", "Kies een van de mogelijkheden."),
        ({**CONTACT, "email_notice": "vaak"}, "email_notice", "Kies een van de mogelijkheden."),
        ({"heard_via": "tv"}, "heard_via", "Kies een van de mogelijkheden."),
        ({"text": "te kort"}, "text", "tussen 20 en 10000 tekens"),
    ],
)
def test_every_field_gets_one_plain_message_and_keeps_the_rest(app, client, fields, field, message):
    typed = {"location": "Kerkstraat 5", "occurred": "gisteravond laat", "postcode": "3311 AB"}
    typed.update(fields)
    response = submit(client, **typed)
    assert response.status_code == 422
    page = soup(response)
    summary = page.select_one(".error-summary")
    entries = [a for a in summary.select("a") if a["href"] == f"#{field}" or a["href"].startswith(f"#{field}-")]
    assert len(entries) == 1, [a.get_text() for a in summary.select("a")]
    assert message in entries[0].get_text()
    at_field = page.select_one(f"#{field}-error").get_text()
    assert at_field.count(message) == 1
    html = response.get_data(as_text=True)
    for wtforms_own in ("Veld mag", "karakters", "Not a valid", "Geen geldige", "Invalid", "Ongeldig"):
        assert wtforms_own not in html
    kept = form_values(response)
    if field != "text":
        assert kept["text"].strip() == GOOD_TEXT
    for name, value in typed.items():
        if name != field and name in ("location", "occurred", "postcode", "name", "email", "phone"):
            assert kept[name] == value, name
    if field != "place_type":
        assert kept["place_type"] == "bedrijfspand"
    assert count_reports(app) == 0


# --- Phone numbers written the way people write them --------------------------------------


@pytest.mark.parametrize("number", ["+90 532 123 45 67", "06 - 12 34 56 78"])
def test_anonymous_text_with_a_spaced_phone_number_asks_for_confirmation(app, client, number):
    response = submit(client, text=f"{GOOD_TEXT} Bel me op {number} als u vragen heeft.")
    assert response.status_code == 200
    warning = soup(response).select_one(".notice--warning")
    assert warning is not None and number in warning.get_text()
    assert count_reports(app) == 0


def test_dates_amounts_and_postcodes_do_not_trigger_the_warning(app, client):
    text = GOOD_TEXT + " Sinds 01-02-2024 tussen 22.00 en 06.00 uur, € 1.250.000 contant, postcode 3311 AB nr 14."
    response = submit(client, text=text)
    assert response.status_code == 303
    assert count_reports(app) == 1
