"""Publication tables, safe by construction: small categories merged into "overig",
a table under the threshold not shown, and an audit against everything published before.

Pure: standard library plus numpy/scipy, no Flask, no database, no locale; tested on its
own. See docs/adr/0008-statistics-exact-inside-merged-outside.md for why categories are
merged (not rounded) and how this compares with CBS and police.uk.

The rule for one one-way table (theme group, outcome group, reporter type):

* its total is always published exactly (it is the period total);
* under ``threshold`` (default 20) the table is not shown at all ("too few");
* a category of 1 to ``min_cell - 1`` reports is merged with the other small ones into
  one "overig" row; when that row is itself small, the smallest shown category joins it;
* the candidate is then attacked, together with every table published before for the
  same year, by an integer program (``pinned_small``) that knows the rule; while it can
  pin a small count, one more category joins the merged row; a table that cannot be
  protected that way is withheld whole.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

MIN_CELL = 5  # a count from 1 to 4 is never published, nor derivable
SHOWN, TOO_FEW, WITHHELD = "shown", "too_few", "withheld"
_CAP = 10**7  # a finite upper bound keeps every integer program bounded


@dataclass(frozen=True)
class PubRow:
    """One published row: a single category, or several merged into one."""

    codes: tuple[str, ...]
    value: int
    # The members that were merged because they were small (1 to min_cell - 1): the reader
    # knows the rule, so the audit gives them that range. Stored, never published.
    small: tuple[str, ...] = ()

    @property
    def merged(self) -> bool:
        return len(self.codes) > 1 or bool(self.small)


@dataclass(frozen=True)
class PubTable:
    status: str  # SHOWN, TOO_FEW or WITHHELD
    total: int
    rows: tuple[PubRow, ...] = ()

    def to_json(self) -> dict:
        return {
            "status": self.status,
            "total": self.total,
            "rows": [{"codes": list(r.codes), "value": r.value, "small": list(r.small)} for r in self.rows],
        }

    @classmethod
    def from_json(cls, raw: dict) -> PubTable:
        rows = tuple(PubRow(tuple(r["codes"]), int(r["value"]), tuple(r.get("small", ()))) for r in raw["rows"])
        return cls(raw["status"], int(raw["total"]), rows)


def merge_small(
    counts: Mapping[str, int], order: Sequence[str], min_cell: int = MIN_CELL, extra: int = 0
) -> tuple[PubRow, ...]:
    """Categories in ``order``; the small ones (and ``extra`` more of the smallest) in one
    merged row at the end. Zero is shown as zero: it is not a small count."""
    values = {code: int(counts.get(code, 0)) for code in order}
    small = [c for c in order if 1 <= values[c] < min_cell]
    merged = list(small)
    shown = [c for c in order if c not in merged]

    def take_smallest() -> bool:
        candidates = [c for c in shown if values[c] > 0]
        if not candidates:
            return False
        pick = min(candidates, key=lambda c: (values[c], order.index(c)))
        shown.remove(pick)
        merged.append(pick)
        return True

    while merged and 1 <= sum(values[c] for c in merged) < min_cell and take_smallest():
        pass
    for _ in range(extra):
        if not take_smallest():
            break
    rows = [PubRow((c,), values[c]) for c in shown]
    if merged:
        ordered = tuple(c for c in order if c in merged)
        rows.append(PubRow(ordered, sum(values[c] for c in merged), tuple(c for c in ordered if c in small)))
    return tuple(rows)


# --- the reader's integer program ------------------------------------------------------

Var = Hashable


@dataclass
class System:
    """What a reader knows: sums of unknown non-negative integers, and ranges of some."""

    equations: list[tuple[tuple[tuple[Var, int], ...], int]] = field(default_factory=list)
    bounds: dict[Var, tuple[int, int]] = field(default_factory=dict)

    def variable(self, var: Var) -> None:
        self.bounds.setdefault(var, (0, _CAP))

    def narrow(self, var: Var, low: int, high: int) -> None:
        old_low, old_high = self.bounds.get(var, (0, _CAP))
        self.bounds[var] = (max(old_low, low), min(old_high, high))

    def add_sum(self, variables: Sequence[Var], value: int) -> None:
        for var in variables:
            self.variable(var)
        self.equations.append((tuple((v, 1) for v in variables), int(value)))

    def narrow_sum(self, variables: Sequence[Var], low: int, high: int) -> None:
        """The reader knows ``low <= sum(variables) <= high``."""
        if len(variables) == 1:
            self.narrow(variables[0], low, high)
            return
        aux = ("sum", tuple(variables))
        self.narrow(aux, low, high)
        self.equations.append(((*((v, 1) for v in variables), (aux, -1)), 0))

    def add_table(
        self, table: PubTable, codes: Sequence[str], cell: Callable[[str], Sequence[Var]], min_cell: int
    ) -> None:
        """A published table: its total (always exact) and, when shown, each row as the sum
        of its cells, with the rule's range for a member merged because it was small."""
        self.add_sum([v for code in codes for v in cell(code)], table.total)
        if table.status != SHOWN:
            return
        for row in table.rows:
            self.add_sum([v for code in row.codes for v in cell(code)], row.value)
            for code in row.small:
                self.narrow_sum(cell(code), 1, min_cell - 1)


def pinned_small(system: System, targets: Sequence[Var], min_cell: int = MIN_CELL) -> dict[Var, int]:
    """The targets an integer program pins to one value from 1 to ``min_cell - 1``."""
    # Loaded on first use: scipy takes a second to import, and only the rollup job needs it.
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    keys = list(system.bounds)
    index = {k: i for i, k in enumerate(keys)}
    targets = [t for t in targets if t in index]
    if not targets:
        return {}
    low = np.array([system.bounds[k][0] for k in keys], dtype=float)
    high = np.array([system.bounds[k][1] for k in keys], dtype=float)
    constraints = []
    if system.equations:
        matrix = np.zeros((len(system.equations), len(keys)))
        rhs = np.zeros(len(system.equations))
        for r, (variables, value) in enumerate(system.equations):
            for var, coefficient in variables:
                matrix[r, index[var]] += coefficient
            rhs[r] = value
        constraints = [LinearConstraint(matrix, rhs, rhs)]
    integrality = np.ones(len(keys))

    def extreme(var: Var, sign: int) -> int | None:
        objective = np.zeros(len(keys))
        objective[index[var]] = sign
        result = milp(objective, integrality=integrality, bounds=Bounds(low, high), constraints=constraints)
        if result.status != 0:
            return None
        return round(result.x[index[var]])

    found = {}
    for var in targets:
        smallest = extreme(var, 1)
        if smallest is None or smallest >= min_cell:
            continue
        if extreme(var, -1) == smallest and 1 <= smallest < min_cell:
            found[var] = smallest
    return found


def protect_table(
    counts: Mapping[str, int],
    order: Sequence[str],
    total: int,
    threshold: int,
    safe: Callable[[PubTable], bool],
    min_cell: int = MIN_CELL,
) -> PubTable:
    """The table as it may be published: too few, merged until ``safe``, or withheld whole."""
    if total < threshold:
        return PubTable(TOO_FEW, total)
    for extra in range(len(order)):
        rows = merge_small(counts, order, min_cell, extra)
        if len(rows) < 2:
            break
        table = PubTable(SHOWN, total, rows)
        if safe(table):
            return table
    return PubTable(WITHHELD, total)


def area_ranges(counts: Mapping[str, int], threshold: int) -> tuple[PubRow, ...]:
    """Four-digit postcode areas merged into ranges of neighbouring areas until each range
    holds at least ``threshold`` reports. Reports without a postcode ("") form their own row
    when there are enough of them, else they join the smallest range."""
    areas = sorted(code for code, n in counts.items() if code and n > 0)
    groups: list[list[str]] = []
    current: list[str] = []
    for area in areas:
        current.append(area)
        if sum(counts[a] for a in current) >= threshold:
            groups.append(current)
            current = []
    if current:
        if groups:
            groups[-1].extend(current)
        else:
            groups.append(current)
    rows = [PubRow(tuple(g), sum(counts[a] for a in g)) for g in groups]
    missing = int(counts.get("", 0))
    if missing >= threshold or (missing and not rows):
        rows.append(PubRow(("",), missing))
    elif missing:
        smallest = min(range(len(rows)), key=lambda i: rows[i].value)
        row = rows[smallest]
        rows[smallest] = PubRow((*row.codes, ""), row.value + missing)
    return tuple(rows)
