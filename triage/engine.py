"""The classifier: lexicon + model + rules put together for a batch of reports."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import explain
from .acute import harmless_setting, past_filter
from .evidence import Evidence
from .features import Rows, meta_tokens
from .language import detect_language, is_arabizi, supported
from .lexicon import Lexicon, load_lexicon
from .model import DEFAULT_MODEL_FILE, LinearModel, softmax
from .normalize import (
    Tokens,
    arabic_since_then,
    normalize,
    romanian_ago,
    split_turkish_privative,
    tokenize,
)
from .result import TriageResult
from .routing import RoutingTable
from .rules import (
    Thresholds,
    apply_danger_answer,
    choose_theme,
    compose_scope,
    decide_review,
    decide_route,
    decide_urgency,
    secondary_themes,
    urgency_floor,
)
from .taxonomy import PLACE_TYPES, REPORTER_TYPES

DEFAULT_LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.txt"
MAX_INDICATORS_PRIMARY = 4
MAX_INDICATORS_SECONDARY = 2
MAX_NEGATIONS_SHOWN = 3


class ReportError(ValueError):
    """The report cannot be classified (no text); the message is for the caller."""


@dataclass(frozen=True)
class Prepared:
    """A report after the text work that does not need the model."""

    words: list[str]
    meta: tuple[str, ...]  # pseudo-words for form fields and text shape (features.meta_tokens)
    language: str
    evidence: Evidence
    danger_now: bool | None = None  # the reporter's answer to "Is er nu iemand in gevaar?"
    readable: bool = True  # False: a language the triage does not read
    arabizi: bool = False  # Arabic in Latin letters: read only partly, so always reviewed
    ongoing: str | None = None  # the form's "nog gaande?" answer: "ja", "nee" or "onbekend"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def danger_answer(report: Mapping[str, Any]) -> bool | None:
    """The optional `danger_now` field: True (yes), False (no) or None (absent,
    null: not asked or "weet ik niet"). Anything else is an error for the
    caller, never silently read as "no"."""
    value = report.get("danger_now")
    if value is None or isinstance(value, bool):
        return value
    raise ReportError("'danger_now' must be true, false or absent")


# Word rewrites that only make sense in one language, applied after detection:
# Turkish "silahsız" (without a weapon), Romanian "acum cinci ani" (ago, not
# now), Arabic "منذ ذلك الحين" (since then, not now).
_LANGUAGE_REWRITES: dict[str, Callable[[Tokens], Tokens]] = {
    "tr": split_turkish_privative,
    "ro": romanian_ago,
    "ar": arabic_since_then,
}


def prepare(report: Mapping[str, Any], lexicon: Lexicon) -> Prepared:
    if not isinstance(report, Mapping):
        raise ReportError("report must be an object")
    text = report.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ReportError("report has no text")
    danger_now = danger_answer(report)
    place = report.get("place_type")
    reporter = report.get("reporter_type")
    normalized = normalize(text)
    tokens = tokenize(normalized)
    language = detect_language(text, tokens.words)
    rewrite = _LANGUAGE_REWRITES.get(language)
    if rewrite is not None:
        tokens = rewrite(tokens)
    readable = supported(language)
    # A language the triage does not read is not matched against the lexicon
    # at all: its words would only produce invented matches ("rất" -> "rat").
    if readable:
        scan = lexicon.scan(tokens)
        evidence = Evidence.from_scan(scan, past_filter(scan, tokens, normalized), tokens.words)
    else:
        evidence = _NOTHING
    arabizi = language == "ar" and is_arabizi(tokens.words)
    return Prepared(
        words=tokens.words,
        meta=meta_tokens(place if place in PLACE_TYPES else "onbekend",
                         reporter if reporter in REPORTER_TYPES else "onbekend",
                         "?" in text or "؟" in text,
                         report.get("has_attachments") is True),
        language=language,
        evidence=evidence,
        danger_now=danger_now,
        readable=readable,
        arabizi=arabizi,
        ongoing=ongoing if (ongoing := report.get("ongoing")) in ONGOING_ANSWERS else None,
    )


_NOTHING = Evidence.empty()
ONGOING_ANSWERS = ("ja", "nee", "onbekend")
UNREADABLE_CONFIDENCE = 0.2  # the highest confidence a report we cannot read gets


class TriageEngine:
    def __init__(self, lexicon: Lexicon, model: LinearModel) -> None:
        self.lexicon = lexicon
        self.model = model
        self.thresholds = Thresholds.from_dict(model.meta.get("thresholds"))
        self.theme_classes = model.heads["theme"].classes
        self.urgency_classes = model.heads["urgency"].classes
        self.has_riec_head = "riec" in model.heads
        self.has_scope_head = "scope" in model.heads

    @classmethod
    def load(cls, model_file: str | Path | None = None,
             lexicon_file: str | Path | None = None) -> TriageEngine:
        return cls(load_lexicon(lexicon_file or DEFAULT_LEXICON_FILE),
                   LinearModel.load(model_file or DEFAULT_MODEL_FILE))

    @property
    def version(self) -> str:
        return self.model.version

    def featurize(self, batch: list[Prepared]) -> Rows:
        return self.model.featurizer.transform_many(
            [(p.words, p.meta, p.evidence.features()) for p in batch])

    def probabilities(self, batch: list[Prepared]) -> dict[str, np.ndarray]:
        logits = self.model.logits(self.featurize(batch))
        return {name: softmax(values) for name, values in logits.items()}

    def classify_many(self, reports: Iterable[Mapping[str, Any]],
                      routing: RoutingTable) -> list[TriageResult]:
        with _collector_paused():
            return self._classify_many(reports, routing)

    def _classify_many(self, reports: Iterable[Mapping[str, Any]],
                       routing: RoutingTable) -> list[TriageResult]:
        batch = [prepare(r, self.lexicon) for r in reports]
        if not batch:
            return []
        probs = self.probabilities(batch)
        # Whole matrices to Python floats at once (the same floats as per row),
        # instead of several numpy indexing calls per report.
        theme_rows = probs["theme"].tolist()
        urgency_rows = probs["urgency"].tolist()
        n = len(batch)
        escalate = probs["riec"][:, 1].tolist() if self.has_riec_head else [0.0] * n
        out_of_scope = (probs["scope"][:, 1].tolist() if self.has_scope_head
                        else [None] * n)
        themes, urgencies = self.theme_classes, self.urgency_classes
        return [self._decide(prepared, dict(zip(themes, theme_row, strict=True)),
                             dict(zip(urgencies, urgency_row, strict=True)), p_escalate,
                             routing, p_out)
                for prepared, theme_row, urgency_row, p_escalate, p_out
                in zip(batch, theme_rows, urgency_rows, escalate, out_of_scope, strict=True)]

    def classify_one(self, report: Mapping[str, Any], routing: RoutingTable) -> TriageResult:
        """One report: the same result as `classify_many([report])[0]`, with
        less fixed cost per call (no batch arrays)."""
        with _collector_paused():
            return self._classify_one(report, routing)

    def _classify_one(self, report: Mapping[str, Any], routing: RoutingTable) -> TriageResult:
        prepared = prepare(report, self.lexicon)
        idx, values = self.model.featurizer.transform_one(
            prepared.words, prepared.meta, prepared.evidence.features())
        probs = self.model.probabilities_one(idx, values)
        theme_p = dict(zip(self.theme_classes, probs["theme"], strict=True))
        urgency_p = dict(zip(self.urgency_classes, probs["urgency"], strict=True))
        p_escalate = probs["riec"][1] if self.has_riec_head else 0.0
        p_out = probs["scope"][1] if self.has_scope_head else None
        return self._decide(prepared, theme_p, urgency_p, p_escalate, routing, p_out)

    def _decide(self, prepared: Prepared, theme_p: dict[str, float],
                urgency_p: dict[str, float], p_escalate: float,
                routing: RoutingTable, p_out: float | None = None) -> TriageResult:
        th = self.thresholds
        theme_p = compose_scope(theme_p, p_out, th.out_of_scope)
        if not prepared.readable:
            return self._unreadable(prepared, theme_p, urgency_p, routing)
        ev = prepared.evidence
        theme = choose_theme(theme_p, p_out, th.out_of_scope)
        harmless = harmless_setting(ev.signal_families)
        harmless_lines: list[str] = []
        if harmless is not None and theme == "wapens_explosieven":
            # Weapon words in a legal setting the reporter calls harmless (a
            # film set, a licensed shop, slang): not undermining - but reviewed,
            # so the reporter is never told so on a guess.
            theme = "geen_ondermijning"
            harmless_lines = [explain.harmless(*harmless)]
        elif harmless is not None and theme == "geen_ondermijning":
            # The model reached out of scope by itself: still weapon words, so
            # a person looks before the reporter is told it is not for us.
            harmless_lines = [explain.harmless(*harmless)]
        secondary = secondary_themes(theme, theme_p, ev, th)
        urgency, urgency_lines = decide_urgency(urgency_p, ev, theme, th)
        urgency, urgency_lines = urgency_floor(urgency, urgency_lines, theme, ev, prepared.ongoing)
        urgency, urgency_lines = apply_danger_answer(prepared.danger_now, urgency, urgency_lines)
        route, route_lines = decide_route(theme, secondary, urgency, ev, routing, p_escalate, th)
        review_lines = decide_review(prepared.language, theme, theme_p, ev, th)
        if harmless_lines and not review_lines:
            review_lines.append(explain.review_harmless())
        if prepared.arabizi:
            review_lines.insert(0, explain.review_arabizi())

        lines: list[str] = []
        for match in ev.theme_hits.get(theme, [])[:MAX_INDICATORS_PRIMARY]:
            lines.append(explain.indicator(match, theme))
        for other in secondary:
            for match in ev.theme_hits.get(other, [])[:MAX_INDICATORS_SECONDARY]:
                lines.append(explain.indicator(match, other))
        lines.extend(harmless_lines)
        lines.append(explain.model_theme(theme, theme_p[theme], bool(ev.theme_hits.get(theme))))
        for match in ev.negated[:MAX_NEGATIONS_SHOWN]:
            lines.append(explain.negation(match))
        lines.extend(urgency_lines)
        lines.extend(route_lines)
        lines.extend(review_lines)
        if prepared.language != "nl":
            lines.append(explain.language_note(prepared.language))
        return TriageResult(
            theme=theme,
            secondary_themes=tuple(secondary),
            urgency=urgency,
            route=route,
            confidence=float(min(1.0, max(0.0, theme_p[theme]))),
            review=bool(review_lines),
            explanation=_dedupe(lines),
            language=prepared.language,
            model_version=self.version,
        )


    def _unreadable(self, prepared: Prepared, theme_p: dict[str, float],
                    urgency_p: dict[str, float], routing: RoutingTable) -> TriageResult:
        """A report in a language the triage does not read: never a confident
        theme and never `geen_ondermijning` (a guess must not tell a reporter
        the report does not matter); always reviewed, with the reason. Acute
        only on the reporter's own answer."""
        th = self.thresholds
        ev = prepared.evidence
        candidates = [t for t in self.theme_classes if t != "geen_ondermijning"]
        theme = max(candidates, key=lambda t: theme_p[t])
        urgency, urgency_lines = "normaal", list[str]()
        reason = explain.review_unsupported(prepared.language)
        urgency, urgency_lines = apply_danger_answer(prepared.danger_now, urgency, urgency_lines)
        route, route_lines = decide_route(theme, [], urgency, ev, routing, 0.0, th)
        lines = [reason, *urgency_lines, *route_lines, explain.language_note(prepared.language)]
        return TriageResult(
            theme=theme,
            secondary_themes=(),
            urgency=urgency,
            route=route,
            confidence=float(min(UNREADABLE_CONFIDENCE, max(0.0, theme_p[theme]))),
            review=True,
            explanation=_dedupe(lines),
            language=prepared.language,
            model_version=self.version,
        )


def _dedupe(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Classification allocates many short-lived containers, which trigger the
    cyclic garbage collector; its full passes walk every object of the loaded
    lexicon (about 95,000) and cost about a tenth of the time. Classifying leaves
    no cyclic garbage (tests/triage/test_engine_gc.py), so the collector waits
    until the call is done; reference counting frees everything as before."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
