"""The evaluation figures: `_ok` lists, per-theme scores and acute recall/precision."""

from __future__ import annotations

import pytest

from triage.corpus import CorpusError, parse_example
from triage.evaluation import evaluate, format_report
from triage.result import TriageResult


def example(theme, urgency="normaal", route="politie", themes_ok=(), urgency_ok=(),
            routes_ok=()):
    return parse_example({"text": "x", "gold": {
        "theme": theme, "themes_ok": list(themes_ok), "urgency": urgency,
        "urgency_ok": list(urgency_ok), "route": route, "routes_ok": list(routes_ok)}}, "t")


def result(theme, urgency="normaal", route="politie", review=False):
    return TriageResult(theme, (), urgency, route, 0.8, review, [], "nl", "test")


def test_ok_lists_count_as_right():
    examples = [example("hennep", themes_ok=["drugslab"]), example("hennep"),
                example("gokken", route="kansspelautoriteit", routes_ok=["riec"])]
    results = [result("drugslab"), result("drugslab", route="riec"),
               result("gokken", route="riec")]
    report = evaluate(examples, results)
    assert report.theme_accuracy == pytest.approx(2 / 3)
    assert report.route_accuracy == pytest.approx(2 / 3)
    # The accepted alternative counts as the gold theme in the confusion matrix.
    assert report.confusion["hennep"] == {"hennep": 1, "drugslab": 1}
    assert report.per_theme["hennep"]["recall"] == pytest.approx(0.5)
    assert report.per_theme["drugslab"]["precision"] == 0.0


def test_acute_recall_and_precision():
    examples = [example("wapens_explosieven", "acuut"), example("wapens_explosieven", "acuut"),
                example("hennep", "hoog", urgency_ok=["acuut"]), example("hennep")]
    results = [result("wapens_explosieven", "acuut"), result("wapens_explosieven", "hoog"),
               result("hennep", "acuut"), result("hennep", "acuut")]
    report = evaluate(examples, results)
    assert report.acute_support == 2
    assert report.acute_recall == pytest.approx(0.5)
    assert report.acute_precision == pytest.approx(2 / 3)  # the 'acuut' in urgency_ok counts


def test_macro_f1_and_report_text():
    examples = [example("hennep"), example("gokken", route="kansspelautoriteit"),
                example("geen_ondermijning", route="doorverwijzen")]
    results = [result("hennep"), result("gokken", route="kansspelautoriteit"),
               result("hennep", route="politie", review=True)]
    report = evaluate(examples, results)
    assert report.macro_f1 == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert report.geen_ondermijning_recall == 0.0
    assert report.review_rate_when_wrong == 1.0
    text = format_report(report, show_errors=5)
    assert "macro-F1" in text and "BELOW" in text and "first 5 errors" in text


@pytest.mark.parametrize("obj, message", [
    ({"gold": {"theme": "hennep"}}, "missing text"),
    ({"text": "x", "gold": {"theme": "drugs"}}, "unknown or missing theme"),
    ({"text": "x", "gold": {"theme": "hennep", "urgency": "zeer hoog"}}, "unknown urgency"),
    ({"text": "x", "gold": {"theme": "hennep", "routes_ok": ["nergens"]}}, "bad routes_ok"),
])
def test_bad_gold_lines_are_refused(obj, message):
    with pytest.raises(CorpusError, match=message):
        parse_example(obj, "file:1")


def test_wilson_interval():
    from triage.evaluation import wilson

    low, high = wilson(55, 80)  # the old model's acuut recall on the blind set
    assert low == pytest.approx(0.580, abs=0.002) and high == pytest.approx(0.779, abs=0.002)
    low, high = wilson(30, 30)
    assert high == 1.0 and low == pytest.approx(0.886, abs=0.002)
    assert wilson(0, 0) is None


def test_per_language_figures_and_worst_language():
    def ex(theme, lang, urgency="normaal", route="politie"):
        return parse_example({"text": "x", "lang": lang, "gold": {
            "theme": theme, "urgency": urgency, "route": route}}, "t")

    examples = [ex("hennep", "nl"), ex("hennep", "nl", "acuut"), ex("hennep", "pl"),
                ex("geen_ondermijning", "pl", route="doorverwijzen")]
    results = [result("hennep"), result("hennep", "acuut"), result("gokken"),
               result("geen_ondermijning", route="doorverwijzen")]
    report = evaluate(examples, results)
    assert report.language_detail["nl"]["theme_accuracy"] == 1.0
    assert report.language_detail["nl"]["acute_recall"] == 1.0
    assert report.language_detail["pl"]["theme_accuracy"] == 0.5
    assert report.language_detail["pl"]["out_of_scope_recall"] == 1.0
    assert report.worst_language == "pl"
    assert report.acute_hits == 1 and report.acute_recall_ci is not None
    text = format_report(report)
    assert "worst language: pl" in text and "95% Wilson" in text
    assert "out-of-scope" in text
