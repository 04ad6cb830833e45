"""Suppression of small numbers: the one rule and the protection of published sums.

Pure: no Flask, no database, no locale (like ``triage/``), so it is tested on its
own and the statistics issue can change what is suppressed in this module alone.

Small numbers
-------------
``suppress_count`` is the one rule: a count from 1 to 4 is never published; it
is shown as "<5". A rule on single cells is not enough, because published
totals and differences let a reader recompute a hidden cell (a total of 40
next to 25 + 12 + "<5" gives away a 3). We chose *secondary suppression* over
rounding: rounded totals still leak at the edges of their rounding interval
(a reader knows a hidden cell is at least 1) and they would make the headline
numbers of the meldpunt imprecise. ``protect`` therefore takes a table together
with the sums a reader knows (its total, subtotals such as a theme group, the
months that make up a quarter and a year) and hides extra cells ("x") until no
hidden count from 1 to 4 can be pinned down from those sums: first by interval
reasoning (cheap, and exact where the sums form a tree), then, for two-way
blocks, by an integer program that tries to move every hidden small count off
its value, as a determined reader with a solver would. When hiding more cells
cannot help (two categories, total 6 = 1 + 5), the cells of that line are
*withheld*: all shown as "x", so the reader cannot tell which one is small.
Percentages, changes and conversions are only computed between two published
counts.

"""

from __future__ import annotations

import logging
import math
from collections import defaultdict, deque
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

# --- cells and the small-number rule ------------------------------------------------

SHOWN = "shown"  # the number is published
SMALL = "small"  # 1 to 4: published as "<5"
HIDDEN = "hidden"  # 5 or more, hidden so a small cell cannot be recomputed: "x"
WITHHELD = "withheld"  # hidden together with a small one, indistinguishable: "x"
NOT_AVAILABLE = "na"  # nothing to show (no data, or it would rest on hidden counts)
# Never published at all (the part of a week in one month): a reader only knows it is 0 or more,
# and it is protected like a published small count when it is one.
UNPUBLISHED = "unpublished"

SMALL_MAX = 4
COUNT, PERCENT, HOURS = "count", "percent", "hours"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cell:
    """One published figure. A hidden figure carries no value at all."""

    value: int | float | None
    state: str = SHOWN
    kind: str = COUNT

    @property
    def shown(self) -> bool:
        return self.state == SHOWN and self.value is not None

    @property
    def csv(self) -> str:
        """For spreadsheets: digits with a decimal comma, suppressed as in the tables."""
        if self.state == SMALL:
            return "<5"
        if self.state in (HIDDEN, WITHHELD):
            return "x"
        value = self.value
        if not self.shown or value is None:  # shown implies a value; the None test only narrows the type
            return ""
        if self.kind == PERCENT:
            return f"{value:.1f}".replace(".", ",")
        return str(int(value))


NA = Cell(None, NOT_AVAILABLE)


def suppress_count(n: int) -> Cell:
    """THE small-number rule: a count from 1 to 4 is published as "<5", never as itself."""
    if 1 <= n <= SMALL_MAX:
        return Cell(None, SMALL)
    return Cell(int(n), SHOWN)


def percent(part: Cell, whole: Cell) -> Cell:
    """A share, only between two published counts (a share of a hidden count would reveal it)."""
    part_value, whole_value = part.value, whole.value
    if not (part.shown and whole.shown) or not whole_value or part_value is None:
        return NA
    return Cell(round(100 * part_value / whole_value, 1), SHOWN, PERCENT)


def change(current: Cell, before: Cell) -> Cell:
    """Percentage change, only between two published counts."""
    current_value, before_value = current.value, before.value
    if not (current.shown and before.shown) or not before_value or current_value is None:
        return NA
    return Cell(round(100 * (current_value - before_value) / before_value, 1), SHOWN, PERCENT)



_INF = math.inf
BOUNDS: dict[str, tuple[float, float]] = {
    SMALL: (1, SMALL_MAX),
    HIDDEN: (SMALL_MAX + 1, _INF),
    WITHHELD: (1, _INF),
    UNPUBLISHED: (0, _INF),
}

Key = Hashable
Equation = tuple[Key, Sequence[Key]]  # total, parts
Range = tuple[float, float]


def protect(
    values: Mapping[Key, int],
    equations: Sequence[Equation],
    locked: Mapping[Key, str] | None = None,
    known: Mapping[Key, Range] | None = None,
) -> dict[Key, Cell]:
    """Suppress small counts so that no published sum gives one away.

    ``values`` are the true counts; each equation says that a total equals the
    sum of its parts, which a reader knows whenever the cells are published.
    ``locked`` cells have a state decided earlier (a block of totals protected
    first); they keep it and are never chosen as complements. ``known`` narrows
    what a reader knows of some hidden cells (from tables published earlier)
    below the range their state implies.

    Every cell starts from ``suppress_count``. Then, as a reader would, we
    narrow each hidden cell to an interval using the equations (a small cell is
    1..4, a hidden one 5 or more, a withheld one 1 or more). While a hidden
    count from 1 to 4 is pinned to one value, the smallest published cell in a
    line that pins it is hidden too ("x"); when no published cell is left in
    those lines, the hidden cells of those lines are withheld.
    """
    locked = dict(locked or {})
    known = dict(known or {})
    keys = list(values)
    state: dict[Key, str] = {k: locked.get(k) or suppress_count(values[k]).state for k in keys}
    index: dict[Key, list[int]] = defaultdict(list)
    for i, (total, parts) in enumerate(equations):
        index[total].append(i)
        for part in parts:
            index[part].append(i)
    small = [k for k in keys if 1 <= values[k] <= SMALL_MAX]

    _complement_lonely_cells(values, state, equations, locked)
    # Fast: interval reasoning finds most giveaways; each round hides one cell more.
    given_up: set[Key] = set()
    for _round in range(4 * len(keys) + 10):
        low, high = _bounds(values, state, equations, index, known)
        exposed = [
            k for k in small if k not in given_up and state[k] != SHOWN and low[k] == high[k]
        ]
        if not exposed:
            break
        touched: set[int] = set()
        for k in exposed:
            # One complement per line and round: a complement may protect several cells.
            if touched.intersection(index[k]):
                continue
            before = {m for m, st in state.items() if st != SHOWN}
            if _hide_more(k, values, state, equations, index, locked, low, high):
                for m in state:
                    if state[m] != SHOWN and m not in before:
                        touched.update(index[m])
                touched.update(index[k])
            else:
                given_up.add(k)
    # Exact: a reader with a solver sees more than intervals in a two-way table.
    # (Where the sums form a tree, as for days in months in quarters, intervals are exact.)
    # Hiding more never pins anything new, so only cells pinned before are checked again.
    suspects = [k for k in small if state[k] != SHOWN] if not _is_forest(keys, equations) else []
    for _round in range(len(keys) + 10):
        pinned = _exactly_pinned(values, state, equations, suspects, known)
        if not pinned:
            break
        low, high = _bounds(values, state, equations, index, known)
        progress = False
        for k in pinned:
            progress |= _hide_more(k, values, state, equations, index, locked, low, high, wide=True)
        suspects = pinned
        if not progress:
            log.error("statistics: %d small counts could not be protected", len(pinned))
            break
    return {k: Cell(values[k], SHOWN) if state[k] == SHOWN else Cell(None, state[k]) for k in keys}


def _is_forest(keys, equations) -> bool:
    """True when no cycle runs through cells and sums (each sum joins its cells)."""
    parent: dict = {}

    def root(node):
        while parent.get(node, node) != node:
            parent[node] = parent.get(parent[node], parent[node])
            node = parent[node]
        return node

    for i, (total, parts) in enumerate(equations):
        for member in (total, *parts):
            a, b = root(("eq", i)), root(("cell", member))
            if a == b:
                return False
            parent[a] = b
    return True


def _reader_limits(state: str, known: Range | None) -> Range:
    low, high = BOUNDS[state]
    if known is not None:
        low, high = max(low, known[0]), min(high, known[1])
    return low, high


def _integer_system(values, state, equations, known):
    """The published page as a reader's integer program: hidden cells are variables."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint
    from scipy.sparse import lil_matrix

    known = known or {}
    hidden = [k for k, st in state.items() if st != SHOWN]
    column = {k: i for i, k in enumerate(hidden)}
    rows: list[tuple[dict[int, int], float]] = []
    for total, parts in equations:
        coefficients: dict[int, int] = {}
        constant = 0.0
        for member, sign in ((total, 1), *((p, -1) for p in parts)):
            if member in column:
                coefficients[column[member]] = coefficients.get(column[member], 0) + sign
            else:
                constant -= sign * values[member]
        coefficients = {c: v for c, v in coefficients.items() if v}
        if coefficients:
            rows.append((coefficients, constant))
    matrix = lil_matrix((max(len(rows), 1), max(len(hidden), 1)))
    rhs = np.zeros(max(len(rows), 1))
    for r, (coefficients, constant) in enumerate(rows):
        for c, v in coefficients.items():
            matrix[r, c] = v
        rhs[r] = constant
    constraints = [LinearConstraint(matrix.tocsr(), rhs, rhs)] if rows else []
    limits = [_reader_limits(state[k], known.get(k)) for k in hidden]
    lower = np.array([low for low, _high in limits], dtype=float)
    # A finite cap keeps every problem bounded; it can only make us hide more.
    upper = np.array([min(high, 10**7) for _low, high in limits], dtype=float)
    return hidden, column, constraints, Bounds(lower, upper)


def reader_ranges(
    values: Mapping[Key, int],
    state: Mapping[Key, str],
    equations: Sequence[Equation],
    targets: Sequence[Key],
) -> dict[Key, Range]:
    """What a reader can derive of ``targets`` (hidden cells): their lowest and highest
    value over every integer table that fits the published cells."""
    import numpy as np
    from scipy.optimize import milp

    targets = [k for k in targets if state[k] != SHOWN]
    if not targets:
        return {}
    hidden, column, constraints, bounds = _integer_system(values, state, equations, None)
    integrality = np.ones(len(hidden))
    found: dict[Key, Range] = {}
    for k in targets:
        ends = []
        for sign in (1, -1):
            objective = np.zeros(len(hidden))
            objective[column[k]] = sign
            result = milp(objective, integrality=integrality, bounds=bounds, constraints=constraints)
            if result.status != 0:
                raise RuntimeError(f"statistics: inconsistent published figures ({result.message})")
            ends.append(round(result.x[column[k]]))
        found[k] = (min(ends), max(ends))
    return found


def _exactly_pinned(values, state, equations, suspects, known=None) -> list[Key]:
    """The suspects whose value follows from the published cells over the integers.

    Published cells are constants; the hidden ones are variables bounded as a
    reader knows them. Each suspect is pushed away from its true value in the
    direction with room (up from 1..3, down from 4) and, failing that, the
    other way; a suspect that cannot move is pinned.
    """
    import numpy as np
    from scipy.optimize import milp

    suspects = [k for k in suspects if state[k] != SHOWN]
    if not suspects:
        return []
    hidden, column, constraints, bounds = _integer_system(values, state, equations, known)
    integrality = np.ones(len(hidden))

    def push(targets: list[Key], flip: bool = False) -> np.ndarray | None:
        """An integer table consistent with the page, pushing ``targets`` off their values."""
        objective = np.zeros(len(hidden))
        for k in targets:
            up = values[k] < SMALL_MAX
            objective[column[k]] = (1 if up else -1) * (-1 if not flip else 1)
        result = milp(objective, integrality=integrality, bounds=bounds, constraints=constraints)
        if result.status != 0:
            raise RuntimeError(f"statistics: inconsistent published figures ({result.message})")
        return result.x

    def off(solution: np.ndarray | None, k: Key) -> bool:
        return solution is None or abs(solution[column[k]] - values[k]) > 0.5

    # One solve moves many suspects at once; the rest is tried one by one.
    remaining = list(suspects)
    for flip in (False, True):
        while remaining:
            solution = push(remaining, flip)
            if solution is None:
                break
            moved = [k for k in remaining if off(solution, k)]
            if not moved:
                break
            remaining = [k for k in remaining if k not in moved]
    pinned = []
    for k in remaining:
        if not (off(push([k]), k) or off(push([k], flip=True), k)):
            pinned.append(k)
    return pinned


def _complement_lonely_cells(values, state, equations, locked) -> None:
    """A cheap first pass: a line with exactly one hidden count gets a second one."""
    for total, parts in equations:
        members = [total, *parts]
        hidden = [m for m in members if state[m] != SHOWN and values[m] > 0]
        if len(hidden) != 1:
            continue
        candidates = [m for m in parts if state[m] == SHOWN and values[m] > 0 and m not in locked]
        if candidates:
            state[min(candidates, key=lambda m: values[m])] = HIDDEN


def _hide_more(exposed, values, state, equations, index, locked, low, high, wide=False) -> bool:
    """Hide the smallest published cell near ``exposed``; withhold as a last resort.

    The search walks from ``exposed`` through hidden neighbours that are pinned
    themselves (or through every hidden neighbour when ``wide``).
    """
    seen = {exposed}
    frontier = deque([(exposed, 0)])
    best = None
    while frontier:
        cell, depth = frontier.popleft()
        if best is not None and depth > best[0]:
            break
        for i in index[cell]:
            total, parts = equations[i]
            for member in (total, *parts):
                if member in seen:
                    continue
                seen.add(member)
                if state[member] == SHOWN:
                    if values[member] > 0 and member not in locked:
                        candidate = (depth, values[member], member == total)
                        if best is None or candidate[:3] < best[:3]:
                            best = (*candidate, member)
                elif wide or low[member] == high[member]:
                    # A hidden neighbour that is itself pinned: look one line further.
                    frontier.append((member, depth + 1))
    if best is not None:
        state[best[3]] = HIDDEN
        return True
    changed = False
    lines = [exposed, *(m for i in index[exposed] for m in (equations[i][0], *equations[i][1]))]
    for member in lines:
        if member not in locked and state[member] in (SMALL, HIDDEN) and values[member] > 0:
            state[member] = WITHHELD
            changed = True
    return changed


def _bounds(values, state, equations, index, known=None):
    """What a reader can derive: an interval per cell, narrowed through the sums."""
    known = known or {}
    low: dict[Key, float] = {}
    high: dict[Key, float] = {}
    for k, st in state.items():
        if st == SHOWN:
            low[k] = high[k] = values[k]
        else:
            low[k], high[k] = _reader_limits(st, known.get(k))
    queue = deque(range(len(equations)))
    queued = [True] * len(equations)
    budget = 200 * len(equations) + 1000
    while queue and budget:
        budget -= 1
        i = queue.popleft()
        queued[i] = False
        total, parts = equations[i]
        sum_low = sum(low[p] for p in parts)
        sum_high = sum(high[p] for p in parts)
        changed = []
        new_low, new_high = max(low[total], sum_low), min(high[total], sum_high)
        if (new_low, new_high) != (low[total], high[total]):
            low[total], high[total] = new_low, new_high
            changed.append(total)
        for p in parts:
            others_high = sum_high - high[p] if high[p] != _INF else _sum_without(parts, high, p)
            others_low = sum_low - low[p]
            new_low = max(low[p], low[total] - others_high)
            new_high = min(high[p], high[total] - others_low)
            if (new_low, new_high) != (low[p], high[p]):
                low[p], high[p] = new_low, new_high
                changed.append(p)
        for cell in changed:
            for j in index[cell]:
                if not queued[j]:
                    queued[j] = True
                    queue.append(j)
    if queue:
        log.warning("statistics: interval reasoning stopped early (%d lines)", len(equations))
    return low, high


def _sum_without(parts, bound, skip) -> float:
    total = 0.0
    skipped = False
    for p in parts:
        if p == skip and not skipped:
            skipped = True
            continue
        total += bound[p]
    return total
