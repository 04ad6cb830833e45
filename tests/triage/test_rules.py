"""Rule families: acute triggers, RIEC escalation, routing splits, review.

A small purpose-made lexicon keeps these tests about the rules themselves,
independent of the wording in the packaged lexicon.
"""

from __future__ import annotations

import pytest

from triage.evidence import Evidence
from triage.lexicon import parse_lexicon
from triage.normalize import normalize, tokenize
from triage.routing import load_routing
from triage.rules import (
    Thresholds,
    decide_review,
    decide_route,
    decide_urgency,
    default_route,
    secondary_themes,
)
from triage.taxonomy import THEMES

LEXICON = parse_lexicon("""
[negation]
geen, niet
[theme hennep]
3: wietlucht
[theme witwassen]
3: nooit klanten
[theme arbeidsuitbuiting]
3: geen loon
[theme drugshandel]
3: dealer
[theme criminele_uitbuiting]
3: jongens van 14
[acuut schoten of explosie]
3: schoten gehoord
[gevaar wapen aanwezig]
3: pistool
[gevaar aanslag of wraak]
3: explosief
[cue nu]
1: op dit moment
[cue nu_zwak]
1: nu
[cue vanavond]
1: vanavond
[cue mensen_in_gevaar]
1: kinderen spelen
[cue oud_of_gewoonte]
1: vorig jaar
[riec meerdere adressen / netwerk]
2: drie panden
[route belastingdienst]
2: facturen
[route gemeente_sociaal]
2: uitkering
""")

TH = Thresholds(acute_model=0.5, riec_model=0.6, review_confidence=0.5)
NO_ACUTE = {"acuut": 0.0, "hoog": 0.2, "normaal": 0.7, "laag": 0.1}


def evidence(text: str) -> Evidence:
    return Evidence.from_scan(LEXICON.scan(tokenize(normalize(text))))


def probs(**values: float) -> dict[str, float]:
    p = dict.fromkeys(THEMES, 0.0)
    p.update(values)
    return p


class TestAcute:
    def test_trigger_alone_is_acute_and_explained(self):
        urgency, reasons = decide_urgency(NO_ACUTE, evidence("Net schoten gehoord"), "x", TH)
        assert urgency == "acuut"
        assert reasons == ["acuut: schoten of explosie ('schoten gehoord')"]

    def test_danger_happening_now_is_acute(self):
        urgency, reasons = decide_urgency(
            NO_ACUTE, evidence("Hij heeft op dit moment een pistool"), "x", TH)
        assert urgency == "acuut"
        assert "wapen aanwezig ('pistool')" in reasons[0]

    def test_danger_with_people_at_risk_is_acute(self):
        urgency, _ = decide_urgency(NO_ACUTE, evidence("pistool en kinderen spelen"), "x", TH)
        assert urgency == "acuut"

    def test_danger_without_immediacy_is_not_acute(self):
        urgency, _ = decide_urgency(NO_ACUTE, evidence("Hij heeft een pistool in huis"), "x", TH)
        assert urgency == "normaal"

    def test_old_danger_is_not_acute(self):
        urgency, _ = decide_urgency(
            NO_ACUTE, evidence("vorig jaar lag er een explosief, kinderen spelen"), "x", TH)
        assert urgency == "normaal"

    def test_attack_announced_for_tonight_is_acute(self):
        urgency, _ = decide_urgency(NO_ACUTE, evidence("vanavond een explosief bij de deur"),
                                    "x", TH)
        assert urgency == "acuut"
        # ... but tonight alone does not make other dangers acute
        urgency, _ = decide_urgency(NO_ACUTE, evidence("vanavond een pistool"), "x", TH)
        assert urgency == "normaal"

    def test_negated_trigger_is_ignored(self):
        urgency, _ = decide_urgency(NO_ACUTE, evidence("geen schoten gehoord"), "x", TH)
        assert urgency == "normaal"

    def test_model_catches_what_words_miss(self):
        urgency, reasons = decide_urgency({"acuut": 0.7, "normaal": 0.3}, evidence("..."),
                                          "x", TH)
        assert urgency == "acuut" and "tekstmodel" in reasons[0]

    def test_weak_now_with_danger_lowers_the_model_bar(self):
        p = {"acuut": 0.3, "normaal": 0.7}
        assert decide_urgency(p, evidence("het pistool ligt nu hier"), "x", TH)[0] == "acuut"
        assert decide_urgency(p, evidence("het ligt nu hier"), "x", TH)[0] == "normaal"


class TestRouting:
    routing = load_routing()

    def route(self, theme, text, urgency="normaal", p_escalate=0.0, secondary=()):
        return decide_route(theme, list(secondary), urgency, evidence(text), self.routing,
                            p_escalate, TH)

    def test_default_table(self):
        assert self.route("hennep", "wietlucht") == (
            "politie", ["route politie: standaardroute voor hennep"])
        assert self.route("witwassen", "nooit klanten")[0] == "riec"

    def test_acute_always_goes_to_police_first(self):
        assert self.route("witwassen", "nooit klanten", urgency="acuut")[0] == "politie"

    def test_integriteit_is_fixed_even_when_acute(self):
        route, reasons = self.route("integriteit", "drie panden", urgency="acuut")
        assert route == "integriteit" and "altijd" in reasons[0]

    def test_riec_escalation_by_cue(self):
        route, reasons = self.route("hennep", "wietlucht in drie panden")
        assert route == "riec"
        assert reasons == ["route riec: meerdere adressen / netwerk ('drie panden')"]

    def test_escalation_by_model(self):
        assert self.route("hennep", "wietlucht", p_escalate=0.9)[0] == "riec"
        assert self.route("hennep", "wietlucht", p_escalate=0.1)[0] == "politie"

    def test_two_themes_of_different_partners_escalate(self):
        text = "nooit klanten en geen loon"
        assert self.route("arbeidsuitbuiting", text, p_escalate=0.4,
                          secondary=["witwassen"])[0] == "riec"

    def test_two_police_themes_do_not_escalate(self):
        text = "dealer en jongens van 14"
        assert self.route("drugshandel", text, p_escalate=0.4,
                          secondary=["criminele_uitbuiting"])[0] == "politie"

    def test_fraude_split_by_cues(self):
        assert default_route("fraude", evidence("valse facturen"), self.routing)[0] == (
            "belastingdienst")
        assert default_route("fraude", evidence("uitkering en samen"), self.routing)[0] == (
            "gemeente_sociaal")
        assert default_route("fraude", evidence("iets anders"), self.routing)[0] == (
            "gemeente_sociaal")

    def test_escalation_switched_off(self, tmp_path):
        override = tmp_path / "routing.json"
        override.write_text('{"escalate_to_riec": false}')
        routing = load_routing(override)
        assert decide_route("hennep", [], "normaal", evidence("drie panden"), routing,
                            0.99, TH)[0] == "politie"


class TestSecondaryAndReview:
    def test_secondary_themes(self):
        p = probs(hennep=0.6, witwassen=0.3, geen_ondermijning=0.3, drugslab=0.06)
        ev = evidence("wietlucht, drugslab")
        assert secondary_themes("hennep", p, ev, TH) == ["witwassen"]

    def test_strong_words_with_some_probability_make_a_secondary_theme(self):
        p = probs(hennep=0.9, witwassen=0.06)
        assert secondary_themes("hennep", p, evidence("wietlucht, nooit klanten"), TH) == [
            "witwassen"]

    def test_review_reasons(self):
        ev = evidence("wietlucht")
        assert decide_review("nl", "hennep", probs(hennep=0.9), ev, TH) == []
        # Language parity: a supported language is no reason for review by itself.
        assert decide_review("pl", "hennep", probs(hennep=0.9), ev, TH) == []
        assert decide_review("nl", "hennep", probs(hennep=0.4, drugslab=0.1), ev, TH) == [
            "lage zekerheid (0.40) -> handmatige controle"]

    def test_conflicting_themes_need_review(self):
        reasons = decide_review("nl", "hennep", probs(hennep=0.55, witwassen=0.4),
                                evidence("wietlucht"), TH)
        assert reasons == ["thema's botsen: hennep en witwassen -> handmatige controle"]


@pytest.mark.parametrize("values", [{"acute_model": "0.3"}, {"acute_model": 0.3, "unknown": 1}])
def test_thresholds_from_artifact_metadata(values):
    assert Thresholds.from_dict(values).acute_model == pytest.approx(0.3)
