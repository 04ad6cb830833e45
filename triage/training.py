"""Training: rebuild `data/model.npz` deterministically from the corpus.

Only this module imports scikit-learn and scipy; classifying never does.

Determinism: files are read in sorted order, folds are assigned by sorting
(no random numbers), the solver is deterministic and the artifact is written
with fixed zip timestamps, so the same corpus and lexicon give the same bytes.

Decision thresholds are fitted on out-of-fold predictions over the training
corpus (every example is predicted by a model that did not see it). The dev
set is never read here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .corpus import Example, load_examples, training_files
from .engine import DEFAULT_LEXICON_FILE, Prepared, TriageEngine, prepare
from .evidence import feature_names
from .features import CHAR_MAX, CHAR_MIN, Featurizer
from .lexicon import Lexicon, load_lexicon
from .model import DEFAULT_MODEL_FILE, LinearModel, softmax
from .routing import RoutingTable, load_routing
from .rules import (
    SCOPE_CLASSES,
    Thresholds,
    choose_theme,
    compose_scope,
    decide_urgency,
    default_route,
    escalation_reasons,
    secondary_themes,
)
from .taxonomy import THEMES, URGENCIES

TRAINER_VERSION = "2"
CODE_FILES = ("training.py", "features.py", "evidence.py", "lexicon.py", "normalize.py",
              "rules.py")
ACUTE_MIN_PRECISION = 0.75  # out-of-fold; the target on unseen reports is 0.70


@dataclass(frozen=True)
class Params:
    c_theme: float = 1.0  # chosen by leave-one-source-out (triage crossval), not by dev
    c_urgency: float = 0.3
    c_riec: float = 0.3
    min_df: int = 5  # 3 -> 4 -> 5: neutral on leave-one-source-out, a smaller model loads faster
    lex_scale: float = 0.15  # 0.25 -> 0.15 (third round): better for unseen writers on leave-one-source-out
    folds: int = 5
    max_iter: int = 5000
    # 1: one model feature per lexicon concept line (as well as per section);
    # 0: section-level lexicon features only (theme scores, signal families...).
    concept_lines: int = 1
    # 1: a separate in/out-of-scope head may add `geen_ondermijning` decisions
    # (rules.choose_theme), at a threshold tuned out-of-fold (tune_scope)
    c_scope: float = 0.3
    scope_head: int = 1
    # the out-of-scope threshold keeps at least this out-of-fold precision, so
    # the decision does not eat true reports
    scope_min_precision: float = 0.8
    # the acute threshold: the highest out-of-fold recall whose out-of-fold
    # precision stays at or above this
    acute_min_precision: float = ACUTE_MIN_PRECISION


@dataclass
class OutOfFold:
    """Out-of-fold probabilities (after temperature scaling) per head."""

    theme: np.ndarray  # (n, len(THEMES))
    urgency: np.ndarray  # (n, len(URGENCIES))
    riec: np.ndarray  # (n,) probability of escalation
    temperatures: dict[str, float] = field(default_factory=dict)
    scope: np.ndarray | None = None  # (n,) probability of out of scope (scope head)


def _matrix(featurizer: Featurizer, prepared: Sequence[Prepared]):
    from scipy.sparse import csr_matrix

    rows = featurizer.transform_many([(p.words, p.meta, p.evidence.features())
                                      for p in prepared])
    return csr_matrix((rows.values, (rows.doc, rows.idx)),
                      shape=(len(prepared), featurizer.n_features))


def _linear_svm(c: float, params: Params):
    # A linear SVM trains in about a second on this corpus (a logistic
    # regression takes a minute) and is as accurate here; its scores are
    # turned into probabilities with a temperature fitted out-of-fold.
    from sklearn.svm import LinearSVC

    # liblinear visits the examples in random order: a fixed seed makes the
    # weights, and so the artifact, reproducible.
    return LinearSVC(C=c, class_weight="balanced", max_iter=params.max_iter, tol=1e-5,
                     random_state=0)


def _full_weights(clf, classes: Sequence, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights for every class, also classes absent from this training set
    (they get a very negative bias so they are never predicted)."""
    weights = np.zeros((n_features, len(classes)), dtype=np.float64)
    bias = np.full(len(classes), -30.0)
    learned = list(clf.classes_)
    coef, intercept = clf.coef_, clf.intercept_
    if len(learned) == 2 and coef.shape[0] == 1:  # binary: sklearn keeps one row
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    for row, label in enumerate(learned):
        col = list(classes).index(label)
        weights[:, col] = coef[row]
        bias[col] = intercept[row]
    return weights, bias


def fit_temperature(scores: np.ndarray, gold: Sequence[int]) -> float:
    """The scale a for which softmax(a * scores) has the lowest log-loss."""
    best, best_loss = 1.0, float("inf")
    rows = np.arange(len(gold))
    for a in np.exp(np.linspace(np.log(0.25), np.log(40.0), 60)):
        p = softmax(a * scores)
        loss = -np.mean(np.log(np.clip(p[rows, gold], 1e-12, 1.0)))
        if loss < best_loss - 1e-12:
            best, best_loss = float(a), float(loss)
    return best


def escalation_label(example: Example, prepared: Prepared, routing: RoutingTable) -> int | None:
    """1/0 when the example teaches the RIEC escalation (its default route is
    one that escalation may replace), None when it is irrelevant."""
    if example.route is None or example.urgency == "acuut":
        return None
    if example.theme in routing.fixed_themes:
        return None
    base, _ = default_route(example.theme, prepared.evidence, routing)
    if base not in routing.escalate_from:
        return None
    return 1 if example.route == "riec" else 0


def lexicon_features(lexicon: Lexicon, params: Params) -> list[str]:
    names = feature_names(lexicon)
    if params.concept_lines:
        return names
    lines = {p.concept for p in lexicon.patterns}
    return [n for n in names if n not in lines]


def fit(examples: Sequence[Example], prepared: Sequence[Prepared], lexicon: Lexicon,
        routing: RoutingTable, params: Params, meta: dict | None = None) -> LinearModel:
    featurizer = Featurizer.fit(((p.words, p.meta) for p in prepared),
                                lexicon_features(lexicon, params), min_df=params.min_df,
                                lex_scale=params.lex_scale)
    x = _matrix(featurizer, prepared)
    heads: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}

    theme_clf = _linear_svm(params.c_theme, params)
    theme_clf.fit(x, [e.theme for e in examples])
    heads["theme"] = (list(THEMES), *_full_weights(theme_clf, THEMES, featurizer.n_features))

    if params.scope_head:
        # Out of scope against everything else, as its own decision: one
        # class among 17 gets too little say, and a harmless report in any
        # language shares more with other harmless reports than with a theme.
        out = [int(e.theme == "geen_ondermijning") for e in examples]
        if 0 < sum(out) < len(out):
            scope_clf = _linear_svm(params.c_scope, params)
            scope_clf.fit(x, out)
            heads["scope"] = (list(SCOPE_CLASSES), *_full_weights(scope_clf, [0, 1],
                                                                  featurizer.n_features))

    rows = [i for i, e in enumerate(examples) if e.urgency is not None]
    urgency_clf = _linear_svm(params.c_urgency, params)
    urgency_clf.fit(x[rows], [examples[i].urgency for i in rows])
    heads["urgency"] = (list(URGENCIES), *_full_weights(urgency_clf, URGENCIES,
                                                        featurizer.n_features))

    labels = [(i, escalation_label(e, p, routing)) for i, (e, p) in
              enumerate(zip(examples, prepared, strict=True))]
    labelled = [(i, y) for i, y in labels if y is not None]
    positives = sum(y for _, y in labelled)
    if positives >= 5 and len(labelled) - positives >= 5:
        riec_clf = _linear_svm(params.c_riec, params)
        riec_clf.fit(x[[i for i, _ in labelled]], [y for _, y in labelled])
        heads["riec"] = (["nee", "ja"], *_full_weights(riec_clf, [0, 1], featurizer.n_features))
    return LinearModel(featurizer, heads, meta or {})


def fold_of(examples: Sequence[Example], folds: int) -> list[int]:
    """Stratified, deterministic folds: within each theme, round-robin by id."""
    order = sorted(range(len(examples)), key=lambda i: (examples[i].theme, examples[i].id,
                                                         examples[i].text))
    assignment = [0] * len(examples)
    counters: dict[str, int] = {}
    for i in order:
        theme = examples[i].theme
        assignment[i] = counters.get(theme, 0) % folds
        counters[theme] = counters.get(theme, 0) + 1
    return assignment


def out_of_fold(examples: Sequence[Example], prepared: Sequence[Prepared], lexicon: Lexicon,
                routing: RoutingTable, params: Params) -> OutOfFold:
    n = len(examples)
    theme = np.zeros((n, len(THEMES)))
    urgency = np.zeros((n, len(URGENCIES)))
    riec = np.zeros((n, 2))
    scope = np.zeros((n, 2))
    folds = fold_of(examples, params.folds)
    for k in range(params.folds):
        train_idx = [i for i in range(n) if folds[i] != k]
        test_idx = [i for i in range(n) if folds[i] == k]
        if not test_idx or not train_idx:
            continue
        model = fit([examples[i] for i in train_idx], [prepared[i] for i in train_idx],
                    lexicon, routing, params)
        engine = TriageEngine(lexicon, model)
        logits = model.logits(engine.featurize([prepared[i] for i in test_idx]))
        theme[test_idx] = logits["theme"]
        urgency[test_idx] = logits["urgency"]
        if "riec" in logits:
            riec[test_idx] = logits["riec"]
        if "scope" in logits:
            scope[test_idx] = logits["scope"]

    temperatures = {
        "theme": fit_temperature(theme, [THEMES.index(e.theme) for e in examples]),
    }
    rows = [i for i, e in enumerate(examples) if e.urgency is not None]
    temperatures["urgency"] = fit_temperature(
        urgency[rows], [URGENCIES.index(examples[i].urgency) for i in rows])
    labelled = [(i, y) for i, e in enumerate(examples)
                if (y := escalation_label(e, prepared[i], routing)) is not None]
    temperatures["riec"] = fit_temperature(riec[[i for i, _ in labelled]],
                                           [y for _, y in labelled]) if labelled else 1.0
    scope_p = None
    if params.scope_head:
        out = [int(e.theme == "geen_ondermijning") for e in examples]
        temperatures["scope"] = fit_temperature(scope, out)
        scope_p = softmax(temperatures["scope"] * scope)[:, 1]
    return OutOfFold(softmax(temperatures["theme"] * theme),
                     softmax(temperatures["urgency"] * urgency),
                     softmax(temperatures["riec"] * riec)[:, 1], temperatures, scope_p)


def apply_temperatures(model: LinearModel, temperatures: dict[str, float]) -> None:
    """Fold the temperatures into the weights: the artifact then needs no extra step."""
    for name, head in model.heads.items():
        a = temperatures.get(name, 1.0)
        cols = slice(head.start, head.start + len(head.classes))
        model.weights[:, cols] *= a
        head.bias = head.bias * a


def tune_scope(examples: Sequence[Example], oof: OutOfFold,
               min_precision: float) -> tuple[float, str]:
    """The out-of-scope threshold with the best out-of-fold theme accuracy
    among those whose `geen_ondermijning` precision stays >= min_precision
    (a true report called out of scope is the costly error)."""
    if oof.scope is None:
        raise ValueError("tune_scope needs out-of-fold scope probabilities")
    n = len(examples)
    probs = [dict(zip(THEMES, oof.theme[i], strict=True)) for i in range(n)]
    # 1.01 = off: the scope head adds nothing unless it helps out-of-fold.
    best_t, best_acc, best_note = 1.01, -1.0, "out_of_scope off"
    for t in [1.01, *(round(float(x), 2) for x in np.arange(0.95, 0.29, -0.05))]:
        chosen = [choose_theme(probs[i], float(oof.scope[i]), float(t)) for i in range(n)]
        right = [c in e.themes_ok for c, e in zip(chosen, examples, strict=True)]
        called = [i for i, c in enumerate(chosen) if c == "geen_ondermijning"]
        precision = sum(right[i] for i in called) / len(called) if called else 1.0
        gold = [i for i, e in enumerate(examples) if e.theme == "geen_ondermijning"]
        recall = sum(right[i] for i in gold) / len(gold) if gold else 1.0
        acc = sum(right) / n
        if (precision >= min_precision or t > 1.0) and acc > best_acc + 1e-9:
            best_t, best_acc = float(t), acc
            best_note = (f"out_of_scope={t:.2f}: oof theme accuracy {acc:.3f}, out-of-scope "
                         f"recall {recall:.3f}, precision {precision:.3f}")
    return best_t, best_note


def tune_thresholds(examples: Sequence[Example], prepared: Sequence[Prepared], oof: OutOfFold,
                    routing: RoutingTable, min_precision: float = Params.scope_min_precision,
                    acute_min_precision: float = ACUTE_MIN_PRECISION
                    ) -> tuple[Thresholds, list[str]]:
    """Pick thresholds on out-of-fold predictions with the real decision
    functions: acute for recall first (a missed acute report is the worst
    error) within a precision floor, escalation by accuracy, review so that
    unreviewed suggestions are right at least 95% of the time."""
    base = Thresholds()
    notes: list[str] = []
    n = len(examples)
    out_of_scope = base.out_of_scope
    if oof.scope is not None:
        out_of_scope, note = tune_scope(examples, oof, min_precision)
        notes.append(note)
    theme_p = [compose_scope(dict(zip(THEMES, oof.theme[i], strict=True)),
                             None if oof.scope is None else float(oof.scope[i]), out_of_scope)
               for i in range(n)]
    themes_pred = [choose_theme(theme_p[i], None if oof.scope is None else float(oof.scope[i]),
                                out_of_scope) for i in range(n)]

    # Acute: the lowest model threshold (= highest recall) whose out-of-fold
    # precision stays at or above ACUTE_MIN_PRECISION.
    gold_acute = [e.urgency == "acuut" for e in examples]
    positives = sum(gold_acute)
    best_acute = 0.9
    acute_note = "acute_model=0.90: no threshold reaches the precision floor"
    for t in np.arange(0.90, 0.04, -0.01):
        th = Thresholds(acute_model=float(t))
        predicted = [decide_urgency(dict(zip(URGENCIES, oof.urgency[i], strict=True)),
                                    prepared[i].evidence, themes_pred[i], th)[0] == "acuut"
                     for i in range(n)]
        tp = sum(p and g for p, g in zip(predicted, gold_acute, strict=True))
        recall = tp / positives if positives else 1.0
        precision = tp / max(1, sum(predicted))
        if precision < acute_min_precision:
            break
        best_acute = float(t)
        acute_note = f"acute_model={t:.2f}: oof recall {recall:.3f}, precision {precision:.3f}"
    notes.append(acute_note)

    labelled = [(i, y) for i, e in enumerate(examples)
                if (y := escalation_label(e, prepared[i], routing)) is not None]
    best_riec, best_acc = base.riec_model, -1.0
    for t in np.arange(0.30, 0.96, 0.05):
        th = Thresholds(riec_model=float(t))
        hits = 0
        for i, y in labelled:
            secondary = secondary_themes(examples[i].theme, theme_p[i], prepared[i].evidence, th)
            escalate = bool(escalation_reasons(examples[i].theme, secondary, prepared[i].evidence,
                                               float(oof.riec[i]), th, routing))
            hits += escalate == bool(y)
        acc = hits / len(labelled) if labelled else 0.0
        if acc > best_acc + 1e-9:
            best_riec, best_acc = float(t), acc
    if labelled:
        notes.append(f"riec_model={best_riec:.2f}: oof escalation accuracy {best_acc:.3f}")

    # Secondary themes: the probability floor with the best out-of-fold F1
    # against the gold secondary themes (shown to staff, and used by the
    # "two themes of different partners" escalation).
    best_secondary, best_f1 = base.secondary_probability, -1.0
    for t in np.arange(0.10, 0.61, 0.05):
        th = Thresholds(secondary_probability=float(t))
        tp = n_pred = n_gold = 0
        for i, e in enumerate(examples):
            chosen = set(secondary_themes(themes_pred[i], theme_p[i], prepared[i].evidence, th))
            gold = set(e.secondary_themes)
            tp += len(chosen & gold)
            n_pred += len(chosen)
            n_gold += len(gold)
        f1 = 2 * tp / (n_pred + n_gold) if n_pred + n_gold else 0.0
        if f1 > best_f1 + 1e-9:
            best_secondary, best_f1 = float(t), f1
    notes.append(f"secondary_probability={best_secondary:.2f}: oof secondary F1 {best_f1:.3f}")

    conf = np.array([theme_p[i][themes_pred[i]] for i in range(n)])
    right = np.array([themes_pred[i] in e.themes_ok for i, e in enumerate(examples)])
    best_review = 0.7
    for t in np.arange(0.30, 0.71, 0.02):
        kept = conf >= t
        if kept.any() and right[kept].mean() >= 0.95:
            best_review = float(t)
            notes.append(f"review_confidence={t:.2f}: oof accuracy above it "
                         f"{right[kept].mean():.3f}, share reviewed {1 - kept.mean():.2f}")
            break
    return Thresholds(acute_model=round(best_acute, 2), riec_model=round(best_riec, 2),
                      review_confidence=round(best_review, 2),
                      secondary_probability=round(best_secondary, 2),
                      conflict_ratio=base.conflict_ratio,
                      out_of_scope=round(out_of_scope, 2)), notes


def oof_theme_accuracy(examples: Sequence[Example], oof: OutOfFold,
                       thresholds: Thresholds | None = None) -> float:
    out_of_scope = (thresholds or Thresholds()).out_of_scope
    right = []
    for i, e in enumerate(examples):
        p_out = None if oof.scope is None else float(oof.scope[i])
        probs = dict(zip(THEMES, oof.theme[i], strict=True))
        right.append(choose_theme(probs, p_out, out_of_scope) in e.themes_ok)
    return float(np.mean(right))


def build(examples: Sequence[Example], prepared: Sequence[Prepared], lexicon: Lexicon,
          routing: RoutingTable, params: Params, meta: dict | None = None) -> LinearModel:
    """The whole recipe of `train` without files: thresholds and temperatures
    from out-of-fold predictions, then the final fit. Cross-validation
    (`triage.crossval`) calls it per held-out group, so every figure it
    reports comes from exactly the procedure that makes the shipped model."""
    oof = out_of_fold(examples, prepared, lexicon, routing, params)
    thresholds, _ = tune_thresholds(examples, prepared, oof, routing, params.scope_min_precision,
                                     params.acute_min_precision)
    model = fit(examples, prepared, lexicon, routing, params,
                {**(meta or {}), "thresholds": thresholds.to_dict()})
    apply_temperatures(model, oof.temperatures)
    return model


def digest(paths: Iterable[Path], extra: bytes = b"") -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode("utf-8"))
        h.update(path.read_bytes())
    h.update(extra)
    return h.hexdigest()


def train(extra: Sequence[str | Path] = (), out: str | Path = DEFAULT_MODEL_FILE,
          corpus: Sequence[str | Path] | None = None, params: Params = Params(),
          lexicon_file: str | Path = DEFAULT_LEXICON_FILE, log=print) -> LinearModel:
    corpus_paths = [Path(p) for p in corpus] if corpus is not None else training_files()
    if not corpus_paths:
        raise FileNotFoundError("no training files (*.jsonl) in the corpus and dev folders")
    extra_paths = [Path(p) for p in extra]
    examples = load_examples([*corpus_paths, *extra_paths])
    lexicon = load_lexicon(lexicon_file)
    routing = load_routing()
    prepared = [prepare(e.report(), lexicon) for e in examples]
    log(f"training on {len(examples)} examples from {len(corpus_paths)} corpus file(s)"
        f" + {len(extra_paths)} extra file(s)")

    oof = out_of_fold(examples, prepared, lexicon, routing, params)
    thresholds, notes = tune_thresholds(examples, prepared, oof, routing, params.scope_min_precision,
                                     params.acute_min_precision)
    right = oof_theme_accuracy(examples, oof, thresholds)
    log(f"out-of-fold theme accuracy on the training corpus: {right:.3f}")
    for note in notes:
        log(f"threshold {note}")

    lexicon_path = Path(lexicon_file)
    config = {"params": params.__dict__, "trainer": TRAINER_VERSION,
              "char_ngrams": [CHAR_MIN, CHAR_MAX]}
    # The version changes with the data, the lexicon, the parameters and the
    # code that shapes features and decisions.
    code = [Path(__file__).with_name(name) for name in CODE_FILES]
    data_digest = digest([*corpus_paths, *extra_paths, lexicon_path, *code],
                         json.dumps(config, sort_keys=True).encode())
    meta = {
        "model_version": f"hybrid-{TRAINER_VERSION}-{data_digest[:10]}",
        "trained_on": [p.name for p in corpus_paths] + [p.name for p in extra_paths],
        "examples": len(examples),
        "lexicon_sha256": hashlib.sha256(lexicon_path.read_bytes()).hexdigest(),
        "params": params.__dict__,
        "thresholds": thresholds.to_dict(),
        "oof_theme_accuracy": round(right, 4),
        "temperatures": {k: round(v, 4) for k, v in oof.temperatures.items()},
    }
    model = fit(examples, prepared, lexicon, routing, params, meta)
    apply_temperatures(model, oof.temperatures)
    model.save(out)
    log(f"wrote {out} ({Path(out).stat().st_size / 1024:.0f} KiB), version {meta['model_version']}")
    return model
