"""The internal dashboard (``/statistiek``) and its exports: the tables of one period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from meldpunt.stats.categories import ACTION, BREAKDOWNS, DIMENSION_INFO
from meldpunt.stats.periods import WEEK, Period
from meldpunt.stats.store import Blocks
from meldpunt.stats.suppression import NA, Cell
from meldpunt.stats.tables import (
    Table,
    breakdown_table,
    follow_through_table,
    funnel_table,
    headline_table,
    monthly_table,
    weekly_table,
)

# --- pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    period: Period
    complete: bool  # the period is over: only then breakdowns, outcomes and durations
    last_complete: Period  # the latest period of the same kind that is over
    headline: Table
    weekly: Table
    monthly: Table
    funnel: Table
    follow_through: Table
    breakdowns: tuple[Table, ...]  # empty for a week and for a running period
    outcomes: Table | None
    action_share: Cell

    @property
    def tables(self) -> tuple[Table, ...]:
        found = [
            self.headline,
            self.weekly,
            self.monthly,
            self.funnel,
            self.follow_through,
            *self.breakdowns,
        ]
        if self.outcomes is not None:
            found.append(self.outcomes)
        return tuple(found)


def last_complete(kind: str, today: date) -> Period:
    """The latest week, month, quarter or year that is over."""
    return Period.containing(kind, today).previous()


def dashboard(period: Period, today: date | None = None) -> Dashboard:
    blocks = Blocks(today)
    complete = blocks.is_complete(period)
    breakdowns: tuple[Table, ...] = ()
    outcomes = None
    action_share = NA
    if period.kind != WEEK and complete:
        breakdowns = tuple(breakdown_table(blocks, d, period) for d in BREAKDOWNS)
        outcomes = breakdown_table(blocks, "outcome", period)
        action_share = action_share_of(outcomes)
    return Dashboard(
        period=period,
        complete=complete,
        last_complete=last_complete(period.kind, blocks.today),
        headline=headline_table(blocks, period),
        weekly=weekly_table(blocks, period),
        monthly=monthly_table(blocks, period),
        funnel=funnel_table(blocks, period),
        follow_through=follow_through_table(period, complete),
        breakdowns=breakdowns,
        outcomes=outcomes,
        action_share=action_share,
    )


def action_share_of(outcomes: Table) -> Cell:
    for row in outcomes.rows:
        if row.key == ACTION:
            return row.cells[1]
    return NA


def export_table(name: str, period: Period, today: date | None = None) -> Table | None:
    """One table of the dashboard by its export name, or None."""
    blocks = Blocks(today)
    if name not in _export_names(blocks, period):
        return None
    builders = {
        "kerncijfers": lambda: headline_table(blocks, period),
        "per-week": lambda: weekly_table(blocks, period),
        "per-maand": lambda: monthly_table(blocks, period),
        "trechter": lambda: funnel_table(blocks, period),
        "doorlooptijd": lambda: follow_through_table(period, blocks.is_complete(period)),
    }
    if name in builders:
        return builders[name]()
    dimension = next(d for d, info in DIMENSION_INFO.items() if info.slug == name)
    return breakdown_table(blocks, dimension, period)


def export_names(period: Period, today: date | None = None) -> list[str]:
    return _export_names(Blocks(today), period)


def _export_names(blocks: Blocks, period: Period) -> list[str]:
    names = ["kerncijfers", "per-week", "per-maand", "trechter", "doorlooptijd"]
    if period.kind != WEEK and blocks.is_complete(period):
        names += [DIMENSION_INFO[d].slug for d in BREAKDOWNS] + ["uitkomst"]
    return names
