"""Command line: `python -m triage classify | train | evaluate`.

classify   JSON Lines on stdin -> one JSON line per input line on stdout, same
           order; a bad line gets {"id": ..., "error": ...} and the run goes
           on; exit 0 when every line was processed (shared/taxonomy.md).
train      rebuild data/model.npz from data/corpus/*.jsonl and data/dev/*.jsonl
           (+ --extra files).
evaluate   print accuracy, macro-F1, per-theme precision/recall, route
           accuracy, acuut recall/precision and a confusion matrix.
crossval   leave-one-source-out cross-validation over the corpus and dev sets
           (each writer's files held out in turn; triage/crossval.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

BATCH = 256


def _read_lines(stream: TextIO) -> Iterator[str]:
    for i, line in enumerate(stream):
        if i == 0:
            line = line.lstrip("\ufeff")
        yield line.rstrip("\r\n")


def _parse_line(line: str) -> tuple[Any, dict[str, Any] | None, str | None]:
    """-> (id, report, error)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, None, f"invalid JSON: {exc.msg}"
    if not isinstance(obj, dict):
        return None, None, "line is not a JSON object"
    report_id = obj.get("id")
    if isinstance(report_id, (dict, list)):
        report_id = None
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return report_id, None, "missing or empty 'text'"
    danger_now = obj.get("danger_now")
    if danger_now is not None and not isinstance(danger_now, bool):
        return report_id, None, "'danger_now' must be true, false or absent"
    return report_id, obj, None


def _classify_batch(lines: list[str], routing_file: str | None, out: TextIO) -> None:
    from . import ReportError, classify_many

    parsed = [_parse_line(line) for line in lines]
    valid = [obj for _, obj, _ in parsed if obj is not None]
    try:
        results = iter(classify_many(valid, routing_file=routing_file))
    except ReportError:
        # Should not happen after _parse_line; fall back to one by one so a
        # single odd report cannot take its neighbours down with it.
        results = iter(_one_by_one(valid, routing_file))
    for report_id, _, error in parsed:
        if error is not None:
            record: dict[str, Any] = {"id": report_id, "error": error}
        else:
            result = next(results)
            if isinstance(result, str):
                record = {"id": report_id, "error": result}
            else:
                record = {"id": report_id, **result.to_dict()}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()


def _one_by_one(reports: list[dict[str, Any]], routing_file: str | None) -> list[Any]:
    from . import ReportError, classify

    results: list[Any] = []
    for report in reports:
        try:
            results.append(classify(report, routing_file=routing_file))
        except ReportError as exc:
            results.append(str(exc))
    return results


def cmd_classify(args: argparse.Namespace) -> int:
    from . import RoutingError, get_engine, load_routing

    try:
        get_engine()
        if args.routing_file:
            load_routing(args.routing_file)
    except (RoutingError, RuntimeError) as exc:
        print(f"triage: {exc}", file=sys.stderr)
        return 2
    stdin = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    batch: list[str] = []
    for line in _read_lines(stdin):
        batch.append(line)
        if len(batch) >= BATCH:
            _classify_batch(batch, args.routing_file, stdout)
            batch = []
    if batch:
        _classify_batch(batch, args.routing_file, stdout)
    stdout.flush()
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .corpus import expand
    from .model import DEFAULT_MODEL_FILE
    from .training import train

    try:
        corpus = expand(args.corpus) if args.corpus else None
        train(extra=args.extra, out=args.out or DEFAULT_MODEL_FILE, corpus=corpus)
    except (OSError, ValueError) as exc:
        print(f"triage train: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from . import RoutingError, classify_many
    from .corpus import CorpusError, load_examples
    from .evaluation import evaluate, format_report

    try:
        examples = load_examples(args.files)
        results = classify_many([e.report() for e in examples], routing_file=args.routing_file)
    except (CorpusError, RoutingError, OSError, RuntimeError) as exc:
        print(f"triage evaluate: {exc}", file=sys.stderr)
        return 1
    report = evaluate(examples, results)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, show_errors=args.errors))
    return 0


def cmd_crossval(args: argparse.Namespace) -> int:
    from .corpus import CorpusError, expand
    from .crossval import format_sources, parse_params, run
    from .evaluation import format_report

    try:
        params = parse_params(args.set)
        corpus = expand(args.corpus) if args.corpus else None
        dev = [] if args.no_dev else (expand(args.dev) if args.dev else None)
        extra = {"lexicon_file": args.lexicon} if args.lexicon else {}
        result = run(corpus=corpus, dev=dev, params=params, by_file=args.by_file,
                     only=args.only, skip_held_out=args.dev_only, **extra,
                     log=lambda line: print(line, file=sys.stderr, flush=True))
    except (CorpusError, OSError, ValueError) as exc:
        print(f"triage crossval: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return 0
    held, dev_report = result.held_out_report(), result.dev_report()
    if held is not None:
        print("== leave-one-source-out (cross-validation, pooled over the held-out sources) ==")
        print(format_report(held, show_errors=args.errors))
        print()
        print(format_sources("per held-out source (trained on all other sources):",
                             result.held_out))
        print()
    if dev_report is not None:
        print("== dev sets (model trained on the whole corpus) ==")
        print(format_report(dev_report, show_errors=args.errors))
        print()
        print(format_sources("per dev source:", result.dev))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("classify", help="classify JSON Lines from stdin")
    p.add_argument("--routing-file", help="municipal routing override (JSON)")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("train", help="rebuild the model from the corpus")
    p.add_argument("--extra", action="append", default=[], metavar="FILE.jsonl",
                   help="extra labelled examples (e.g. staff-confirmed export); repeatable")
    p.add_argument("--out", help="where to write the model (default: the packaged model)")
    p.add_argument("--corpus", action="append", default=[], metavar="FILE.jsonl",
                   help="train on these files instead of triage/data/corpus/*.jsonl + "
                        "triage/data/dev/*.jsonl; repeatable")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="evaluate against labelled JSON Lines files")
    p.add_argument("files", nargs="+", metavar="FILE.jsonl")
    p.add_argument("--routing-file", help="municipal routing override (JSON)")
    p.add_argument("--errors", type=int, default=0, metavar="N", help="also list N errors")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("crossval", help="leave-one-source-out cross-validation")
    p.add_argument("--corpus", action="append", default=[], metavar="FILE.jsonl",
                   help="files to cross-validate (default: triage/data/corpus/*.jsonl and "
                        "triage/data/dev/*.jsonl); repeatable")
    p.add_argument("--dev", action="append", default=[], metavar="FILE.jsonl",
                   help="extra files to evaluate with one model trained on all the others "
                        "(default: none; the dev sets are in the pool); repeatable")
    p.add_argument("--no-dev", action="store_true", help="skip the dev sets")
    p.add_argument("--dev-only", action="store_true", help="only the dev sets (one training)")
    p.add_argument("--by-file", action="store_true",
                   help="hold out single files instead of a writer's group (train_f_*)")
    p.add_argument("--only", action="append", default=[], metavar="SOURCE",
                   help="hold out only this source; repeatable")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="training parameter to change (see training.Params); repeatable")
    p.add_argument("--lexicon", metavar="FILE", help="another lexicon file (to compare drafts)")
    p.add_argument("--errors", type=int, default=0, metavar="N", help="also list N errors")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_crossval)

    args = parser.parse_args(argv)
    return args.func(args)
