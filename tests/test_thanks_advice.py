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

    def classify_as(text, reporter_type, place_type, has_attachments):
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
