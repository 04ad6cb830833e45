"""Shared fixtures for the triage tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINI_CORPUS = FIXTURES / "mini_corpus.jsonl"


@pytest.fixture(scope="session")
def mini_corpus() -> Path:
    return MINI_CORPUS


@pytest.fixture(scope="session")
def mini_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on the small fixture corpus (fast; used by training tests)."""
    from triage.training import train

    out = tmp_path_factory.mktemp("model") / "model.npz"
    train(corpus=[MINI_CORPUS], out=out, log=lambda *_: None)
    return out
