"""Routing tables: the default from `data/routing.json`, merged with an
optional municipal override file.

Routing is data so that a municipality can send, say, `vastgoed` to its own
handhaving team without a code change. The override file has the same shape
as the default and only needs the keys it changes:

    {"themes": {"vastgoed": "gemeente_handhaving"}, "escalate_to_riec": false}

`themes` and `split` are merged per theme; every other key replaces the
default. Every code is checked against `taxonomy.py` so that a typo fails
loudly at load time instead of silently sending reports nowhere.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .taxonomy import ROUTES, THEMES

DEFAULT_ROUTING_FILE = Path(__file__).parent / "data" / "routing.json"

_KNOWN_KEYS = {
    "version", "description", "themes", "split", "escalate_to_riec",
    "escalate_from", "acute_route", "fixed_themes",
}


class RoutingError(ValueError):
    """The routing (override) file is missing, unreadable or uses unknown codes."""


@dataclass(frozen=True)
class RoutingTable:
    themes: dict[str, str]  # theme -> default route
    split: dict[str, tuple[str, ...]]  # theme -> candidate routes chosen by [route X] cues
    escalate_to_riec: bool
    escalate_from: frozenset[str]  # default routes that RIEC escalation may replace
    acute_route: str | None  # where acute reports go first (None: no override)
    fixed_themes: frozenset[str]  # themes whose route nothing may change
    source: str  # file(s) this table came from, for error messages and explanations


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RoutingError(f"routing file not found: {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RoutingError(f"routing file {path} is not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RoutingError(f"routing file {path} must contain a JSON object")
    return data


def _check_theme(theme: Any, where: str) -> str:
    if theme not in THEMES:
        raise RoutingError(f"{where}: unknown theme {theme!r}; known themes: {', '.join(THEMES)}")
    return theme


def _check_route(route: Any, where: str) -> str:
    if route not in ROUTES:
        raise RoutingError(f"{where}: unknown route {route!r}; known routes: {', '.join(ROUTES)}")
    return route


def _merge(base: dict[str, Any], override: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(override) - _KNOWN_KEYS)
    if unknown:
        raise RoutingError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(_KNOWN_KEYS)}")
    merged = dict(base)
    for key, value in override.items():
        if key in ("themes", "split"):
            if not isinstance(value, dict):
                raise RoutingError(f"{where}: '{key}' must be an object")
            merged[key] = {**base.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


def _build(data: dict[str, Any], where: str) -> RoutingTable:
    themes_raw = data.get("themes")
    if not isinstance(themes_raw, dict):
        raise RoutingError(f"{where}: 'themes' must be an object mapping theme -> route")
    themes = {
        _check_theme(t, where): _check_route(r, f"{where}: theme {t!r}")
        for t, r in themes_raw.items()
    }
    missing = [t for t in THEMES if t not in themes]
    if missing:
        raise RoutingError(f"{where}: no route for theme(s) {missing}")

    split: dict[str, tuple[str, ...]] = {}
    for theme, routes in (data.get("split") or {}).items():
        _check_theme(theme, f"{where}: split")
        if routes is None:  # an override may switch a split off with null
            continue
        if not isinstance(routes, list) or not routes:
            raise RoutingError(f"{where}: split for {theme!r} must be a non-empty list of routes")
        split[theme] = tuple(_check_route(r, f"{where}: split {theme!r}") for r in routes)

    escalate = data.get("escalate_to_riec", True)
    if not isinstance(escalate, bool):
        raise RoutingError(f"{where}: 'escalate_to_riec' must be true or false")
    escalate_from = data.get("escalate_from", [])
    if not isinstance(escalate_from, list):
        raise RoutingError(f"{where}: 'escalate_from' must be a list of routes")
    acute = data.get("acute_route", "politie")
    if acute is not None:
        _check_route(acute, f"{where}: acute_route")
    fixed = data.get("fixed_themes", [])
    if not isinstance(fixed, list):
        raise RoutingError(f"{where}: 'fixed_themes' must be a list of themes")
    return RoutingTable(
        themes=themes,
        split=split,
        escalate_to_riec=escalate,
        escalate_from=frozenset(_check_route(r, f"{where}: escalate_from") for r in escalate_from),
        acute_route=acute,
        fixed_themes=frozenset(_check_theme(t, f"{where}: fixed_themes") for t in fixed),
        source=where,
    )


def load_routing(override_file: str | os.PathLike[str] | None = None) -> RoutingTable:
    """Read the default table and merge `override_file` (if given) over it."""
    if override_file is not None and str(override_file) != "":
        path = Path(override_file)
        return build_routing((str(path), _read_json(path)))
    return build_routing()


def build_routing(*layers: tuple[str, Mapping[str, Any]]) -> RoutingTable:
    """The packaged default with each `(name, override)` layer merged over it, in order.

    This is how an application builds its table from several sources (say a
    municipality's override file, then settings kept in its database) without
    writing a file: the result is a value it can cache and pass to `classify`.
    """
    data = _default_data()
    where = DEFAULT_ROUTING_FILE.name
    for name, layer in layers:
        data = _merge(data, dict(layer), name)
        where = f"{where} + {name}"
    return _build(data, where)


_DEFAULT_DATA: dict[str, Any] | None = None


def _default_data() -> dict[str, Any]:
    global _DEFAULT_DATA
    if _DEFAULT_DATA is None:
        _DEFAULT_DATA = _read_json(DEFAULT_ROUTING_FILE)
    return json.loads(json.dumps(_DEFAULT_DATA))  # a deep copy: layers must not change the cache


class RoutingCache:
    """Thread-safe cache of routing tables, keyed by file and modification time.

    The web app passes the same override path on every call; re-reading it each
    time would be wasteful, but an edited file must take effect without a
    restart, hence the mtime in the key.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[tuple[str, int], RoutingTable] = {}

    def get(self, override_file: str | os.PathLike[str] | None) -> RoutingTable:
        if override_file is None or str(override_file) == "":
            key = ("", 0)
        else:
            path = Path(override_file)
            try:
                mtime = path.stat().st_mtime_ns
            except OSError as exc:
                raise RoutingError(f"routing file not found: {path}") from exc
            key = (str(path.resolve()), mtime)
        table = self._tables.get(key)
        if table is None:
            with self._lock:
                table = self._tables.get(key)
                if table is None:
                    table = load_routing(override_file)
                    self._tables[key] = table
        return table
