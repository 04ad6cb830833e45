"""Leave-one-source-out cross-validation: how well the triage generalises to
reports written by someone else (`python -m triage crossval`).

Pooled k-fold figures flatter a model: reports by the same writer share
phrasing, scenarios and even sentences, so a fold always sees the held-out
report's siblings. Here each *source* (a writer's group of corpus files) is
held out in turn: the whole training recipe (`training.build`: out-of-fold
temperatures and thresholds, then the final fit) runs on the other sources,
and the held-out reports are classified by the resulting engine exactly as the
app would classify them. The predictions of all held-out sources are pooled
into one evaluation report (per language, per theme, acute recall with its
Wilson interval) plus one summary line per source.

Sources are named by the first two parts of the file name: `train_a.jsonl` is
source `train_a`; `train_f_pl.jsonl` and `train_f_ar.jsonl` are one source,
`train_f`, because one writer wrote them (holding out only the Polish file
would leave that writer's scenarios, translated, in the training data).
`--by-file` holds out single files instead.

The pool is every training file (`corpus.training_files`: the corpus and,
since the third round, the dev sets, which the packaged model learns from
too). A writer's dev files are held out together with that writer's
training files (`dev_g_*` with `train_g_*`), so no held-out source leaves
its writer's other reports in training. Files given with `--dev` are
evaluated with one model trained on the whole pool, grouped by source the
same way. Nothing here reads a frozen blind set.

Lexicon caveat: the lexicon was written with knowledge of the corpus, so it is
not held out; these figures measure the model and the rules, and are an upper
bound for a source the lexicon author never saw.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .corpus import Example, load_examples, training_files
from .engine import DEFAULT_LEXICON_FILE, Prepared, TriageEngine, prepare
from .evaluation import Report, evaluate
from .lexicon import load_lexicon
from .result import TriageResult
from .routing import load_routing
from .training import Params, build


def source_of(path: Path, by_file: bool = False) -> str:
    """`train_f_pl.jsonl` -> `train_f` (one writer's group); `retired_blind_nl` -> `retired_blind`."""
    if by_file:
        return path.stem
    parts = path.stem.split("_")
    return "_".join(parts[:2]) if len(parts) > 1 else path.stem


def group_files(paths: Sequence[Path], by_file: bool = False) -> dict[str, list[Path]]:
    """Files per source. A writer's dev files join that writer's training
    files (`dev_g_ar` goes with `train_g_*` when both are given), so a
    held-out source never leaves the same writer's reports in training."""
    groups: dict[str, list[Path]] = {}
    for path in sorted(paths):
        groups.setdefault(source_of(path, by_file), []).append(path)
    if not by_file:
        for name in [n for n in groups if n.startswith("dev_")]:
            writer = "train_" + name.removeprefix("dev_")
            if writer in groups:
                groups[writer].extend(groups.pop(name))
    return groups


def parse_params(pairs: Sequence[str]) -> Params:
    """`["c_theme=0.5", "min_df=2"]` -> Params with those fields changed."""
    kinds = {f.name: f.type for f in fields(Params)}
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in kinds:
            raise ValueError(f"unknown parameter {pair!r}; known: {', '.join(sorted(kinds))}")
        changes[name] = int(value) if kinds[name] in (int, "int") else float(value)
    return replace(Params(), **changes)


@dataclass
class SourceResult:
    source: str
    examples: list[Example]
    results: list[TriageResult]
    seconds: float

    def summary(self) -> dict[str, Any]:
        report = evaluate(self.examples, self.results)
        return {"source": self.source, "n": report.n, "theme_accuracy": report.theme_accuracy,
                "route_accuracy": report.route_accuracy, "acute_recall": report.acute_recall,
                "acute_support": report.acute_support, "acute_precision": report.acute_precision,
                "out_of_scope_recall": report.geen_ondermijning_recall}


@dataclass
class CrossValidation:
    held_out: list[SourceResult]
    dev: list[SourceResult]
    params: Params

    @staticmethod
    def _pooled(parts: Sequence[SourceResult]) -> Report | None:
        examples = [e for p in parts for e in p.examples]
        results = [r for p in parts for r in p.results]
        return evaluate(examples, results) if examples else None

    def held_out_report(self) -> Report | None:
        return self._pooled(self.held_out)

    def dev_report(self) -> Report | None:
        return self._pooled(self.dev)

    def as_dict(self) -> dict[str, Any]:
        held, dev = self.held_out_report(), self.dev_report()
        return {
            "params": self.params.__dict__,
            "leave_one_source_out": {
                "pooled": held.as_dict() if held else None,
                "sources": [p.summary() for p in self.held_out],
            },
            "dev": {
                "pooled": dev.as_dict() if dev else None,
                "sources": [p.summary() for p in self.dev],
            },
        }


def _prepare(examples: Sequence[Example], lexicon) -> list[Prepared]:
    return [prepare(e.report(), lexicon) for e in examples]


def run(corpus: Sequence[Path] | None = None, dev: Sequence[Path] | None = None,
        params: Params | None = None, by_file: bool = False, only: Sequence[str] = (),
        skip_held_out: bool = False, lexicon_file: str | Path = DEFAULT_LEXICON_FILE,
        log: Callable[[str], None] = lambda line: None) -> CrossValidation:
    params = params or Params()
    corpus_paths = list(corpus) if corpus is not None else training_files()
    dev_paths = list(dev) if dev is not None else []
    lexicon = load_lexicon(lexicon_file)
    routing = load_routing()
    groups = group_files(corpus_paths, by_file)
    if only:
        unknown = set(only) - set(groups)
        if unknown:
            raise ValueError(f"unknown source(s) {sorted(unknown)}; sources: {sorted(groups)}")
    data = {name: load_examples(paths) for name, paths in groups.items()}
    prepared = {name: _prepare(examples, lexicon) for name, examples in data.items()}

    held_out: list[SourceResult] = []
    if not skip_held_out:
        for name in groups:
            if only and name not in only:
                continue
            if len(groups) < 2:
                raise ValueError("leave-one-source-out needs at least two sources")
            started = time.perf_counter()
            train_ex = [e for other in groups if other != name for e in data[other]]
            train_pr = [p for other in groups if other != name for p in prepared[other]]
            model = build(train_ex, train_pr, lexicon, routing, params)
            engine = TriageEngine(lexicon, model)
            results = engine.classify_many([e.report() for e in data[name]], routing)
            part = SourceResult(name, data[name], results, time.perf_counter() - started)
            held_out.append(part)
            s = part.summary()
            log(f"held out {name:<14} n={s['n']:>4} theme {s['theme_accuracy']:.3f} "
                f"({len(train_ex)} trained, {part.seconds:.0f} s)")

    dev_parts: list[SourceResult] = []
    if dev_paths:
        started = time.perf_counter()
        all_ex = [e for name in groups for e in data[name]]
        all_pr = [p for name in groups for p in prepared[name]]
        engine = TriageEngine(lexicon, build(all_ex, all_pr, lexicon, routing, params))
        for name, paths in group_files(dev_paths, by_file).items():
            examples = load_examples(paths)
            results = engine.classify_many([e.report() for e in examples], routing)
            dev_parts.append(SourceResult(name, examples, results, time.perf_counter() - started))
            log(f"dev {name:<18} n={len(examples):>4} theme "
                f"{dev_parts[-1].summary()['theme_accuracy']:.3f}")
    return CrossValidation(held_out, dev_parts, params)


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def format_sources(title: str, parts: Sequence[SourceResult]) -> str:
    lines = [title, f"{'source':<16} {'n':>5} {'theme':>6} {'route':>6} {'acute':>12} "
                    f"{'a.prec':>6} {'oos':>6}"]
    for part in parts:
        s = part.summary()
        acute = f"{_fmt(s['acute_recall'])} ({s['acute_support']})"
        lines.append(f"{s['source']:<16} {s['n']:>5} {_fmt(s['theme_accuracy']):>6} "
                     f"{_fmt(s['route_accuracy']):>6} {acute:>12} "
                     f"{_fmt(s['acute_precision']):>6} {_fmt(s['out_of_scope_recall']):>6}")
    return "\n".join(lines)
