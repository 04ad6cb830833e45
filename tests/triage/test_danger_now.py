"""The reporter's answer to "Is er nu iemand in gevaar?" (`danger_now`, taxonomy.md)
through `classify`, `classify_many` and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import triage

ROOT = Path(__file__).resolve().parents[2]
CALM = "Bij het cafe op de hoek staat een gokzuil in de achterkamer, al een paar maanden."
ACUTE_TEXT = "Er wordt nu op dit moment geschoten bij de snackbar, er ligt iemand op straat te bloeden."


def test_yes_makes_a_calm_report_acute_with_its_own_explanation():
    without = triage.classify({"text": CALM})
    assert without.urgency != "acuut"
    result = triage.classify({"text": CALM, "danger_now": True})
    assert result.urgency == "acuut"
    assert result.route == "politie"  # acute goes to the police first
    assert "melder zegt dat er nu iemand in gevaar is" in result.explanation[
        [i for i, line in enumerate(result.explanation) if line.startswith("acuut")][0]]
    assert result.theme == without.theme  # the answer says nothing about the theme


def test_no_never_lowers_what_the_text_supports():
    by_text = triage.classify({"text": ACUTE_TEXT})
    assert by_text.urgency == "acuut"
    denied = triage.classify({"text": ACUTE_TEXT, "danger_now": False})
    assert denied.urgency == "acuut"
    assert any("antwoordde 'nee'" in line for line in denied.explanation)


def test_no_on_a_calm_report_changes_nothing():
    assert triage.classify({"text": CALM, "danger_now": False}) == triage.classify({"text": CALM})


def test_absent_and_null_mean_not_asked():
    assert triage.classify({"text": CALM, "danger_now": None}) == triage.classify({"text": CALM})


def test_integriteit_keeps_its_fixed_route_when_the_reporter_says_yes():
    text = "Een wethouder nam contant geld aan van een projectontwikkelaar voor een vergunning."
    result = triage.classify({"text": text, "danger_now": True})
    if result.theme == "integriteit":
        assert result.route == "integriteit"
    assert result.urgency == "acuut"


def test_classify_many_matches_single_calls():
    reports = [{"text": CALM, "danger_now": True}, {"text": CALM}, {"text": ACUTE_TEXT,
                                                                 "danger_now": False}]
    assert [r.to_dict() for r in triage.classify_many(reports)] == [
        triage.classify(r).to_dict() for r in reports]


@pytest.mark.parametrize("value", ["ja", 1, "true", [True]])
def test_other_values_are_refused_not_read_as_no(value):
    with pytest.raises(triage.ReportError, match="danger_now"):
        triage.classify({"text": CALM, "danger_now": value})


def run_cli(lines: list[str]) -> list[dict]:
    proc = subprocess.run([sys.executable, "-m", "triage", "classify"],  # noqa: S603 - own CLI
                          input="\n".join(lines) + "\n", text=True, capture_output=True,
                          cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_cli_reads_danger_now_and_keeps_working_on_text_only():
    out = run_cli([
        json.dumps({"id": "a", "text": CALM}),
        json.dumps({"id": "b", "text": CALM, "danger_now": True}),
        json.dumps({"id": "c", "text": ACUTE_TEXT, "danger_now": False}),
        json.dumps({"id": "d", "text": CALM, "danger_now": "misschien"}),
        json.dumps({"id": "e", "text": CALM, "danger_now": None}),
    ])
    assert [o["id"] for o in out] == ["a", "b", "c", "d", "e"]
    assert out[0]["urgency"] != "acuut" and out[4]["urgency"] == out[0]["urgency"]
    assert out[1]["urgency"] == "acuut" and out[1]["route"] == "politie"
    assert out[2]["urgency"] == "acuut"
    assert "danger_now" in out[3]["error"]
    assert "theme" not in out[3]
