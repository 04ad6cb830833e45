"""The single-report fast path gives the same features and answers as a batch."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import triage
from triage.corpus import corpus_files, load_examples
from triage.engine import prepare
from triage.normalize import normalize

TEXTS = [
    "Ramen afgeplakt, wietlucht en de ventilator bromt dag en nacht.",
    "Mijn zoon van 15 heeft ineens drie telefoons en een dure jas.",
    "Pracujemy po 12 godzin, szef zabrał paszporty.",
    "Geen wietlucht, wel veel lawaai van de buren?",
    "Heeeel veel mannen komen 's nachts langs... echt 1000 keer",
    "x",
]


@pytest.fixture(scope="module")
def engine():
    return triage.get_engine()


@pytest.mark.parametrize("text", TEXTS)
def test_feature_counts_match_the_batch_ids(engine, text):
    featurizer = engine.model.featurizer
    p = prepare({"text": text, "place_type": "woning"}, engine.lexicon)
    assert featurizer._counts(p.words, p.meta) == Counter(featurizer._ids(p.words, p.meta))


@pytest.mark.parametrize("text", TEXTS)
def test_transform_one_equals_the_batch_row(engine, text):
    featurizer = engine.model.featurizer
    p = prepare({"text": text, "has_attachments": True}, engine.lexicon)
    lex = p.evidence.features()
    idx, values = featurizer.transform_one(p.words, p.meta, lex)
    rows = featurizer.transform_many([(p.words, p.meta, lex), (["ander"], (), {})])
    mine = rows.doc == 0
    expected = dict(zip(rows.idx[mine].tolist(), rows.values[mine].tolist(), strict=True))
    got = dict(zip(idx.tolist(), values.tolist(), strict=True))
    assert got.keys() == expected.keys()
    assert [got[k] for k in expected] == pytest.approx(list(expected.values()), abs=1e-9)


def test_single_calls_match_batches_on_the_corpus():
    reports = [e.report() for e in load_examples(corpus_files())][::7]
    many = triage.classify_many(reports)
    for report, batched in zip(reports, many, strict=True):
        single = triage.classify(report)
        assert single.to_dict() == batched.to_dict()
        assert single.confidence == pytest.approx(batched.confidence, abs=1e-5)


def test_stretch_prefilter_keeps_normalisation():
    assert normalize("Heeeeel raaaar!!! 1000 euro...") == "heel raar!!! 1000 euro..."
    assert normalize("gewoon normaal") == "gewoon normaal"
    assert np.isfinite(triage.classify({"text": "zzz"}).confidence)
