"""Learning from staff, safely: ``flask triage-retrain``.

1. Take the newest staff decision per report (``triage_decisions.training_rows``,
   the same lines ``export-training`` writes) and hold out the newest of them.
2. Train a candidate on the corpus plus the older decisions
   (``triage.training.train(extra=..., out=...)``, deterministic).
3. Measure the candidate and the model in use on (a) the frozen evaluation set
   (``TRIAGE_FROZEN_SET``; by default ``triage/data/blind6/*.jsonl``, whose paths are
   handed to the triage's evaluation code and whose contents this module never
   looks at or shows: only aggregate figures come back) and (b) the held-out
   decisions, which the candidate never saw.
4. Promote only when, on both sets, ``acuut`` recall does not drop and theme and
   route accuracy do not fall; otherwise keep the model in use and say why.

Every candidate is stored in ``triage_model`` with its figures and reasons (the file
only when promoted: see models.TriageModel); a promotion points
``triage_model_active`` at it in the same transaction, with an audit event, so every
app node classifies with it from its next report (meldpunt/triage_model.py).

The model in use may have been trained on some of the decisions held out now; that
can only make it look better than it is, so the comparison errs on the side of
keeping it.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

import triage
from meldpunt import routing, triage_model
from meldpunt.casework import triage_decisions
from meldpunt.extensions import db
from meldpunt.models import StaffUser, TriageModel
from meldpunt.staff import audit
from meldpunt.transactions import unit_of_work
from triage.corpus import Example, expand, load_examples, parse_example, training_files
from triage.engine import TriageEngine
from triage.evaluation import evaluate

PROMOTE_ACTION = "triage.model_promote"
REFUSE_ACTION = "triage.model_refuse"
DEFAULT_FROZEN_SET = Path(triage.__file__).parent / "data" / "blind6" / "*.jsonl"
HOLDOUT_SHARE = 0.2
MIN_HOLDOUT = 5
SETS = ("frozen", "holdout")
# Compared in this order; a candidate must be at least as good on each.
METRICS = ("acute_recall", "theme_accuracy", "route_accuracy")


class RetrainError(RuntimeError):
    """Retraining cannot start (no decisions, no frozen set); nothing was stored."""


@dataclass(frozen=True)
class Outcome:
    model_id: int
    version: str
    compared_with: str
    promoted: bool
    metrics: dict[str, Any]
    reasons: list[dict[str, Any]]
    trained_on: dict[str, int]


def frozen_set_pattern() -> str:
    """Where the frozen set is looked for: the configured glob, else the packaged blind6 set."""
    return current_app.config.get("TRIAGE_FROZEN_SET") or str(DEFAULT_FROZEN_SET)


def frozen_set_paths() -> list[Path]:
    """The frozen evaluation files (paths only: their contents are for the evaluation code).

    Empty when nothing matches (e.g. a checkout without ``triage/data/blind6/``): the
    retraining then stops with a message naming the pattern instead of comparing on nothing.
    """
    try:
        return expand([frozen_set_pattern()])
    except Exception:
        return []


def split_decisions(rows: Sequence[dict], share: float, min_holdout: int) -> tuple[list[dict], list[dict]]:
    """(to train on, held out): the newest decisions are held out, at least ``min_holdout``."""
    held = max(min_holdout, math.ceil(share * len(rows)))
    if len(rows) <= held:
        raise RetrainError(
            f"{len(rows)} staff decisions: at least {held + 1} are needed "
            f"({held} held out for the comparison, the rest to learn from)"
        )
    return list(rows[:-held]), list(rows[-held:])


def measure(engine: TriageEngine, examples: Sequence[Example], table: triage.RoutingTable) -> dict[str, Any]:
    """Aggregate figures of one model on one set: numbers only, never a text."""
    results = engine.classify_many([e.report() for e in examples], table)
    report = evaluate(examples, results)
    return {
        "n": report.n,
        "theme_accuracy": report.theme_accuracy,
        "route_accuracy": report.route_accuracy,
        "acute_recall": report.acute_recall,
        "acute_precision": report.acute_precision,
        "acute_support": report.acute_support,
    }


def compare(metrics: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every comparison the decision rests on; ``ok`` False for each one that refuses promotion."""
    checks = []
    for name in SETS:
        candidate, current = metrics[name]["candidate"], metrics[name]["current"]
        for metric in METRICS:
            new, old = candidate.get(metric), current.get(metric)
            if new is None or old is None:
                continue  # not measurable on this set (e.g. no acute report held out)
            checks.append({"set": name, "metric": metric, "candidate": new, "current": old,
                           "ok": new >= old - 1e-12})
    return checks


def _write_lines(rows: Sequence[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


@unit_of_work
def retrain(
    actor: str,
    *,
    holdout_share: float = HOLDOUT_SHARE,
    min_holdout: int = MIN_HOLDOUT,
    corpus: Sequence[str | Path] | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> Outcome:
    """Train, compare, and promote or keep; stores the candidate's record either way (audited)."""
    try:
        from triage import training
    except ImportError as exc:  # pragma: no cover - scikit-learn is a training extra
        raise RetrainError("training needs scikit-learn: pip install -e '.[dev]'") from exc

    frozen_paths = frozen_set_paths()
    if not frozen_paths:
        raise RetrainError(f"no frozen evaluation set found at {frozen_set_pattern()} "
                           "(set MELDPUNT_TRIAGE_FROZEN_SET); nothing was trained")
    rows = list(triage_decisions.training_rows())
    if not rows:
        raise RetrainError("there are no staff decisions to learn from yet")
    train_rows, held_rows = split_decisions(rows, holdout_share, min_holdout)
    current = triage_model.current_engine()
    # Nothing is written yet: end the read transaction rather than hold it through the training.
    db.session.rollback()

    with tempfile.TemporaryDirectory(prefix="triage-retrain-") as work:
        decisions_file = Path(work) / "staff_decisions.jsonl"
        _write_lines(train_rows, decisions_file)
        candidate_file = Path(work) / "candidate.npz"
        training.train(extra=[decisions_file], out=candidate_file, corpus=corpus, log=log)
        artifact = candidate_file.read_bytes()
    candidate = triage_model.engine_from_bytes(artifact)

    held_out = [parse_example(row, f"held-out:{i}") for i, row in enumerate(held_rows, start=1)]
    frozen = load_examples(frozen_paths)
    default_table = triage.load_routing()
    local_table = routing.current_table()
    metrics: dict[str, Any] = {
        "frozen": {"candidate": measure(candidate, frozen, default_table),
                   "current": measure(current, frozen, default_table)},
        # Staff decided these under the municipality's own routing.
        "holdout": {"candidate": measure(candidate, held_out, local_table),
                    "current": measure(current, held_out, local_table)},
    }
    checks = compare(metrics)
    metrics["checks"] = checks
    reasons = [c for c in checks if not c["ok"]]
    if candidate.version == current.version:
        reasons.insert(0, {"code": "same_version"})
    promoted = not reasons
    trained_on = {
        "corpus_files": len(corpus) if corpus is not None else len(training_files()),
        "decisions_trained": len(train_rows),
        "decisions_held_out": len(held_rows),
        "frozen_files": len(frozen_paths),
    }
    model = TriageModel(
        version=candidate.version,
        compared_with=current.version,
        promoted=promoted,
        actor=actor,
        trained_on=trained_on,
        metrics=metrics,
        reasons=reasons,
    )
    if promoted:
        model.artifact = artifact
        model.artifact_sha256 = hashlib.sha256(artifact).hexdigest()
        model.artifact_size = len(artifact)
    db.session.add(model)
    db.session.flush()
    if promoted:
        triage_model.activate(model)
    audit.record(
        PROMOTE_ACTION if promoted else REFUSE_ACTION,
        actor,
        "triage_model",
        model.id,
        {
            "version": model.version,
            "compared_with": model.compared_with,
            "reasons": [r.get("code") or f"{r['set']}.{r['metric']}" for r in reasons],
            **trained_on,
        },
    )
    db.session.commit()
    return Outcome(model.id, model.version, model.compared_with, promoted, metrics, reasons, trained_on)


def last_comparison() -> TriageModel | None:
    return db.session.scalar(select(TriageModel).order_by(TriageModel.id.desc()).limit(1))


def history(limit: int = 20) -> list[TriageModel]:
    return list(db.session.scalars(select(TriageModel).order_by(TriageModel.id.desc()).limit(limit)))


RESTORE_ACTION = "triage.model_restore"


@unit_of_work
def restore(model_id: int | None, staff: StaffUser) -> str:
    """Classify with an earlier promoted model again (None: the packaged model); audited.

    Only a model that once passed its comparison (and so has its file) can come back;
    a refused candidate never can. Returns the version now in use.
    """
    previous = triage_model.current_version()
    model = None
    if model_id is not None:
        model = db.session.get(TriageModel, model_id)
        if model is None or not model.promoted or model.artifact_size is None:
            raise RetrainError("only a model that was promoted before can be used again")
    triage_model.activate(model)
    version = model.version if model is not None else triage.get_engine().version
    audit.record(RESTORE_ACTION, staff, "triage_model", model_id,
                 {"version": version, "previous": previous})
    db.session.commit()
    return version
