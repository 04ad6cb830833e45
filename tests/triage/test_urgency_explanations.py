"""Urgency explanations name the rule that actually fired (issue 15, item 9):
duration is not exploitation, the form's "nog gaande: ja" counts, and a
suspected drug lab with dumped barrels is at least `hoog`."""

from __future__ import annotations

import triage
from triage.engine import prepare
from triage.rules import urgency_floor


def evidence(text: str):
    return prepare({"text": text}, triage.get_engine().lexicon).evidence


def test_duration_is_explained_as_duration_not_exploitation():
    ev = evidence("Bij de buren ruikt het al maanden naar wiet.")
    assert "gaat al langer door" in ev.high
    assert "uitbuiting gaande" not in ev.high and "dreiging gaande" not in ev.high
    result = triage.classify({"text": "Bij de buren ruikt het al maanden naar wiet, de ramen "
                                      "zijn afgeplakt."})
    assert not any("uitbuiting" in line for line in result.explanation)


def test_exploitation_cues_keep_their_own_name():
    assert "uitbuiting gaande" in evidence("De baas heeft ons paspoort en we krijgen geen loon.").high
    assert "dreiging gaande" in evidence("Hij wordt bedreigd en is doodsbang.").high


def test_ongoing_yes_raises_ongoing_production_to_hoog_with_its_reason():
    text = "Bij de buren ruikt het naar wiet."
    assert triage.classify({"text": text}).urgency in ("normaal", "laag")
    result = triage.classify({"text": text, "ongoing": "ja"})
    assert result.urgency == "hoog"
    assert "hoog: nog gaande volgens de melder ('nog gaande: ja') bij hennep" in result.explanation
    for answer in ("nee", "onbekend", None, "misschien"):
        assert triage.classify({"text": text, "ongoing": answer}).urgency == \
            triage.classify({"text": text}).urgency


def test_ongoing_yes_does_not_raise_themes_that_are_not_ongoing_harm():
    ev = evidence("Er staat een gokzuil in het café.")
    assert urgency_floor("normaal", [], "gokken", ev, "ja") == ("normaal", [])


def test_dumped_drug_waste_is_at_least_hoog():
    result = triage.classify({"text": "In het bos bij de Heideweg zijn blauwe vaten gedumpt, "
                                      "het ruikt er naar anijs."})
    assert result.theme == "drugslab"
    assert result.urgency in ("hoog", "acuut")
    if result.urgency == "hoog":
        assert any("gedumpt afval" in line for line in result.explanation)


def test_floor_never_lowers():
    ev = evidence("Blauwe vaten gedumpt bij de boerderij.")
    assert urgency_floor("acuut", ["x"], "drugslab", ev, "ja") == ("acuut", ["x"])
