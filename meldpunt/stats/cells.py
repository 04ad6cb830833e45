"""Cells of a statistics table: a figure, or "nothing to show", and the shares between two.

Pure: no Flask, no database, no locale. Inside (the staff dashboard) every count is
exact; outside (publications) a table is protected as a whole by
``meldpunt.stats.disclosure``, so a cell itself is never "hidden": it is a number or it is
not available.
"""

from __future__ import annotations

from dataclasses import dataclass

SHOWN = "shown"  # the number is shown
NOT_AVAILABLE = "na"  # nothing to show (no data, or nothing to compare with)
COUNT, PERCENT, HOURS = "count", "percent", "hours"


@dataclass(frozen=True)
class Cell:
    """One figure of a table."""

    value: int | float | None
    state: str = SHOWN
    kind: str = COUNT

    @property
    def shown(self) -> bool:
        return self.state == SHOWN and self.value is not None

    @property
    def number(self) -> int | float | None:
        """For a number column of a CSV file: the value, or None (an empty cell)."""
        return self.value if self.shown else None


NA = Cell(None, NOT_AVAILABLE)


def count(n: int) -> Cell:
    return Cell(int(n))


def percent(part: Cell, whole: Cell) -> Cell:
    """A share in percent, between two shown counts."""
    part_value, whole_value = part.value, whole.value
    if not (part.shown and whole.shown) or not whole_value or part_value is None:
        return NA
    return Cell(round(100 * part_value / whole_value, 1), SHOWN, PERCENT)


def change(current: Cell, before: Cell) -> Cell:
    """Percentage change between two shown counts."""
    current_value, before_value = current.value, before.value
    if not (current.shown and before.shown) or not before_value or current_value is None:
        return NA
    return Cell(round(100 * (current_value - before_value) / before_value, 1), SHOWN, PERCENT)
