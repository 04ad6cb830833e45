"""Reading labelled examples (training corpus, dev set, staff-confirmed exports).

One JSON object per line:

    {"id": "...", "text": "...", "reporter_type": "bewoner", "place_type": "woning",
     "has_attachments": false, "lang": "nl",
     "gold": {"theme": "hennep", "themes_ok": ["hennep"], "secondary_themes": [],
              "urgency": "normaal", "urgency_ok": ["normaal"],
              "route": "politie", "routes_ok": ["politie"]}}

Only `text` and `gold.theme` are required; a missing `*_ok` list means "only
the gold value is right". Staff-confirmed exports from the web app may put
theme/urgency/route at the top level instead of under `gold`; both work.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .taxonomy import PLACE_TYPES, REPORTER_TYPES, ROUTES, THEMES, URGENCIES

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
DEV_DIR = Path(__file__).parent / "data" / "dev"


class CorpusError(ValueError):
    """A labelled file has a line that cannot be used (file and line in the message)."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    reporter_type: str
    place_type: str
    has_attachments: bool
    theme: str
    themes_ok: tuple[str, ...]
    secondary_themes: tuple[str, ...]
    urgency: str | None
    urgency_ok: tuple[str, ...]
    route: str | None
    routes_ok: tuple[str, ...]
    lang: str | None = None
    source: str = ""

    def report(self) -> dict[str, object]:
        """The report as the classifier receives it (no labels)."""
        return {"id": self.id, "text": self.text, "reporter_type": self.reporter_type,
                "place_type": self.place_type, "has_attachments": self.has_attachments}


def _codes(value: object, allowed: tuple[str, ...], where: str, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise CorpusError(f"{where}: bad {field} {value!r}")
    return tuple(value)


def parse_example(obj: object, where: str) -> Example:
    if not isinstance(obj, dict):
        raise CorpusError(f"{where}: not a JSON object")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: missing text")
    gold_field = obj.get("gold")
    gold: dict[str, Any] = gold_field if isinstance(gold_field, dict) else obj
    theme = gold.get("theme")
    if theme not in THEMES:
        raise CorpusError(f"{where}: unknown or missing theme {theme!r}")
    urgency = gold.get("urgency")
    if urgency is not None and urgency not in URGENCIES:
        raise CorpusError(f"{where}: unknown urgency {urgency!r}")
    route = gold.get("route")
    if route is not None and route not in ROUTES:
        raise CorpusError(f"{where}: unknown route {route!r}")
    reporter = obj.get("reporter_type")
    place = obj.get("place_type")
    return Example(
        id=str(obj.get("id", where)),
        text=text,
        reporter_type=reporter if reporter in REPORTER_TYPES else "onbekend",
        place_type=place if place in PLACE_TYPES else "onbekend",
        has_attachments=bool(obj.get("has_attachments", False)),
        theme=theme,
        themes_ok=tuple(dict.fromkeys((theme, *_codes(gold.get("themes_ok"), THEMES, where,
                                                       "themes_ok")))),
        secondary_themes=_codes(gold.get("secondary_themes"), THEMES, where, "secondary_themes"),
        urgency=urgency,
        urgency_ok=tuple(dict.fromkeys([*([urgency] if urgency else []), *_codes(
            gold.get("urgency_ok"), URGENCIES, where, "urgency_ok")])),
        route=route,
        routes_ok=tuple(dict.fromkeys([*([route] if route else []), *_codes(
            gold.get("routes_ok"), ROUTES, where, "routes_ok")])),
        lang=obj.get("lang") if isinstance(obj.get("lang"), str) else None,
        source=where,
    )


def read_examples(path: str | Path) -> Iterator[Example]:
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: invalid JSON ({exc.msg})") from exc
            yield parse_example(obj, where)


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files and glob patterns -> sorted unique paths (sorted: deterministic order)."""
    found: set[Path] = set()
    for p in paths:
        matches = glob.glob(str(p))
        if not matches and Path(p).exists():
            matches = [str(p)]
        if not matches:
            raise CorpusError(f"no such file: {p}")
        found.update(Path(m) for m in matches)
    return sorted(found)


def corpus_files(directory: Path = CORPUS_DIR) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def training_files() -> list[Path]:
    """Every labelled file the packaged model learns from: the corpus and,
    since the third round of issue 12, the dev sets too (more writers beat a
    dev figure; generalisation is measured by leave-one-source-out
    cross-validation, `triage.crossval`, which holds out whole writers)."""
    return [*corpus_files(), *corpus_files(DEV_DIR)]


def load_examples(paths: Iterable[str | Path]) -> list[Example]:
    examples: list[Example] = []
    for path in expand(paths):
        examples.extend(read_examples(path))
    return examples
