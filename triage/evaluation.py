"""Evaluation of the triage against labelled files (`python -m triage evaluate`).

A prediction counts as right when it is in the gold `*_ok` list (the gold
value itself is always in it). For per-theme precision/recall, macro-F1 and
the confusion matrix, an acceptable alternative counts as the gold theme.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .corpus import Example
from .result import TriageResult
from .taxonomy import THEMES

TARGETS = {
    "theme_accuracy": 0.90,
    "macro_f1": 0.85,
    "route_accuracy": 0.88,
    "acute_recall": 0.97,
    "acute_precision": 0.70,
    "geen_ondermijning_recall": 0.85,
    "worst_language": 0.85,
}


@dataclass
class Report:
    n: int
    theme_accuracy: float
    macro_f1: float
    per_theme: dict[str, dict[str, float]]
    route_accuracy: float | None
    urgency_accuracy: float | None
    acute_recall: float | None
    acute_precision: float | None
    acute_support: int
    geen_ondermijning_recall: float | None
    review_rate: float
    review_rate_when_wrong: float | None
    secondary_precision: float | None
    secondary_recall: float | None
    by_language: dict[str, tuple[int, float]]
    acute_hits: int = 0
    acute_recall_ci: tuple[float, float] | None = None  # Wilson 95% interval
    language_detail: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    worst_language: str | None = None
    confusion: dict[str, Counter] = field(default_factory=dict)
    errors: list[tuple[Example, TriageResult]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("confusion", "errors")}
        data["confusion"] = {g: dict(c) for g, c in self.confusion.items()}
        return data


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval (95% for z = 1.96) of a proportion hits/n:
    honest for small n and for proportions near 0 or 1, unlike p ± z·se."""
    if n <= 0:
        return None
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _language_detail(examples: Sequence[Example], results: Sequence[TriageResult]
                     ) -> dict[str, dict[str, float | int | None]]:
    """Per language: theme and route accuracy, acuut recall and out-of-scope recall."""
    groups: dict[str, list[tuple[Example, TriageResult]]] = {}
    for ex, r in zip(examples, results, strict=True):
        groups.setdefault(ex.lang or r.language, []).append((ex, r))
    detail: dict[str, dict[str, float | int | None]] = {}
    for lang, pairs in sorted(groups.items()):
        routed = [(ex, r) for ex, r in pairs if ex.routes_ok]
        acute = [(ex, r) for ex, r in pairs if ex.urgency == "acuut"]
        geen = [(ex, r) for ex, r in pairs if ex.theme == "geen_ondermijning"]
        detail[lang] = {
            "n": len(pairs),
            "theme_accuracy": sum(r.theme in ex.themes_ok for ex, r in pairs) / len(pairs),
            "route_accuracy": _ratio(sum(r.route in ex.routes_ok for ex, r in routed),
                                     len(routed)),
            "acute_n": len(acute),
            "acute_recall": _ratio(sum(r.urgency == "acuut" for _, r in acute), len(acute)),
            "out_of_scope_recall": _ratio(sum(r.theme in ex.themes_ok for ex, r in geen),
                                          len(geen)),
        }
    return detail


def evaluate(examples: Sequence[Example], results: Sequence[TriageResult]) -> Report:
    n = len(examples)
    effective = []  # predicted theme, with acceptable alternatives mapped to gold
    theme_right = 0
    for ex, res in zip(examples, results, strict=True):
        ok = res.theme in ex.themes_ok
        theme_right += ok
        effective.append(ex.theme if ok else res.theme)

    per_theme: dict[str, dict[str, float]] = {}
    f1s = []
    for theme in THEMES:
        tp = sum(1 for ex, p in zip(examples, effective, strict=True)
                 if ex.theme == theme and p == theme)
        gold = sum(1 for ex in examples if ex.theme == theme)
        pred = sum(1 for p in effective if p == theme)
        if not gold and not pred:
            continue
        precision = tp / pred if pred else 0.0
        recall = tp / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_theme[theme] = {"precision": precision, "recall": recall, "f1": f1,
                            "support": gold}
        f1s.append(f1)

    routed = [(ex, r) for ex, r in zip(examples, results, strict=True) if ex.routes_ok]
    urgent = [(ex, r) for ex, r in zip(examples, results, strict=True) if ex.urgency_ok]
    gold_acute = [(ex, r) for ex, r in urgent if ex.urgency == "acuut"]
    pred_acute = [(ex, r) for ex, r in urgent if r.urgency == "acuut"]
    geen = [(ex, r) for ex, r in zip(examples, results, strict=True)
            if ex.theme == "geen_ondermijning"]
    wrong = [r for ex, r in zip(examples, results, strict=True) if r.theme not in ex.themes_ok]

    sec_tp = sec_pred = sec_gold = 0
    for ex, r in zip(examples, results, strict=True):
        gold_sec = set(ex.secondary_themes)
        pred_sec = set(r.secondary_themes)
        sec_tp += len(gold_sec & pred_sec)
        sec_pred += len(pred_sec)
        sec_gold += len(gold_sec)

    by_language: dict[str, list[int]] = {}
    for ex, r in zip(examples, results, strict=True):
        lang = ex.lang or r.language
        stats = by_language.setdefault(lang, [0, 0])
        stats[0] += 1
        stats[1] += r.theme in ex.themes_ok

    confusion: dict[str, Counter] = {}
    for ex, p in zip(examples, effective, strict=True):
        confusion.setdefault(ex.theme, Counter())[p] += 1

    acute_hits = sum(r.urgency == "acuut" for _, r in gold_acute)
    detail = _language_detail(examples, results)
    worst = min(detail, key=lambda lang: (detail[lang]["theme_accuracy"] or 0.0, lang),
                default=None)

    return Report(
        n=n,
        theme_accuracy=theme_right / n if n else 0.0,
        macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        per_theme=per_theme,
        route_accuracy=_ratio(sum(r.route in ex.routes_ok for ex, r in routed), len(routed)),
        urgency_accuracy=_ratio(sum(r.urgency in ex.urgency_ok for ex, r in urgent), len(urgent)),
        acute_recall=_ratio(sum(r.urgency == "acuut" for _, r in gold_acute), len(gold_acute)),
        acute_precision=_ratio(sum("acuut" in ex.urgency_ok for ex, _ in pred_acute),
                               len(pred_acute)),
        acute_support=len(gold_acute),
        geen_ondermijning_recall=_ratio(sum(r.theme in ex.themes_ok for ex, r in geen), len(geen)),
        review_rate=sum(r.review for r in results) / n if n else 0.0,
        review_rate_when_wrong=_ratio(sum(r.review for r in wrong), len(wrong)),
        secondary_precision=_ratio(sec_tp, sec_pred),
        secondary_recall=_ratio(sec_tp, sec_gold),
        by_language={k: (v[0], v[1] / v[0]) for k, v in sorted(by_language.items())},
        acute_hits=acute_hits,
        acute_recall_ci=wilson(acute_hits, len(gold_acute)),
        language_detail=detail,
        worst_language=worst,
        confusion=confusion,
        errors=[(ex, r) for ex, r in zip(examples, results, strict=True)
                if r.theme not in ex.themes_ok
                or (ex.routes_ok and r.route not in ex.routes_ok)
                or (ex.urgency == "acuut") != (r.urgency == "acuut")],
    )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _target(name: str, value: float | None) -> str:
    target = TARGETS.get(name)
    if target is None or value is None:
        return ""
    return f"   (target >= {target:.2f}: {'ok' if value >= target else 'BELOW'})"


def format_report(report: Report, show_errors: int = 0) -> str:
    lines = [f"examples: {report.n}"]
    ci = report.acute_recall_ci
    ci_text = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
    rows = [
        ("primary theme accuracy", "theme_accuracy", report.theme_accuracy),
        ("macro-F1 (themes)", "macro_f1", report.macro_f1),
        ("route accuracy", "route_accuracy", report.route_accuracy),
        ("urgency accuracy", "urgency_accuracy", report.urgency_accuracy),
        (f"acuut recall ({report.acute_hits} of {report.acute_support})", "acute_recall",
         report.acute_recall),
        ("acuut precision", "acute_precision", report.acute_precision),
        ("geen_ondermijning recall (out of scope)", "geen_ondermijning_recall",
         report.geen_ondermijning_recall),
        ("secondary themes precision", "", report.secondary_precision),
        ("secondary themes recall", "", report.secondary_recall),
        ("review rate", "", report.review_rate),
        ("review rate among wrong themes", "", report.review_rate_when_wrong),
    ]
    for label, key, value in rows:
        extra = f"{ci_text} (95% Wilson)" if key == "acute_recall" and ci_text else ""
        lines.append(f"{label:<40} {_fmt(value)}{extra}{_target(key, value)}")

    lines.append("")
    lines.append(f"{'theme':<22} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>5}   "
                 "(recall = accuracy on the reports of that theme)")
    for theme, m in report.per_theme.items():
        lines.append(f"{theme:<22} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} "
                     f"{int(m['support']):>5}")

    lines.append("")
    lines.append(f"{'language':<9} {'n':>5} {'theme':>7} {'route':>7} {'acuut recall':>16} "
                 f"{'out-of-scope':>13}")
    for lang, d in report.language_detail.items():
        acute = (f"{_fmt(d['acute_recall'])} (n={d['acute_n']})" if d["acute_n"] else "n/a")
        lines.append(f"{lang:<9} {d['n']:>5} {_fmt(d['theme_accuracy']):>7} "
                     f"{_fmt(d['route_accuracy']):>7} {acute:>16} "
                     f"{_fmt(d['out_of_scope_recall']):>13}")
    if report.worst_language is not None:
        worst = report.language_detail[report.worst_language]
        lines.append(f"worst language: {report.worst_language} (theme accuracy "
                     f"{_fmt(worst['theme_accuracy'])}, n={worst['n']})"
                     f"{_target('worst_language', worst['theme_accuracy'])}")
    lines.append("accuracy per language: " + ", ".join(
        f"{lang} {acc:.3f} (n={n})" for lang, (n, acc) in report.by_language.items()))

    labels = [t for t in THEMES if t in report.per_theme]
    short = {t: t[:4] for t in labels}
    short.update({"criminele_uitbuiting": "crim", "arbeidsuitbuiting": "arbe",
                  "geen_ondermijning": "geen", "wapens_explosieven": "wape"})
    lines.append("")
    lines.append("confusion matrix (rows = gold, columns = predicted)")
    lines.append(" " * 22 + " ".join(f"{short[t]:>4}" for t in labels))
    for gold in labels:
        counts = report.confusion.get(gold, Counter())
        lines.append(f"{gold:<22}" + " ".join(
            f"{counts.get(p, 0) or '.':>4}" for p in labels))

    if show_errors:
        lines.append("")
        lines.append(f"first {show_errors} errors:")
        for ex, r in report.errors[:show_errors]:
            lines.append(f"- {ex.id} [{ex.lang or r.language}] gold {ex.theme}/{ex.urgency}/"
                         f"{ex.route} -> {r.theme}/{r.urgency}/{r.route} ({r.confidence:.2f})")
            lines.append(f"    {ex.text[:220]}")
            lines.append(f"    {'; '.join(r.explanation)}")
    return "\n".join(lines)
