"""The small-number rule and its protection against recomputation from sums."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meldpunt.stats import suppression
from meldpunt.stats.suppression import HIDDEN, SHOWN, SMALL, WITHHELD, protect, suppress_count
from tests.stats.helpers import recoverable_cells, small_ones


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_one_to_four_is_never_published(n):
    cell = suppress_count(n)
    assert cell.state == SMALL and cell.value is None
    assert cell.csv == "<5"


@pytest.mark.parametrize("n", [0, 5, 6, 1234])
def test_zero_and_five_or_more_are_published(n):
    cell = suppress_count(n)
    assert cell.state == SHOWN and cell.value == n and cell.csv == str(n)


def _table(values: dict[str, int]) -> tuple[dict, list]:
    cells = dict(values)
    cells["total"] = sum(values.values())
    return cells, [("total", list(values))]


def test_a_single_small_cell_gets_a_complement_so_the_total_does_not_give_it_away():
    values, equations = _table({"a": 25, "b": 12, "c": 3, "d": 0})
    cells = protect(values, equations)
    assert cells["c"].state == SMALL
    assert cells["b"].state == HIDDEN  # the smallest other cell is hidden too
    assert cells["a"].value == 25 and cells["d"].value == 0 and cells["total"].value == 40
    assert small_ones(recoverable_cells(cells, equations)) == {}
    # Without the complement a reader would find the 3.
    naive = {k: suppress_count(v) for k, v in values.items()}
    assert recoverable_cells(naive, equations) == {"c": 3}


def test_two_small_cells_that_would_pin_each_other_are_protected():
    # 1 + 1 = 2 hidden out of a known total: both would be pinned to 1.
    values, equations = _table({"a": 30, "b": 1, "c": 1})
    cells = protect(values, equations)
    assert cells["b"].state == SMALL and cells["c"].state == SMALL
    assert small_ones(recoverable_cells(cells, equations)) == {}


def test_two_categories_with_a_published_total_of_six_are_withheld_together():
    # 6 = 1 + 5: knowing that "x" is 5 or more would pin the small one to 1.
    values, equations = _table({"ja": 1, "nee": 5})
    cells = protect(values, equations, locked={"total": SHOWN})
    assert {cells["ja"].state, cells["nee"].state} == {WITHHELD}
    assert cells["ja"].csv == cells["nee"].csv == "x"
    assert cells["total"].value == 6
    assert small_ones(recoverable_cells(cells, equations)) == {}


def test_an_unlocked_total_is_hidden_when_nothing_else_can_protect():
    values, equations = _table({"ja": 1, "nee": 5})
    cells = protect(values, equations)
    assert cells["ja"].state == SMALL and not cells["total"].shown
    assert small_ones(recoverable_cells(cells, equations)) == {}


def test_a_small_total_hides_its_parts_without_extra_suppression():
    values, equations = _table({"a": 2, "b": 1, "c": 0})
    cells = protect(values, equations)
    assert cells["total"].state == SMALL
    assert cells["c"].value == 0
    assert small_ones(recoverable_cells(cells, equations)) == {}


def test_locked_cells_keep_their_state_and_are_never_used_as_complement():
    values = {"total": 20, "a": 17, "b": 3}
    cells = protect(values, [("total", ["a", "b"])], locked={"total": SHOWN, "a": SHOWN})
    # Nothing published may be hidden, so the line is withheld instead.
    assert cells["total"].value == 20 and cells["a"].value == 17
    assert cells["b"].state in (SMALL, WITHHELD)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=7))
def test_no_published_one_dimensional_table_lets_a_reader_recover_a_small_count(counts):
    values, equations = _table({f"c{i}": n for i, n in enumerate(counts)})
    cells = protect(values, equations)
    for key, n in values.items():
        if 1 <= n <= 4:
            assert not cells[key].shown
    assert small_ones(recoverable_cells(cells, equations)) == {}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=9), min_size=3, max_size=3),
        min_size=2,
        max_size=4,
    )
)
def test_no_two_way_table_with_all_margins_lets_a_reader_recover_a_small_count(grid):
    """Categories (rows) by three months (columns), plus the quarter column and totals:
    the shape of one statistics block."""
    values = {}
    equations = []
    months = ["m1", "m2", "m3"]
    for r, row in enumerate(grid):
        for m, n in zip(months, row, strict=True):
            values[(m, r)] = n
        values[("q", r)] = sum(row)
        equations.append((("q", r), [(m, r) for m in months]))
    for m in [*months, "q"]:
        values[(m, "total")] = sum(values[(m, r)] for r in range(len(grid)))
        equations.append(((m, "total"), [(m, r) for r in range(len(grid))]))
    equations.append((("q", "total"), [(m, "total") for m in months]))
    cells = protect(values, equations)
    for key, n in values.items():
        if 1 <= n <= 4:
            assert not cells[key].shown
    assert small_ones(recoverable_cells(cells, equations)) == {}


def test_shares_and_changes_are_only_computed_between_published_counts():
    small, hidden = suppress_count(3), suppression.Cell(None, HIDDEN)
    total = suppress_count(40)
    assert suppression.percent(small, total).state == suppression.NOT_AVAILABLE
    assert suppression.percent(hidden, total).state == suppression.NOT_AVAILABLE
    assert suppression.percent(suppress_count(10), total).value == 25.0
    assert suppression.change(suppress_count(12), small).state == suppression.NOT_AVAILABLE
    assert suppression.change(suppress_count(12), suppress_count(10)).value == 20.0


# --- the module is pure, like triage/ --------------------------------------------------

SUPPRESSION_FILE = Path(suppression.__file__)


def test_suppression_imports_only_the_standard_library_and_the_solver():
    tree = ast.parse(SUPPRESSION_FILE.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    # numpy and scipy for the integer program, as a reader with a solver would use.
    assert imported <= set(sys.stdlib_module_names) | {"__future__", "numpy", "scipy"}, imported


def test_suppression_runs_without_flask_or_a_database():
    # Loaded from its file, without the meldpunt package (whose __init__ builds the app).
    code = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('suppression', {str(SUPPRESSION_FILE)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "sys.modules['suppression'] = module\n"
        "spec.loader.exec_module(module)\n"
        "cells = module.protect({'a': 25, 'b': 12, 'c': 3, 'total': 40}, [('total', ['a', 'b', 'c'])])\n"
        "print(json.dumps({'states': {k: c.state for k, c in cells.items()},\n"
        "                  'modules': sorted({m.split('.')[0] for m in sys.modules})}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    assert result["states"]["c"] == SMALL and result["states"]["b"] == HIDDEN
    assert not {"flask", "flask_babel", "sqlalchemy", "meldpunt"} & set(result["modules"])
