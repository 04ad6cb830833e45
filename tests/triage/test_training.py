"""Training is deterministic and the artifact is small, safe and current."""

from __future__ import annotations

import hashlib
import json
import zipfile

import numpy as np

from triage.corpus import load_examples
from triage.engine import DEFAULT_LEXICON_FILE, TriageEngine
from triage.lexicon import load_lexicon
from triage.model import DEFAULT_MODEL_FILE, LinearModel
from triage.routing import load_routing
from triage.training import fit_temperature, train


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_training_is_deterministic(mini_corpus, mini_model_path, tmp_path):
    again = tmp_path / "again.npz"
    train(corpus=[mini_corpus], out=again, log=lambda *_: None)
    assert sha(again) == sha(mini_model_path)


def test_artifact_is_plain_arrays_without_pickle(mini_model_path):
    with zipfile.ZipFile(mini_model_path) as zf:
        names = zf.namelist()
    assert "header.npy" in names and "W_theme.npy" in names
    with np.load(mini_model_path, allow_pickle=False) as data:
        assert all(data[name].dtype != object for name in data.files)
        header = json.loads(bytes(data["header"]).decode())
    assert header["heads"]["theme"][0] == "hennep"


def test_trained_model_learns_the_fixture(mini_corpus, mini_model_path):
    engine = TriageEngine(load_lexicon(DEFAULT_LEXICON_FILE), LinearModel.load(mini_model_path))
    examples = load_examples([mini_corpus])
    results = engine.classify_many([e.report() for e in examples], load_routing())
    right = sum(r.theme == e.theme for e, r in zip(examples, results, strict=True))
    assert right / len(examples) > 0.9


def test_extra_examples_are_used(mini_corpus, tmp_path):
    extra = tmp_path / "confirmed.jsonl"
    # Staff-confirmed exports may carry the labels at the top level.
    extra.write_text(json.dumps({"text": "Staff bevestigd: gokzuil in de kantine",
                                 "theme": "gokken", "urgency": "normaal",
                                 "route": "kansspelautoriteit"}) + "\n")
    model = train(corpus=[mini_corpus], extra=[extra], out=tmp_path / "m.npz",
                  log=lambda *_: None)
    assert model.meta["examples"] == len(load_examples([mini_corpus])) + 1
    assert "confirmed.jsonl" in model.meta["trained_on"]


def test_temperature_fit():
    scores = np.array([[2.0, 0.0], [0.0, 2.0], [1.5, 0.0], [0.0, 1.0]])
    assert fit_temperature(scores, [0, 1, 0, 1]) > 1.0  # always right: sharpen
    assert fit_temperature(scores, [1, 0, 1, 0]) < 1.0  # always wrong: flatten


def test_shipped_model_is_current_and_small():
    """The packaged model must be retrained whenever the lexicon changes."""
    model = LinearModel.load(DEFAULT_MODEL_FILE)
    assert model.meta["lexicon_sha256"] == sha(DEFAULT_LEXICON_FILE), (
        "lexicon.txt changed: run `python -m triage train`")
    # The vocabulary grows with the corpus (7,862 reports: 4.4 MiB; 11,292
    # reports: 5.8 MiB); the load time it costs is measured by
    # bench/triage_bench.py (target < 1 s).
    assert DEFAULT_MODEL_FILE.stat().st_size < 6.5 * 1024 * 1024
    assert set(model.heads) == {"theme", "urgency", "riec", "scope"}
    assert {"acute_model", "riec_model", "review_confidence",
            "out_of_scope"} <= set(model.meta["thresholds"])


def test_scope_head_only_adds_out_of_scope_decisions():
    from triage.rules import choose_theme, compose_scope

    probs = {"hennep": 0.7, "geen_ondermijning": 0.2, "witwassen": 0.1}
    # below the threshold the theme head decides, whatever the scope head says
    assert choose_theme(probs, 0.6, 0.8) == "hennep"
    assert compose_scope(probs, 0.6, 0.8) == probs
    # at or above it the report is out of scope, with the scope head's confidence
    assert choose_theme(probs, 0.85, 0.8) == "geen_ondermijning"
    assert compose_scope(probs, 0.85, 0.8)["geen_ondermijning"] == 0.85
    # it never turns an out-of-scope decision of the theme head into a theme
    assert choose_theme({"geen_ondermijning": 0.6, "hennep": 0.4}, 0.1, 0.8) == "geen_ondermijning"
    # a model without the head: the theme head alone
    assert choose_theme(probs, None, 0.8) == "hennep"


def test_scope_threshold_keeps_its_precision_floor():
    from triage.corpus import Example
    from triage.taxonomy import THEMES
    from triage.training import OutOfFold, tune_scope

    def example(i: int, theme: str) -> Example:
        return Example(id=str(i), text="x", reporter_type="onbekend", place_type="onbekend",
                       has_attachments=False, theme=theme, themes_ok=(theme,),
                       secondary_themes=(), urgency=None, urgency_ok=(), route=None,
                       routes_ok=())

    themes = ["geen_ondermijning"] * 4 + ["hennep"] * 4
    examples = [example(i, t) for i, t in enumerate(themes)]
    theme = np.zeros((8, len(THEMES)))
    theme[:, THEMES.index("hennep")] = 1.0  # the theme head misses every out-of-scope report
    # the scope head is sure of three of them, and also (wrongly) of one hennep report
    scope = np.array([0.9, 0.9, 0.9, 0.2, 0.92, 0.1, 0.1, 0.1])
    oof = OutOfFold(theme, np.zeros((8, 4)), np.zeros(8), {}, scope)
    threshold, note = tune_scope(examples, oof, min_precision=0.7)
    assert threshold == 0.9, note  # 3 of 4 calls right: precision 0.75
    threshold, note = tune_scope(examples, oof, min_precision=0.8)
    assert threshold > 0.92, note  # the floor cannot be met without the wrong call: stays off
