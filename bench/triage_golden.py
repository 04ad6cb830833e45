"""Guard for speed work on the triage: outputs must stay bit-identical.

    python bench/triage_golden.py record FILE   # with the reference code
    python bench/triage_golden.py check FILE    # after a change: exit 1 on any difference

Classifies every report of triage/data/corpus/*.jsonl and triage/data/dev/*.jsonl
(never blind sets), the same reports with form answers varied (danger_now,
ongoing), and a stream composed by bench/triage_bench.py, both batched
(classify_many) and one by one (classify). Every result field is stored,
confidence as the exact float (repr), so any change in output shows.

The lexicon's concept features are summed in sorted order, so outputs no
longer depend on Python's string hash seed (before, the last bits of a
confidence did); both runs still use the same PYTHONHASHSEED (0 unless set),
so a reference recorded with older code stays comparable: the script
re-executes itself when needed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FORM_VARIANTS: list[dict[str, Any]] = [
    {},
    {"danger_now": True},
    {"danger_now": False, "ongoing": "ja"},
    {"ongoing": "nee", "has_attachments": True, "reporter_type": "professional"},
]
COMPOSED = 3000


def reports() -> list[dict[str, Any]]:
    from triage_bench import make_reports

    data = ROOT / "triage" / "data"
    base: list[dict[str, Any]] = []
    for path in sorted([*data.glob("corpus/*.jsonl"), *data.glob("dev/*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                base.append({k: v for k, v in row.items() if k not in ("gold", "lang", "id")})
    out = [{**r, **variant} for variant in FORM_VARIANTS for r in base]
    return out + make_reports(COMPOSED, seed=11)


def line(result: Any) -> str:
    fields = {name: getattr(result, name) for name in result.__slots__}
    fields["confidence"] = repr(result.confidence)
    return json.dumps(fields, ensure_ascii=False, default=list)


def outputs() -> list[str]:
    import triage

    items = reports()
    lines = []
    for start in range(0, len(items), 512):
        lines.extend("many " + line(r) for r in triage.classify_many(items[start:start + 512]))
    lines.extend("one " + line(triage.classify(r)) for r in items)
    return lines


def main() -> None:
    if "PYTHONHASHSEED" not in os.environ:
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606 - same script
    mode, file = sys.argv[1], Path(sys.argv[2])
    lines = outputs()
    if mode == "record":
        file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"recorded {len(lines)} results to {file}")
        return
    expected = file.read_text(encoding="utf-8").splitlines()
    diffs = [i for i, (a, b) in enumerate(zip(expected, lines, strict=True)) if a != b]
    print(f"{len(lines)} results, {len(diffs)} different")
    for i in diffs[:5]:
        print("expected", expected[i], "\ngot     ", lines[i], sep="\n")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
