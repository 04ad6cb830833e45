"""The reporter's answer to "Is er nu iemand in gevaar?": form -> service -> stored -> triage.

The triage is the real one (no stub): a spy around ``triage.classify`` only records
what the intake passes and returns the real result.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

import triage
from meldpunt.extensions import db
from meldpunt.models import Report
from tests.helpers import form_values, soup, submit

# No danger words at all: only the reporter's answer can make this report acute.
CALM_TEXT = (
    "Bij de kapperszaak op de hoek komen nooit klanten, maar de eigenaar rijdt in een nieuwe "
    "dure auto en betaalt alles contant."
)


@pytest.fixture
def classify_calls(monkeypatch):
    """Record every report the intake hands to the real triage."""
    calls: list[dict] = []
    real = triage.classify

    def spy(report, routing=None, **kwargs):
        calls.append(dict(report))
        return real(report, routing, **kwargs)

    monkeypatch.setattr(triage, "classify", spy)
    return calls


def stored(app) -> Report:
    with app.app_context():
        report = db.session.scalar(select(Report).order_by(Report.id.desc()))
        assert report is not None
        assert report.suggestion is not None  # loaded before the session closes
        db.session.expunge(report)
        return report


def test_the_question_and_its_112_message_are_on_the_form(client):
    page = soup(client.get("/melden"))
    question = page.select_one("fieldset#danger_now")
    assert question is not None
    assert question.legend.get_text(strip=True) == "Is er nu iemand in gevaar?"
    options = {i["value"]: i for i in question.select("input[type=radio]")}
    assert set(options) == {"ja", "nee", "weet_niet"}
    assert not any(i.has_attr("checked") for i in options.values()), "no answer is chosen for the reporter"
    for value, label in (("ja", "Ja"), ("nee", "Nee"), ("weet_niet", "Weet ik niet")):
        assert page.find("label", {"for": options[value]["id"]}).get_text(strip=True) == label
    # The message is in the page right after the question, and is what a screen reader
    # hears as the description of "ja".
    message = page.select_one("#danger-112")
    assert message is not None and "Bel nu 112" in message.get_text()
    assert question.find_next_sibling(id="danger-112") is message
    assert options["ja"]["aria-describedby"] == "danger-112"


@pytest.mark.parametrize("language", ["en", "pl", "ro", "tr", "ar"])
def test_the_question_is_translated(client, language):
    client.get(f"/taal/{language}")
    page = soup(client.get("/melden"))
    legend = page.select_one("fieldset#danger_now legend").get_text(strip=True)
    assert legend and legend != "Is er nu iemand in gevaar?"
    assert "112" in page.select_one("#danger-112").get_text()


def test_yes_reaches_the_triage_is_stored_and_makes_the_report_acute(app, client, classify_calls):
    response = submit(client, text=CALM_TEXT, place_type="bedrijfspand", danger_now="ja")
    assert response.status_code == 303
    assert classify_calls and classify_calls[-1]["danger_now"] is True
    report = stored(app)
    assert report.danger_now is True
    assert report.urgency == "acuut" and report.suggestion.urgency == "acuut"
    assert report.route == "politie"
    # The thank-you page repeats the 112 message.
    page = soup(client.get("/melden/bedankt"))
    alert = page.select_one(".notice--danger[role=alert]")
    assert alert is not None
    assert "U gaf aan dat er nu iemand in gevaar is" in alert.get_text()
    assert "112" in alert.get_text()


def test_the_same_text_without_yes_is_not_acute(app, client, classify_calls):
    assert submit(client, text=CALM_TEXT, place_type="bedrijfspand", danger_now="nee").status_code == 303
    assert classify_calls[-1]["danger_now"] is False
    report = stored(app)
    assert report.danger_now is False
    assert report.urgency != "acuut"
    page = soup(client.get("/melden/bedankt"))
    assert page.select_one(".notice--danger[role=alert]") is None


@pytest.mark.parametrize("answer", ["weet_niet", None])
def test_dont_know_or_no_answer_is_absent_for_the_triage(app, client, classify_calls, answer):
    fields = {"text": CALM_TEXT} if answer is None else {"text": CALM_TEXT, "danger_now": answer}
    assert submit(client, **fields).status_code == 303
    assert "danger_now" not in classify_calls[-1]
    assert stored(app).danger_now is None


def test_no_does_not_lower_an_urgency_the_text_supports(app, client):
    text = "Mijn buurman heeft net een pistool getrokken en dreigt de buurvrouw vanavond dood te schieten."
    assert submit(client, text=text, danger_now="nee").status_code == 303
    report = stored(app)
    assert report.danger_now is False and report.urgency == "acuut"


def test_an_answer_that_is_not_on_the_form_is_refused_and_nothing_stored(app, client):
    response = submit(client, danger_now="misschien")
    assert response.status_code == 422
    assert "Kies een van de mogelijkheden" in soup(response).select_one("fieldset#danger_now").parent.get_text()
    with app.app_context():
        assert db.session.scalar(select(Report)) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "te kort"},  # a validation error
        {"postcode": "12AB"},
        {"text": "Bel mij op 06-12345678, er gebeurt iets naast mijn huis."},  # anonymity warning
        {"website": "bot"},  # honeypot
    ],
)
def test_every_form_error_path_keeps_the_answer(app, client, fields):
    response = submit(client, danger_now="ja", **fields)
    assert response.status_code in (200, 400, 422)
    page = soup(response)
    chosen = page.select_one("fieldset#danger_now input[checked]")
    assert chosen is not None and chosen["value"] == "ja"
    assert page.select_one("#danger-112") is not None
    assert form_values(response)["danger_now"] == "ja"


def test_the_anonymity_warning_then_send_keeps_the_answer(app, client):
    response = submit(client, text="Bel mij op 06-12345678, er ligt een wapen in de schuur naast mijn huis.",
                      danger_now="ja")
    assert response.status_code == 200 and soup(response).select_one(".notice--warning")
    values = form_values(response)
    values["confirm_anyway"] = "1"
    assert client.post("/melden", data=values, content_type="multipart/form-data").status_code == 303
    assert stored(app).danger_now is True


def test_a_failed_triage_with_yes_is_still_acute(app, client, monkeypatch):
    from meldpunt.intake import reports

    def broken(*args, **kwargs):
        raise RuntimeError("model file damaged")

    monkeypatch.setattr(reports, "classify", broken)
    assert submit(client, danger_now="ja").status_code == 303
    report = stored(app)
    assert report.danger_now is True and report.urgency == "acuut"
    assert report.route == reports.FALLBACK_ROUTE
    assert "U gaf aan dat er nu iemand in gevaar is" in soup(client.get("/melden/bedankt")).get_text()


def test_staff_see_the_answer(app):
    from tests.backoffice.conftest import new_report, sign_in

    yes_id, _ = new_report(app, text=CALM_TEXT, danger_now=True)
    no_id, _ = new_report(app, text=CALM_TEXT, danger_now=False)
    unknown_id, _ = new_report(app, text=CALM_TEXT)
    staff, _account = sign_in(app, "triage")
    answers = {}
    for report_id in (yes_id, no_id, unknown_id):
        page = soup(staff.get(f"/beheer/melding/{report_id}"))
        answers[report_id] = page.select_one("dd.danger-answer").get_text(strip=True)
        if report_id == yes_id:
            assert "De melder gaf zelf aan dat er nu iemand in gevaar is" in page.select_one(".acute-banner").get_text()
    assert answers == {yes_id: "Ja", no_id: "Nee", unknown_id: "Weet ik niet, of niet beantwoord"}


HEMP_TEXT = "Bij de buren op zolder staat een wietplantage, ik ruik het elke dag en de ramen zijn afgeplakt."


@pytest.mark.parametrize(("answer", "urgency"), [("ja", "hoog"), ("nee", "normaal"), ("onbekend", "normaal")])
def test_the_still_going_on_answer_reaches_the_triage_and_counts(app, client, classify_calls, answer, urgency):
    """"Gebeurt het nu nog? Ja" makes active production at least hoog (issue 15 item 9)."""
    assert submit(client, text=HEMP_TEXT, ongoing=answer).status_code == 303
    assert classify_calls[-1]["ongoing"] == answer
    report = stored(app)
    assert report.theme == "hennep" and report.urgency == urgency
