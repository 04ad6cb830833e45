"""The RIEC escalation rule as shared/taxonomy.md states it (issue 12, item 4):
a report whose default route may be replaced goes to `riec` when it shows an
organised, multi-partner picture - a network of several people or addresses,
a facilitating professional or business knowingly involved, two or more
themes of different partners, or money and property far beyond visible
income - and the explanation says which. Acute reports go to the police first;
integriteit always to integriteit. Sentences written for this test."""

from __future__ import annotations

import pytest

import triage
from triage.engine import prepare
from triage.evidence import Evidence
from triage.rules import Thresholds, escalation_reasons


def riec_lines(result: triage.TriageResult) -> list[str]:
    return [line for line in result.explanation if line.startswith("route riec")]


@pytest.mark.parametrize("text, reason", [
    ("Dezelfde twee mannen beheren vier huurwoningen in onze wijk; in alle vier staan "
     "hennepplanten en de ramen zijn afgeplakt.", "meerdere adressen / netwerk"),
    ("The same owner runs three nail salons with no customers and pays the workers in cash, "
     "they all sleep above the shops.", "meerdere adressen / netwerk"),
    ("Ten sam właściciel ma trzy myjnie samochodowe, w których ludzie pracują po 14 godzin "
     "bez umowy.", "meerdere adressen / netwerk"),
    ("De makelaar weet precies wat er gebeurt: hij verhuurt de bovenwoning steeds aan "
     "dezelfde mannen die er een wietkwekerij hebben.", "faciliterende beroepsgroep of bedrijf"),
    ("Emlakçı her şeyi çok iyi biliyor, daireleri kadınlar için kiralıyor ve parayı nakit "
     "alıyor.", "faciliterende beroepsgroep of bedrijf"),
    ("Mijn buurman zit al jaren in de bijstand maar rijdt in een Porsche en koopt nu een "
     "villa, terwijl er 's nachts steeds auto's kort stoppen voor zijn deur.",
     "geld of bezit boven inkomen"),
])
def test_escalation_signals_in_several_languages(text, reason):
    result = triage.classify({"text": text})
    assert result.urgency != "acuut"
    assert result.route == "riec", result.explanation
    if triage.route_for(result.theme) != "riec":  # witwassen/vastgoed/omg go there anyway
        assert any(reason in line for line in riec_lines(result)), result.explanation


def test_two_themes_of_different_partners_is_a_reason():
    ev = prepare({"text": "In de nagelstudio zonder klanten slapen de werksters achter in de "
                          "zaak en krijgen ze geen loon; de eigenaar betaalt alles contant."},
                 triage.get_engine().lexicon).evidence
    lines = escalation_reasons("witwassen", ["arbeidsuitbuiting"], ev, 0.5, Thresholds(),
                               triage.load_routing())
    assert any("meerdere thema's" in line for line in lines)


def test_an_ordinary_single_case_is_not_escalated():
    result = triage.classify({"text": "Bij de buren ruikt het naar wiet en de ramen op zolder "
                                      "zijn afgeplakt."})
    assert result.route == "politie" and not riec_lines(result)


def test_acute_goes_to_police_first_even_with_a_network():
    result = triage.classify({"text": "Dezelfde groep met vier panden in de stad heeft gezegd "
                                      "dat ze vanavond de eigenaar van de bakkerij gaan "
                                      "neerschieten."})
    assert result.urgency == "acuut" and result.route == "politie"


def test_integriteit_always_goes_to_integriteit():
    result = triage.classify({"text": "Een ambtenaar van vergunningen krijgt geld van de "
                                      "eigenaar van vijf panden om zijn vergunningen snel "
                                      "rond te krijgen."})
    if result.theme == "integriteit":
        assert result.route == "integriteit"


def test_no_reasons_without_evidence():
    assert escalation_reasons("hennep", [], Evidence.empty(), 0.0, Thresholds()) == []
