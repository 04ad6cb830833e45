"""Exact figures for the internal dashboard, read from the daily aggregate tables.

Staff who may see the statistics may also read the reports themselves, so inside
nothing is suppressed: every count is the true count. Figures are read per period
with one grouped query each and kept per process under the rollup's token (which
changes only when the aggregates change), so a warm page reads no aggregate row.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import DailyClosureStat, DailyCounter, DailyDurationStat, DailyReportStat
from meldpunt.stats.aggregates import TOTAL, local_today, state_token
from meldpunt.stats.categories import (
    OUTCOME_GROUP_OF,
    THEME_GROUP_OF,
    campaign_code,
    campaign_labels,
)
from meldpunt.stats.cells import Cell
from meldpunt.stats.periods import Period


class _Cache:
    """A small per-process LRU of computed values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = compute()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_FIGURES = _Cache(512)  # figures per period and dimension
_PAGES = _Cache(48)  # rendered statistics pages (their shared part, no user data)


def cached(key: tuple, token: str | None, compute: Callable[[], Any], pages: bool = False) -> Any:
    """``compute()`` once per process for ``key`` while the rollup's token stays the same."""
    if token is None:
        return compute()
    return (_PAGES if pages else _FIGURES).get((str(db.engine.url), token, *key), compute)


def clear_cache() -> None:
    for cache in (_FIGURES, _PAGES):
        with cache.lock:
            cache.items.clear()


class Figures:
    """The exact figures one page reads."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today or local_today()
        self.token = state_token()

    def _cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        return cached((self.today, *key), self.token, compute)

    def is_complete(self, period: Period) -> bool:
        return period.end <= self.today

    def is_running(self, period: Period) -> bool:
        return period.start <= self.today < period.end

    # --- since when the meldpunt receives reports -------------------------------------

    @property
    def since(self) -> date:
        """The first day with figures (today while there are none yet)."""
        return self._cached(("since",), first_data_day) or self.today

    def covers(self, period: Period) -> bool:
        """Whether the meldpunt received reports during the whole of ``period``: only then
        is its count fit to compare with another period's."""
        return period.start >= self.since

    def before_start(self, period: Period) -> bool:
        """Whether ``period`` is over before the first day with figures: its 0 is no count."""
        return period.end <= self.since

    # --- totals per day, read once per year ---------------------------------------

    def daily_reports(self, year: int) -> dict[date, int]:
        return self._cached(("daily-reports", year), lambda: _daily(DailyReportStat, year, TOTAL))

    def daily_closures(self, year: int) -> dict[date, int]:
        return self._cached(("daily-closures", year), lambda: _daily(DailyClosureStat, year))

    def daily_counter(self, year: int, name: str) -> dict[date, int]:
        return self._cached(("daily-counter", year, name), lambda: _daily(DailyCounter, year, name))

    def _sum(self, per_year: Callable[[int], Mapping[date, int]], period: Period) -> int:
        total = 0
        for year in range(period.start.year, period.last_day.year + 1):
            days = per_year(year)
            total += sum(n for day, n in days.items() if period.start <= day < period.end)
        return total

    def report_total(self, period: Period) -> Cell:
        return Cell(self._sum(self.daily_reports, period))

    def closure_total(self, period: Period) -> Cell:
        return Cell(self._sum(self.daily_closures, period))

    def counter_total(self, period: Period, name: str) -> Cell:
        return Cell(self._sum(lambda y: self.daily_counter(y, name), period))

    def counter_day(self, day: date, name: str) -> Cell:
        return Cell(self.daily_counter(day.year, name).get(day, 0))

    # --- breakdowns ----------------------------------------------------------------

    def categories(self, dimension: str, period: Period) -> dict[str, int]:
        """Exact counts per category of ``dimension`` in ``period`` (only categories that occur)."""
        return self._cached(
            ("categories", dimension, period.start, period.end),
            lambda: categories_between(dimension, period.start, period.end),
        )

    def durations(self, measure: str, period: Period) -> dict[int, int]:
        """Reports per duration bucket (hours) of ``measure`` in ``period``."""
        return self._cached(
            ("durations", measure, period.start, period.end),
            lambda: durations_between(measure, period.start, period.end),
        )


def first_data_day() -> date | None:
    """The first day with any figure: a report in, a report closed or a counted form view.

    Before it the meldpunt did not receive reports (it was not open yet, or the figures
    were not kept), so a 0 there is no count and nothing there can be compared with.
    Counters are never rebuilt from reports, so a retention purge of old reports does not
    move this day later than the first form view.
    """
    models = (DailyReportStat, DailyClosureStat, DailyCounter)
    days = [db.session.scalar(select(func.min(model.day))) for model in models]
    known = [day for day in days if day is not None]
    return min(known) if known else None


def _daily(model, year: int, name: str | None = None) -> dict[date, int]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    query = select(model.day, func.sum(model.count)).where(model.day.between(first, last))
    if model is DailyReportStat:
        query = query.where(DailyReportStat.dimension == name)
    elif model is DailyCounter:
        query = query.where(DailyCounter.name == name)
    return {day: int(n) for day, n in db.session.execute(query.group_by(model.day))}


def categories_between(dimension: str, start: date, end: date) -> dict[str, int]:
    """Exact counts per category of reports submitted (closed, for outcomes) in [start, end)."""
    found: dict[str, int] = defaultdict(int)
    if dimension in ("outcome", "outcome_group"):
        rows = db.session.execute(
            select(DailyClosureStat.outcome, func.sum(DailyClosureStat.count))
            .where(DailyClosureStat.day >= start, DailyClosureStat.day < end)
            .group_by(DailyClosureStat.outcome)
        )
        for code, n in rows:
            key = OUTCOME_GROUP_OF.get(code, "geen_actie") if dimension == "outcome_group" else code
            found[key] += int(n)
        return dict(found)
    stored = "theme" if dimension == "theme_group" else dimension
    rows = db.session.execute(
        select(DailyReportStat.value, func.sum(DailyReportStat.count))
        .where(
            DailyReportStat.dimension == stored,
            DailyReportStat.day >= start,
            DailyReportStat.day < end,
        )
        .group_by(DailyReportStat.value)
    )
    campaigns = campaign_labels() if dimension == "campaign" else {}
    for code, n in rows:
        if dimension == "theme_group":
            code = THEME_GROUP_OF.get(code, "overig")
        elif dimension == "campaign":
            code = campaign_code(code, campaigns)
        found[code] += int(n)
    return dict(found)


def durations_between(measure: str, start: date, end: date) -> dict[int, int]:
    return {
        int(hours): int(n)
        for hours, n in db.session.execute(
            select(DailyDurationStat.bucket_hours, func.sum(DailyDurationStat.count))
            .where(
                DailyDurationStat.measure == measure,
                DailyDurationStat.day >= start,
                DailyDurationStat.day < end,
            )
            .group_by(DailyDurationStat.bucket_hours)
        )
    }
