"""Benchmark of the triage classifier: load time and reports per second.

    python bench/triage_bench.py [--reports 20000] [--batch 512] [--baseline DIR]

--baseline DIR measures the triage package of another checkout (e.g. an
export of main: `git archive main triage | tar -x -C DIR`) on the same report
stream, in the same run, before this checkout: the machine is shared, so only
figures taken side by side compare.

Reports are composed from sentences of the labelled corpus (train and dev),
shuffled into new combinations of one to four sentences with random form
fields, so the stream has realistic vocabulary without repeating whole texts.
Load time is measured in a fresh process (imports included), as a worker
process of the web app would see it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_LOAD_S = 1.0
TARGET_RATE = 3000

LOAD_SNIPPET = """
import time
t0 = time.perf_counter()
import triage
triage.get_engine()
t1 = time.perf_counter()
triage.classify({"text": "Er hangt een wietlucht bij de buren"})
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def corpus_sentences() -> list[str]:
    sentences: list[str] = []
    data = ROOT / "triage" / "data"
    for path in sorted([*data.glob("corpus/*.jsonl"), *data.glob("dev/*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line)["text"]
                sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 15)
    return sentences


def make_reports(n: int, seed: int = 7) -> list[dict[str, object]]:
    from triage.taxonomy import PLACE_TYPES, REPORTER_TYPES

    rng = random.Random(seed)  # noqa: S311 - sampling a benchmark, not security
    sentences = corpus_sentences()
    return [{
        "text": " ".join(rng.sample(sentences, rng.randint(1, 4))),
        "reporter_type": rng.choice(REPORTER_TYPES),
        "place_type": rng.choice(PLACE_TYPES),
        "has_attachments": rng.random() < 0.3,
    } for _ in range(n)]


def measure_load(runs: int = 3, root: Path = ROOT) -> tuple[float, float]:
    best_load, best_first = float("inf"), float("inf")
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET],  # noqa: S603 - fixed code
                             capture_output=True,
                             text=True, check=True, cwd=root).stdout.split()
        best_load = min(best_load, float(out[0]))
        best_first = min(best_first, float(out[1]))
    return best_load, best_first


def rate(label: str, n: int, wall: float, cpu: float) -> None:
    per_s = n / wall
    verdict = "ok" if per_s >= TARGET_RATE else "BELOW"
    print(f"{label:<34} {per_s:>8.0f} reports/s  (target >= {TARGET_RATE}: {verdict}; "
          f"cpu {n / cpu:.0f}/s, {1e6 * wall / n:.0f} us per report)")


def measure(root: Path, reports: list[dict[str, object]], batch: int) -> None:
    """Load time and rates of the triage package under `root` (imported fresh)."""
    load, first = measure_load(root=root)
    print(f"{'load (imports + model + lexicon)':<34} {load:>8.3f} s       "
          f"(target < {TARGET_LOAD_S:.0f} s: {'ok' if load < TARGET_LOAD_S else 'BELOW'})")
    print(f"{'first classification after load':<34} {first * 1000:>8.1f} ms")

    sys.path.insert(0, str(root))
    import triage

    print(f"model {triage.get_engine().version} from {Path(triage.__file__).parent}")
    triage.classify_many(reports[:1000])  # warm the per-word caches once

    t, c = time.perf_counter(), time.process_time()
    for start in range(0, len(reports), batch):
        triage.classify_many(reports[start:start + batch])
    rate(f"batched (classify_many, {batch})", len(reports), time.perf_counter() - t,
         time.process_time() - c)

    t, c = time.perf_counter(), time.process_time()
    for report in reports:
        triage.classify(report)
    rate("single calls (classify)", len(reports), time.perf_counter() - t,
         time.process_time() - c)

    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cpu(s), load average {load_avg:.2f} "
          f"(figures drop when other work shares the cpu)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--baseline", metavar="DIR",
                        help="also measure the triage package under DIR, first (same reports)")
    parser.add_argument("--root", metavar="DIR", help=argparse.SUPPRESS)  # baseline subprocess
    parser.add_argument("--reports-file", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.root:  # the baseline, measured in its own process so its modules stay apart
        reports = json.loads(Path(args.reports_file).read_text(encoding="utf-8"))
        measure(Path(args.root).resolve(), reports, args.batch)
        return
    reports = make_reports(args.reports)
    if args.baseline:
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False,
                                         encoding="utf-8") as handle:
            json.dump(reports, handle)
        print(f"== baseline: {args.baseline}")
        subprocess.run([sys.executable, __file__, "--root", args.baseline,  # noqa: S603
                        "--reports-file", handle.name, "--batch", str(args.batch)], check=True)
        Path(handle.name).unlink()
        print("== this checkout")
    measure(ROOT, reports, args.batch)


if __name__ == "__main__":
    main()
