"""Classifying leaves no cyclic garbage, so pausing the collector during a call
(triage/engine.py, _collector_paused) cannot let memory pile up; and the
collector is running again afterwards, also when a call raises."""

from __future__ import annotations

import gc

import pytest

import triage

REPORTS = [
    {"text": "Er hangt een wietlucht bij de buren en de ramen zijn afgeplakt."},
    {"text": "He showed a gun and said he will come back tonight to shoot the owner."},
    {"text": "Szef zabral nam paszporty i nie placi od dwoch miesiecy."},
    {"text": "قدام المسجد شباب يبيعون حشيش كل يوم بعد الصلاة"},
]


def test_classifying_leaves_no_cyclic_garbage():
    triage.classify_many(REPORTS)  # caches filled
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            triage.classify_many(REPORTS)
            for report in REPORTS:
                triage.classify(report)
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_the_collector_runs_again_after_a_call_and_after_an_error():
    assert gc.isenabled()
    triage.classify_many(REPORTS)
    triage.classify(REPORTS[0])
    assert gc.isenabled()
    from triage.engine import _collector_paused

    with pytest.raises(RuntimeError), _collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failing classification")
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled():
    gc.disable()
    try:
        triage.classify_many(REPORTS)
        assert not gc.isenabled()
    finally:
        gc.enable()
