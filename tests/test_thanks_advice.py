"""The thank-you page gives the advice (handelingsperspectief) of the report's own theme."""

from __future__ import annotations

import pytest

import triage
from tests.helpers import soup, submit

# One phrase per theme that only that theme's advice contains (always shown, whatever
# the reporter type or urgency).
DISTINCTIVE = {
    "hennep": "Bij een hennepkwekerij is de stroom vaak illegaal aangesloten",
    "drugslab": "Stoffen uit een drugslab en drugsafval zijn giftig",
    "drugshandel": "Ga niet kijken bij een adres waar u handel vermoedt",
    "mensenhandel": "Mensen die worden uitgebuit, staan vaak onder grote druk",
    "arbeidsuitbuiting": "Spreek de werkgever, het uitzendbureau of de huisbaas niet aan",
    "criminele_uitbuiting": "Spreek de mensen die jongeren inzetten nooit zelf aan",
    "witwassen": "Ga niet zelf onderzoeken of een zaak echt klanten heeft",
    "vastgoed": "Vermoedt u dat er in uw pand iets illegaals gebeurt?",
    "omg": "Houd afstand van clubleden en clubhuizen",
    "gokken": "Speel niet zelf mee om te kijken of er illegaal wordt gegokt",
    "heling": "Ziet u uw gestolen fiets, telefoon of ander bezit terug",
    "afpersing": "Wie één keer betaalt, krijgt vaak opnieuw een eis",
    "fraude": "Ga niet aanbellen of mensen aanspreken om te controleren wie er op een adres woont",
    "wapens_explosieven": "Raak nooit een wapen, een verdacht pakket of zwaar vuurwerk aan",
    "milieu": "Raak gedumpt afval niet aan",
    "integriteit": "Spreek de persoon over wie u meldt niet aan",
    "geen_ondermijning": "Uw melding gaat waarschijnlijk niet over ondermijning",
}


def test_every_theme_of_the_taxonomy_has_a_phrase_here():
    assert set(DISTINCTIVE) == set(triage.THEMES)


@pytest.mark.parametrize("theme", triage.THEMES)
def test_thank_you_page_shows_the_advice_of_the_theme(app, client, monkeypatch, theme):
    from meldpunt.intake import reports

    def classify_as(text, reporter_type, place_type, has_attachments, danger_now=None, ongoing=None, settings=None):
        return triage.TriageResult(
            theme=theme,
            secondary_themes=(),
            urgency="normaal",
            route=triage.load_routing().themes[theme],
            confidence=0.9,
            review=False,
            explanation=[f"test -> {theme}"],
            language="nl",
            model_version="test",
        )

    monkeypatch.setattr(reports, "classify", classify_as)
    assert submit(client, reporter_type="bewoner").status_code == 303
    page = soup(client.get("/melden/bedankt"))
    advice = page.select_one("section[aria-labelledby=perspectief-title]")
    assert advice is not None
    text = " ".join(advice.get_text().split())
    assert DISTINCTIVE[theme] in text
    for other, phrase in DISTINCTIVE.items():
        if other != theme:
            assert phrase not in text, other


# --- Advice only when sure (issue 12, item 5) ----------------------------------------------

GENERAL = "Een medewerker van het meldpunt leest uw melding en bekijkt wat er nodig is."


def _advice_text(client) -> str:
    page = soup(client.get("/melden/bedankt"))
    advice = page.select_one("section[aria-labelledby=perspectief-title]")
    assert advice is not None
    advice.h2.extract()  # the section's heading; what follows is the advice itself
    return " ".join(advice.get_text().split())


@pytest.mark.parametrize("theme", ["geen_ondermijning", "afpersing", "hennep"])
@pytest.mark.parametrize("confidence", [0.30, 0.95])
def test_a_suggestion_that_needs_review_gets_the_general_advice(app, client, monkeypatch, theme, confidence):
    """Low confidence, an unsupported language or a conflict all set ``review``: no theme advice."""
    from meldpunt.intake import reports

    def unsure(text, reporter_type, place_type, has_attachments, danger_now=None, ongoing=None, settings=None):
        return triage.TriageResult(
            theme=theme, secondary_themes=(), urgency="normaal",
            route=triage.load_routing().themes[theme], confidence=confidence, review=True,
            explanation=["test: review"], language="nl", model_version="test",
        )

    monkeypatch.setattr(reports, "classify", unsure)
    assert submit(client).status_code == 303
    text = _advice_text(client)
    assert text.startswith(GENERAL)
    for phrase in DISTINCTIVE.values():
        assert phrase not in text
    assert "niet over ondermijning" not in text


def test_a_confident_geen_ondermijning_may_say_so(app, client, monkeypatch):
    from meldpunt.intake import reports

    def sure(text, reporter_type, place_type, has_attachments, danger_now=None, ongoing=None, settings=None):
        return triage.TriageResult(
            theme="geen_ondermijning", secondary_themes=(), urgency="laag", route="doorverwijzen",
            confidence=0.93, review=False, explanation=["test"], language="nl", model_version="test",
        )

    monkeypatch.setattr(reports, "classify", sure)
    assert submit(client).status_code == 303
    assert DISTINCTIVE["geen_ondermijning"] in _advice_text(client)


@pytest.mark.parametrize(
    "text",
    [
        # Vietnamese (not a reporter language): must not be classified by accident.
        "Hàng xóm của tôi rất ồn ào vào ban đêm, có nhiều người lạ đến nhà mỗi ngày và tôi rất lo lắng.",
        # Arabic: dealing near a school (the example of a wrong "probably not ondermijning").
        "يبيع شاب المخدرات كل يوم قرب مدرسة ابتدائية في حيّنا، والأطفال يرونه بعد الدوام.",
    ],
)
def test_the_real_triage_never_tells_an_unsure_reporter_it_does_not_matter(app, client, text):
    """No stub: whatever the real triage makes of these, an unsure guess gives general advice."""
    from meldpunt.models import Report

    assert submit(client, text=text).status_code == 303
    with app.app_context():
        from sqlalchemy import select

        from meldpunt.extensions import db

        report = db.session.scalar(select(Report))
        review, theme = report.suggestion.review, report.suggestion.theme
    advice = _advice_text(client)
    assert "niet over ondermijning" not in advice
    if review:
        assert advice.startswith(GENERAL)
    else:
        assert DISTINCTIVE[theme] in advice
