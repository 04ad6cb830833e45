"""The routing table the app passes to ``triage``: a value, built and cached, never a file.

Which setting counts, highest first:

1. the database: a theme's route as a coordinator set it on ``/beheer/routering``
   (``RoutingThemeSetting``; saved and audited by ``meldpunt/casework/routing_settings.py``);
2. the municipality's routing file ``MELDPUNT_ROUTING_FILE``;
3. the packaged default ``triage/data/routing.json``.

``triage.build_routing`` merges those layers into a ``RoutingTable``. Every app (one
per worker process) caches the table it built under the routing settings version
kept in the database (table ``routing_version``, bumped in the same transaction as
every settings change) and the routing file's size and modification time. A change
saved by any worker on any machine therefore counts from every worker's next
request, and an edited routing file from the next request too; nothing is written
to disk and no directory has to be shared for routing.

The themes the contract fixes (shared/taxonomy.md) and the routing file's
``fixed_themes`` are never taken from the database.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

import triage
from meldpunt.extensions import db
from meldpunt.models import RoutingThemeSetting, RoutingVersion
from triage.routing import RoutingTable

# Themes whose route the contract fixes, and the route each must keep.
LOCKED_THEMES = {"integriteit": "integriteit", "geen_ondermijning": "doorverwijzen"}
DATABASE_LAYER = "database (/beheer/routering)"
_VERSION_ID = 1


@dataclass
class _Cache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    key: tuple[Any, ...] | None = None
    table: RoutingTable | None = None


def init_app(app: Flask) -> None:
    """Give the app its (empty) routing table cache."""
    app.extensions["routing"] = _Cache()


def source_file() -> str | None:
    """The routing file the municipality configured (``MELDPUNT_ROUTING_FILE``), if any."""
    return current_app.config.get("ROUTING_FILE") or None


def read_source(path: str) -> dict[str, Any]:
    """The routing file's content as one layer for ``triage.build_routing``; RoutingError when unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise triage.RoutingError(f"routing file {path} is not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise triage.RoutingError(f"routing file {path} must contain a JSON object")
    return data


def configured_table() -> RoutingTable:
    """The routing file over the packaged default, without the database settings."""
    source = source_file()
    return triage.build_routing((source, read_source(source))) if source else triage.build_routing()


def database_themes() -> dict[str, str]:
    """The theme routes set on the routing page (any theme; ``build`` leaves out the fixed ones)."""
    return {row.theme: row.route for row in db.session.scalars(select(RoutingThemeSetting))}


def build(themes: Mapping[str, str] | None = None) -> RoutingTable:
    """The table from the database settings (``themes``, default: as stored), the file and the default."""
    source = source_file()
    layers: list[tuple[str, Mapping[str, Any]]] = [(source, read_source(source))] if source else []
    configured = triage.build_routing(*layers)
    wanted = database_themes() if themes is None else themes
    own = {
        theme: route
        for theme, route in wanted.items()
        if theme not in LOCKED_THEMES and theme not in configured.fixed_themes
    }
    if not own:
        return configured
    return triage.build_routing(*layers, (DATABASE_LAYER, {"themes": own}))


def version() -> int:
    """The routing settings version (0 before the first change on a database without the row)."""
    return db.session.scalar(select(RoutingVersion.version).where(RoutingVersion.id == _VERSION_ID)) or 0


def bump_version() -> None:
    """Count a settings change; call it in the transaction that makes the change."""
    row = db.session.get(RoutingVersion, _VERSION_ID, with_for_update=True)
    if row is None:
        db.session.add(RoutingVersion(id=_VERSION_ID, version=1))
    else:
        row.version += 1
    db.session.flush()


def _file_stamp(source: str | None) -> tuple[int, int] | None:
    if not source:
        return None
    try:
        stat = Path(source).stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def version_query():
    """``version()`` as a scalar subquery, for callers that read it together with other values."""
    return select(RoutingVersion.version).where(RoutingVersion.id == _VERSION_ID).scalar_subquery()


def current_table(known_version: int | None = None) -> RoutingTable:
    """The table for ``triage.classify``; rebuilt only when the settings version or the file changed.

    ``known_version``: the settings version when the caller has just read it (the intake
    reads it in one query with the active triage model); otherwise it is read here.
    Raises ``triage.RoutingError`` for a broken routing file (the intake then stores
    the report with its safe fallback, as it always did).
    """
    source = source_file()
    key = (version() if known_version is None else known_version, source, _file_stamp(source))
    cache: _Cache = current_app.extensions["routing"]
    with cache.lock:
        if cache.key == key and cache.table is not None:
            return cache.table
    table = build()
    with cache.lock:
        cache.key, cache.table = key, table
    return table
