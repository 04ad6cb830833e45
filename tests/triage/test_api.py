"""The public API the web app calls: classify, classify_many, TriageResult."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest

import triage
from triage import ReportError, TriageResult, classify, classify_many
from triage.taxonomy import ROUTES, THEMES, URGENCIES

CONTRACT_KEYS = {"theme", "secondary_themes", "urgency", "route", "confidence", "review",
                 "explanation"}


def test_result_shape_and_contract_keys():
    result = classify({"text": "Bij de buren zijn alle ramen afgeplakt en ruik ik elke avond "
                               "een sterke wietlucht.", "reporter_type": "bewoner",
                       "place_type": "woning", "has_attachments": False})
    assert isinstance(result, TriageResult)
    assert result.theme in THEMES and result.urgency in URGENCIES and result.route in ROUTES
    assert all(t in THEMES for t in result.secondary_themes)
    assert 0.0 <= result.confidence <= 1.0
    assert isinstance(result.review, bool)
    assert result.language == "nl"
    assert result.model_version == triage.model_version() != ""
    assert set(result.to_dict()) == CONTRACT_KEYS
    assert result.to_dict()["secondary_themes"] == list(result.secondary_themes)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.theme = "milieu"  # type: ignore[misc]


def test_explanation_names_the_indicators_in_dutch():
    result = classify({"text": "Bij de buren zijn alle ramen afgeplakt en ruik ik elke avond "
                               "een sterke wietlucht."})
    assert result.theme == "hennep"
    assert "'ramen afgeplakt' -> hennep" in result.explanation
    assert "'wietlucht' -> hennep" in result.explanation
    assert "route politie: standaardroute voor hennep" in result.explanation


def test_negation_is_explained():
    result = classify({"text": "Ik ruik geen wietlucht meer sinds de buren weg zijn, maar de "
                               "ramen zijn nog altijd afgeplakt."})
    assert "'geen' voor 'wietlucht' genegeerd (ontkenning)" in result.explanation


def test_acute_report_goes_to_the_police_with_a_reason():
    result = classify({"text": "Er staat op dit moment een man met een pistool voor de "
                               "snackbar op het plein, hij schreeuwt tegen de eigenaar."})
    assert result.urgency == "acuut"
    assert result.route == "politie"
    assert any(line.startswith("acuut: ") for line in result.explanation)


def test_supported_non_dutch_report_is_classified_like_dutch():
    result = classify({"text": "Pracujemy po czternaście godzin dziennie, szef zabrał nam "
                               "paszporty i od dwóch miesięcy nie dostajemy wypłaty."})
    assert result.language == "pl"
    assert result.theme == "arbeidsuitbuiting"
    assert result.review is False  # language parity: confident and supported -> no review
    assert "taal: pl" in result.explanation


@pytest.mark.parametrize("text, theme", [
    ("De kapperszaak op de hoek heeft nooit een klant in de stoel, toch rijdt de eigenaar "
     "elk jaar een nieuwe Porsche en betaalt hij alles contant.", "witwassen"),
    ("In de achterkamer van het theehuis staan twee gokkasten en wordt elke avond om geld "
     "gepokerd.", "gokken"),
    ("Iemand verkoopt op Marktplaats elke dag nieuwe e-bikes voor 300 euro, zonder sleutel "
     "en zonder bon.", "heling"),
    ("Een ambtenaar van de afdeling vergunningen nam een envelop met geld aan van de "
     "eigenaar van de shishalounge.", "integriteit"),
    ("Mannen met leren vesten met patches van een motorclub hebben een clubhuis geopend op "
     "het industrieterrein.", "omg"),
    ("De straatlantaarn voor ons huis is al drie weken kapot, wie kan dat repareren?",
     "geen_ondermijning"),
])
def test_clear_cases(text, theme):
    assert classify({"text": text}).theme == theme


def test_missing_fields_mean_unknown():
    assert classify({"text": "Het ruikt naar wiet bij de buren"}).theme == "hennep"


@pytest.mark.parametrize("report", [{}, {"text": ""}, {"text": "   "}, {"text": 42}, "tekst"])
def test_a_report_without_text_is_refused(report):
    with pytest.raises(ReportError):
        classify(report)  # type: ignore[arg-type]


def test_classify_many_keeps_order_and_matches_single_calls():
    reports = [{"text": "wietlucht en afgeplakte ramen"},
               {"text": "gokzuil in het cafe"},
               {"text": "loon niet betaald, paspoort afgepakt"}]
    many = classify_many(reports)
    assert [r.theme for r in many] == [classify(r).theme for r in reports]
    assert [r.confidence for r in many] == pytest.approx([classify(r).confidence
                                                          for r in reports], abs=1e-6)
    assert classify_many([]) == []


def test_concurrent_calls_give_the_same_answers():
    reports = [{"text": f"Bij nummer {i} ruikt het naar wiet en de ramen zijn afgeplakt"}
               for i in range(40)]
    expected = [r.to_dict() for r in classify_many(reports)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda r: classify(r).to_dict(), reports))
    assert got == expected


def test_the_process_garbage_collector_is_left_alone():
    """A library inside a web worker must not freeze, disable or enable the collector."""
    import gc

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    classify({"text": "wietlucht"})
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    gc.disable()
    try:
        classify_many([{"text": "wietlucht"}, {"text": "gokzuil"}])
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()
