"""Leave-one-source-out cross-validation (`python -m triage crossval`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage import crossval
from triage.cli import main
from triage.corpus import load_examples
from triage.training import Params


def test_sources_are_a_writers_file_group():
    assert crossval.source_of(Path("train_f_pl.jsonl")) == "train_f"
    assert crossval.source_of(Path("train_f_nl_acute.jsonl")) == "train_f"
    assert crossval.source_of(Path("train_a.jsonl")) == "train_a"
    assert crossval.source_of(Path("retired_blind_nl.jsonl")) == "retired_blind"
    assert crossval.source_of(Path("dev_g_ar.jsonl")) == "dev_g"
    assert crossval.source_of(Path("train_f_pl.jsonl"), by_file=True) == "train_f_pl"
    groups = crossval.group_files([Path("train_g_tr.jsonl"), Path("train_a.jsonl"),
                                   Path("train_g_ar.jsonl")])
    assert groups == {"train_a": [Path("train_a.jsonl")],
                      "train_g": [Path("train_g_ar.jsonl"), Path("train_g_tr.jsonl")]}


def test_parameters_from_the_command_line():
    params = crossval.parse_params(["c_theme=0.5", "min_df=2"])
    assert params.c_theme == 0.5 and isinstance(params.min_df, int) and params.min_df == 2
    assert params.lex_scale == Params().lex_scale
    with pytest.raises(ValueError, match="unknown parameter"):
        crossval.parse_params(["c_nonsense=1"])
    with pytest.raises(ValueError):
        crossval.parse_params(["c_theme"])


@pytest.fixture
def split_corpus(mini_corpus, tmp_path):
    """The fixture corpus as two writers' files plus a dev file."""
    lines = [line for line in mini_corpus.read_text(encoding="utf-8").splitlines() if line]
    paths = {"train_x.jsonl": lines[0::3], "train_y_nl.jsonl": lines[1::3],
             "dev_z.jsonl": lines[2::3]}
    for name, rows in paths.items():
        (tmp_path / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


def test_every_source_is_predicted_by_a_model_that_never_saw_it(split_corpus, monkeypatch):
    trained_on: list[set[str]] = []
    real_build = crossval.build

    def recording_build(examples, prepared, *args, **kwargs):
        trained_on.append({e.id for e in examples})
        return real_build(examples, prepared, *args, **kwargs)

    monkeypatch.setattr(crossval, "build", recording_build)
    corpus = [split_corpus / "train_x.jsonl", split_corpus / "train_y_nl.jsonl"]
    dev = [split_corpus / "dev_z.jsonl"]
    result = crossval.run(corpus=corpus, dev=dev, params=Params(folds=3))

    assert [p.source for p in result.held_out] == ["train_x", "train_y"]
    x_ids = {e.id for e in load_examples([corpus[0]])}
    y_ids = {e.id for e in load_examples([corpus[1]])}
    assert {e.id for e in result.held_out[0].examples} == x_ids
    # one build per held-out source (trained on the other only), then one on everything for dev
    assert trained_on == [y_ids, x_ids, x_ids | y_ids]
    assert [p.source for p in result.dev] == ["dev_z"]
    held = result.held_out_report()
    assert held is not None and held.n == len(x_ids) + len(y_ids)
    assert result.dev_report().n == len(load_examples(dev))  # type: ignore[union-attr]
    assert set(held.language_detail) == {"nl"}
    summary = result.held_out[1].summary()
    assert summary["source"] == "train_y" and 0.0 <= summary["theme_accuracy"] <= 1.0


def test_command_line_prints_figures_per_source(split_corpus, capsys):
    code = main(["crossval", "--corpus", str(split_corpus / "train_x.jsonl"),
                 "--corpus", str(split_corpus / "train_y_nl.jsonl"),
                 "--dev", str(split_corpus / "dev_z.jsonl"), "--set", "folds=3", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["source"] for s in data["leave_one_source_out"]["sources"]] == ["train_x", "train_y"]
    assert data["dev"]["pooled"]["n"] == len(load_examples([split_corpus / "dev_z.jsonl"]))
    assert data["params"]["folds"] == 3

    assert main(["crossval", "--corpus", str(split_corpus / "train_x.jsonl"),
                 "--no-dev"]) == 1  # one source cannot be left out
    assert "at least two sources" in capsys.readouterr().err
