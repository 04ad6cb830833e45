"""Checks on the multilingual training files (train_f_*.jsonl) and the dev_d tuning set.

Every line must parse, use only contract codes, carry a unique id and follow the
label rules of taxonomy.md: `acuut` goes to `politie`, `integriteit` to
`integriteit`, `geen_ondermijning` to `doorverwijzen`. The tuning set must not
share a text with the training files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.corpus import CORPUS_DIR, DEV_DIR, read_examples
from triage.taxonomy import PLACE_TYPES, REPORTER_TYPES

LANGS = {"nl", "en", "pl", "ro", "tr", "ar"}
TRAIN_F = sorted(CORPUS_DIR.glob("train_f_*.jsonl"))
DEV_D = DEV_DIR / "dev_d.jsonl"
FILES = [*TRAIN_F, *([DEV_D] if DEV_D.exists() else [])]


def _raw(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_the_multilingual_files_exist():
    assert TRAIN_F, "no train_f_*.jsonl files in the corpus folder"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file_follows_the_contract(path: Path):
    examples = list(read_examples(path))  # raises CorpusError on a bad code or line
    raw = _raw(path)
    assert len(examples) == len(raw) >= 100
    for obj, ex in zip(raw, examples, strict=True):
        assert obj["reporter_type"] in REPORTER_TYPES, ex.id
        assert obj["place_type"] in PLACE_TYPES, ex.id
        assert isinstance(obj["has_attachments"], bool), ex.id
        assert ex.lang in LANGS, ex.id
        assert ex.urgency is not None and ex.route is not None, ex.id
        assert ex.theme not in ex.secondary_themes, ex.id
        if ex.theme == "integriteit":
            assert ex.routes_ok == ("integriteit",), ex.id
        elif ex.urgency == "acuut":
            assert ex.routes_ok == ("politie",), ex.id
        if ex.theme == "geen_ondermijning":
            assert ex.routes_ok == ("doorverwijzen",), ex.id


def test_ids_are_unique_and_dev_texts_are_not_in_training():
    ids: list[str] = []
    train_texts: set[str] = set()
    for path in TRAIN_F:
        for ex in read_examples(path):
            ids.append(ex.id)
            train_texts.add(ex.text)
    dev = list(read_examples(DEV_D)) if DEV_D.exists() else []
    ids += [ex.id for ex in dev]
    assert len(ids) == len(set(ids))
    assert not [ex.id for ex in dev if ex.text in train_texts]
