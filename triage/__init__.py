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

import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from .engine import ReportError, TriageEngine
from .evidence import Evidence
from .language import detect_language
from .normalize import normalize, tokenize
from .result import TriageResult
from .routing import RoutingCache, RoutingError, RoutingTable, build_routing, load_routing
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
    "RoutingTable",
    "TriageResult",
    "build_routing",
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

PathLike = str | os.PathLike[str]


def get_engine() -> TriageEngine:
    """The shared classifier, loaded once (thread-safe) on first use."""
    global _engine
    engine = _engine
    if engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = TriageEngine.load()
            engine = _engine
    return engine


def _table(routing: RoutingTable | None, routing_file: PathLike | None) -> RoutingTable:
    """The routing table to use: a table passed as a value wins; a file path is
    read (and cached by modification time) for the command line; neither means
    the packaged default."""
    if routing is not None:
        return routing
    return _routing.get(routing_file)


def classify(report: Mapping[str, Any], routing: RoutingTable | None = None, *,
             routing_file: PathLike | None = None) -> TriageResult:
    """Classify one report: {"text": ..., "reporter_type", "place_type", "has_attachments",
    "danger_now", "ongoing"}.

    `danger_now` (optional: True / False / absent) is the reporter's answer to
    "Is er nu iemand in gevaar?": True makes the report acuut, False never
    lowers. `ongoing` (optional: "ja" / "nee" / "onbekend") is the form's "nog
    gaande?" answer; "ja" makes ongoing exploitation, production or extortion
    at least hoog. Only `text` is required.

    `routing` is a table from `build_routing`/`load_routing` (None: the packaged
    default). Raises ReportError when there is no text, RoutingError for a bad
    routing file.
    """
    engine = _engine if _engine is not None else get_engine()
    return engine.classify_one(report, _table(routing, routing_file))


def classify_many(reports: Iterable[Mapping[str, Any]], routing: RoutingTable | None = None, *,
                  routing_file: PathLike | None = None) -> list[TriageResult]:
    """Classify a batch (faster per report than single calls)."""
    engine = get_engine()
    return engine.classify_many(list(reports), _table(routing, routing_file))


def route_for(theme: str, routing: RoutingTable | None = None, *, text: str = "",
              routing_file: PathLike | None = None) -> str:
    """Default route for `theme` under the (possibly overridden) routing table.

    Used by the back office when staff change the theme. `text` only matters
    for themes split between partners (fraude: belastingdienst for tax and
    invoices, gemeente_sociaal otherwise). RIEC escalation is not applied:
    that is a judgement on the whole report, which staff make themselves.
    """
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}")
    table = _table(routing, routing_file)
    if theme in table.split and text:
        evidence = Evidence.from_scan(get_engine().lexicon.scan(tokenize(normalize(text))))
    else:
        evidence = _NO_EVIDENCE
    return default_route(theme, evidence, table)[0]


def model_version() -> str:
    return get_engine().version


_NO_EVIDENCE = Evidence.empty()
