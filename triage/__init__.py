"""Triage for the meldpunt ondermijning: theme, urgency, route, confidence,
review flag and a staff-readable explanation for one report.

Pure Python + numpy: this package never imports Flask or `meldpunt`, and
classifying does not import scikit-learn (only `python -m triage train` does).

    >>> from triage import classify
    >>> result = classify({"text": "Ramen afgeplakt en een sterke wietlucht"})
    >>> result.theme, result.route
    ('hennep', 'politie')

The contract (codes, routing, RIEC escalation, CLI) is ../shared/taxonomy.md;
how it works is docs/triage.md.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .engine import ReportError, TriageEngine
from .evidence import Evidence
from .language import detect_language
from .normalize import normalize, tokenize
from .result import TriageResult
from .routing import RoutingCache, RoutingError, load_routing
from .rules import default_route
from .taxonomy import PLACE_TYPES, REPORTER_TYPES, ROUTES, THEMES, URGENCIES

__all__ = [
    "PLACE_TYPES",
    "REPORTER_TYPES",
    "ROUTES",
    "THEMES",
    "URGENCIES",
    "ReportError",
    "RoutingError",
    "TriageResult",
    "classify",
    "classify_many",
    "detect_language",
    "get_engine",
    "load_routing",
    "model_version",
    "route_for",
]

_engine: TriageEngine | None = None
_engine_lock = threading.Lock()
_routing = RoutingCache()
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False

PathLike = str | os.PathLike[str]


def get_engine() -> TriageEngine:
    """The shared classifier, loaded once (thread-safe) on first use."""
    global _engine
    engine = _engine
    if engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = TriageEngine.load()
                # The lexicon and model are tens of thousands of long-lived
                # objects; moving them out of the garbage collector's sight
                # keeps every later collection cheap (about 20% faster).
                gc.freeze()
            engine = _engine
    return engine


def classify(report: Mapping[str, Any], routing_file: PathLike | None = None) -> TriageResult:
    """Classify one report: {"text": ..., "reporter_type", "place_type", "has_attachments"}.

    Raises ReportError when there is no text, RoutingError for a bad routing file.
    """
    engine = _engine if _engine is not None else get_engine()
    routing = _routing.get(routing_file)
    _gc_pause()
    try:
        return engine.classify_one(report, routing)
    finally:
        _gc_resume()


def classify_many(reports: Iterable[Mapping[str, Any]],
                  routing_file: PathLike | None = None) -> list[TriageResult]:
    """Classify a batch (faster per report than single calls)."""
    engine = get_engine()
    routing = _routing.get(routing_file)
    with _gc_paused():
        return engine.classify_many(list(reports), routing)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reports are classified.

    Classifying creates many short-lived container objects that reference
    counting frees at once (they form no cycles), yet they trigger collections
    that also walk the large per-word caches: about a third of the time.
    Nested and concurrent calls are counted; the collector's previous state
    is restored when the last one ends.
    """
    _gc_pause()
    try:
        yield
    finally:
        _gc_resume()


def _gc_pause() -> None:
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1


def _gc_resume() -> None:
    global _gc_depth
    with _gc_lock:
        _gc_depth -= 1
        if _gc_depth == 0 and _gc_was_enabled:
            gc.enable()


def route_for(theme: str, routing_file: PathLike | None = None, *, text: str = "") -> str:
    """Default route for `theme` under the (possibly overridden) routing table.

    Used by the back office when staff change the theme. `text` only matters
    for themes split between partners (fraude: belastingdienst for tax and
    invoices, gemeente_sociaal otherwise). RIEC escalation is not applied:
    that is a judgement on the whole report, which staff make themselves.
    """
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}")
    table = _routing.get(routing_file)
    if theme in table.split and text:
        evidence = Evidence.from_scan(get_engine().lexicon.scan(tokenize(normalize(text))))
    else:
        evidence = _NO_EVIDENCE
    return default_route(theme, evidence, table)[0]


def model_version() -> str:
    return get_engine().version


_NO_EVIDENCE = Evidence.empty()
