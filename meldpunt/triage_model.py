"""The triage model the app classifies with: the promoted one from the database, else the packaged one.

``flask triage-retrain`` (meldpunt/casework/retrain.py) stores every candidate in
``triage_model`` and, when it is promoted, points the one row of
``triage_model_active`` at it, in the same transaction. The model file lives in
the database, so every app node loads the same version without a shared disk.

Every process caches the loaded engine under the active row's ``model_id``: one
small query per classification tells whether a promotion (or a return to an
earlier version) happened on any machine, and only then is the file loaded again.
With no active row the packaged model (``triage/data/model.npz``) is used, as before.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy import select

import triage
from meldpunt.extensions import db
from meldpunt.models import ActiveTriageModel, TriageModel, utcnow
from triage.engine import DEFAULT_LEXICON_FILE, TriageEngine

_ACTIVE_ID = 1
log = logging.getLogger(__name__)


@functools.cache
def _packaged_lexicon_sha256() -> str:
    return hashlib.sha256(DEFAULT_LEXICON_FILE.read_bytes()).hexdigest()


@dataclass
class _Cache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    model_id: int | None = None
    engine: TriageEngine | None = None


def init_app(app: Flask) -> None:
    app.extensions["triage_model"] = _Cache()


# Built once: this query runs for every report the intake classifies.
_ACTIVE_QUERY = select(ActiveTriageModel.model_id).where(ActiveTriageModel.id == _ACTIVE_ID)


def active_model_id() -> int | None:
    """The id of the promoted model in use, or None for the packaged model."""
    return db.session.scalar(_ACTIVE_QUERY)


def engine_from_bytes(artifact: bytes) -> TriageEngine:
    """A triage engine for a stored model file (the packaged lexicon, the stored weights).

    The file is loaded with ``allow_pickle=False`` (triage/model.py): reading it can
    never run code. It passes through a private temporary file that is removed at once.
    """
    handle, path = tempfile.mkstemp(suffix=".npz", prefix="triage-model-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(artifact)
        return TriageEngine.load(model_file=path)
    finally:
        os.unlink(path)


def current_engine() -> TriageEngine:
    """The engine for the active model; the packaged one when none was promoted."""
    return _engine_for(active_model_id())


def _engine_for(model_id: int | None) -> TriageEngine:
    if model_id is None:
        return triage.get_engine()
    cache: _Cache = current_app.extensions["triage_model"]
    with cache.lock:
        if cache.model_id == model_id and cache.engine is not None:
            return cache.engine
    artifact = db.session.scalar(select(TriageModel.artifact).where(TriageModel.id == model_id))
    if not artifact:
        raise triage.ReportError(f"triage model {model_id} has no stored file")
    engine = engine_from_bytes(artifact)
    if engine.model.meta.get("lexicon_sha256") != _packaged_lexicon_sha256():
        # The app was upgraded with a new lexicon since this model was trained: its
        # features no longer line up. The packaged model (built with that lexicon) is used
        # until a new candidate is trained and promoted.
        log.warning("promoted triage model %s was trained with another lexicon; using the packaged model",
                    engine.version)
        engine = triage.get_engine()
    with cache.lock:
        cache.model_id, cache.engine = model_id, engine
    return engine


def current_version() -> str:
    return current_engine().version


_UNKNOWN = object()


def active_model_query():
    """``active_model_id()`` as a scalar subquery, to read it together with other values."""
    return _ACTIVE_QUERY.scalar_subquery()


def classify(
    report: Mapping[str, Any], routing: triage.RoutingTable, model_id: int | None | object = _UNKNOWN
) -> triage.TriageResult:
    """``triage.classify`` with the active model; the result carries that model's version.

    ``model_id``: the active model's id when the caller has just read it (None: the
    packaged model); otherwise it is read here.
    """
    if model_id is _UNKNOWN:
        model_id = active_model_id()
    if model_id is None:
        return triage.classify(report, routing=routing)
    return _engine_for(cast(int, model_id)).classify_one(report, routing)


def activate(model: TriageModel | None) -> None:
    """Point the app at ``model`` (None: the packaged model); the caller's transaction commits."""
    row = db.session.get(ActiveTriageModel, _ACTIVE_ID, with_for_update=True)
    if row is None:
        row = ActiveTriageModel(id=_ACTIVE_ID)
        db.session.add(row)
    row.model_id = None if model is None else model.id
    row.changed_at = utcnow()
    db.session.flush()
