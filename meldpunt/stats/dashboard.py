"""The internal dashboard (``/statistiek``) and its exports: exact tables of one period.

Inside nothing is suppressed. The dashboard opens on the last finished month and offers
the year to date (up to the last finished month); a running period is marked as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from flask_babel import format_date

from meldpunt.stats.aggregates import local_today
from meldpunt.stats.categories import ACTION, BREAKDOWNS, DIMENSION_INFO
from meldpunt.stats.cells import NA, Cell
from meldpunt.stats.figures import Figures
from meldpunt.stats.periods import MONTH, YEAR_TO_DATE, Period
from meldpunt.stats.tables import (
    Table,
    breakdown_table,
    follow_through_table,
    funnel_table,
    headline_table,
    monthly_table,
    response_table,
    response_trend_table,
    trend_table,
    weekly_table,
)

# The dimensions with a 13-month trend on the dashboard.
TRENDS = ("theme_group", "reporter_type", "campaign", "heard_via")


@dataclass(frozen=True)
class Dashboard:
    period: Period
    running: bool
    last_complete: Period  # the latest period of the same kind that is over
    headline: Table
    weekly: Table
    monthly: Table
    funnel: Table
    follow_through: Table
    response: Table
    response_trend: Table
    breakdowns: tuple[Table, ...]
    outcomes: Table
    action_share: Cell
    trends: tuple[Table, ...]
    since: date  # the first day with figures: the meldpunt receives reports since then

    @property
    def since_label(self) -> str:
        return format_date(self.since, "d MMMM y")

    @property
    def tables(self) -> tuple[Table, ...]:
        return (
            self.headline,
            self.weekly,
            self.monthly,
            self.funnel,
            self.follow_through,
            self.response,
            self.response_trend,
            *self.breakdowns,
            self.outcomes,
            *self.trends,
        )


def last_complete(kind: str, today: date) -> Period:
    """The latest week, month, quarter or year that is over."""
    return Period.containing(kind, today).previous()


def default_period(today: date | None = None) -> Period:
    """Where the dashboard opens: the last finished month."""
    return last_complete(MONTH, today or local_today())


def year_to_date(today: date | None = None) -> Period:
    """This year up to the last finished month (January: the whole of last year)."""
    today = today or local_today()
    return Period.containing(YEAR_TO_DATE, last_complete(MONTH, today).start)


def dashboard(period: Period, today: date | None = None) -> Dashboard:
    figures = Figures(today)
    outcomes = breakdown_table(figures, "outcome", period)
    return Dashboard(
        period=period,
        running=figures.is_running(period),
        last_complete=last_complete(period.kind, figures.today),
        headline=headline_table(figures, period),
        weekly=weekly_table(figures, period),
        monthly=monthly_table(figures, period),
        funnel=funnel_table(figures, period),
        follow_through=follow_through_table(figures, period),
        response=response_table(figures, period),
        response_trend=response_trend_table(figures, period),
        breakdowns=tuple(breakdown_table(figures, d, period) for d in BREAKDOWNS),
        outcomes=outcomes,
        action_share=action_share_of(outcomes),
        trends=tuple(trend_table(figures, d, period) for d in TRENDS),
        since=figures.since,
    )


def action_share_of(outcomes: Table) -> Cell:
    for row in outcomes.rows:
        if row.key == ACTION:
            return row.cells[1]
    return NA


def _builders(figures: Figures, period: Period) -> dict[str, Callable[[], Table]]:
    found: dict[str, Callable[[], Table]] = {
        "kerncijfers": lambda: headline_table(figures, period),
        "per-week": lambda: weekly_table(figures, period),
        "per-maand": lambda: monthly_table(figures, period),
        "trechter": lambda: funnel_table(figures, period),
        "doorlooptijd": lambda: follow_through_table(figures, period),
        "reactietijd": lambda: response_table(figures, period),
        "reactietijd-trend": lambda: response_trend_table(figures, period),
    }
    for dimension in (*BREAKDOWNS, "outcome"):
        slug = DIMENSION_INFO[dimension].slug
        found[slug] = partial(breakdown_table, figures, dimension, period)
    for dimension in TRENDS:
        slug = "trend-" + DIMENSION_INFO[dimension].slug
        found[slug] = partial(trend_table, figures, dimension, period)
    return found


def export_table(name: str, period: Period, today: date | None = None) -> Table | None:
    """One table of the dashboard by its export name, or None."""
    builder = _builders(Figures(today), period).get(name)
    return builder() if builder else None


def export_names(period: Period, today: date | None = None) -> list[str]:
    return list(_builders(Figures(today), period))


def all_tables(period: Period, today: date | None = None) -> list[Table]:
    return list(dashboard(period, today).tables)
