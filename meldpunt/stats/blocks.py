"""Protected calendar blocks: the published figures of one calendar year, computed
from the aggregate tables.

To keep a cell's treatment the same on every page, tables are protected in
fixed calendar blocks: for each calendar year the months, quarters and the
year of a category are protected together, against the totals of the same
months, quarters, year and ISO weeks, which are protected first. A monthly
table, a quarterly table, the public results page and the yearly factsheet are
slices of the same protected block, so comparing them reveals nothing. Weeks
cut across months, so the reader's sums run through the part of each week
that falls in one month; such a part is never published and, when it holds 1
to 4 reports, protected like any small count ("March minus its whole weeks"
must not give away the reports of two days). Breakdowns are offered per
month, quarter and year, not per week; weekly statistics are totals only. No
page publishes a count of reports per day: the funnel shows form views per
day, and submitted reports as the very totals of the week, month, quarter or
year.

Periods that are over and periods still running are protected in stages (see
``_protect_year``), and running periods get totals but no breakdowns,
outcomes or durations: the figures are refreshed every quarter of an hour,
and a poller comparing a running breakdown before and after one new report
would read that report's theme, area or campaign off it.

The rollup job computes the protected year blocks and stores them
(``publish``, table ``stat_published``); pages read and cache them, and compute
a block themselves only when no stored one fits (``load_block``).

"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import (
    DailyClosureStat,
    DailyCounter,
    DailyReportStat,
)
from meldpunt.stats.aggregates import (
    DIMENSIONS,
    TOTAL,
    local_today,
)
from meldpunt.stats.categories import (
    DIMENSION_INFO,
    NO_ACTION,
    OUTCOME_GROUPS,
    OUTCOME_STAT_LABELS,
    THEME_GROUP_OF,
    THEME_GROUPS,
    campaign_code,
    campaign_labels,
    dimension_labels,
)
from meldpunt.stats.periods import MONTH, QUARTER, YEAR, Period, add_months
from meldpunt.stats.suppression import (
    BOUNDS,
    NA,
    SHOWN,
    SMALL_MAX,
    UNPUBLISHED,
    Cell,
    Equation,
    Key,
    Range,
    protect,
    reader_ranges,
)

# --- reading the aggregate tables, in protected calendar blocks --------------------
#
# A year block holds every published total of one calendar year (months,
# quarters, the year and the ISO weeks inside it) and the breakdowns of its
# months, quarters and year. Weeks and months overlap; the reader's equations
# therefore run through *segments*: the part of a week that falls in one month
# (or one year). Segments are never published, and a segment of 1 to 4 is
# protected like any small count, so "month minus its whole weeks" cannot give
# away the reports of a few days.
#
# Periods that are over and periods still running are protected in three
# stages, so that a new report never changes a figure of a period that is over:
#
# 1. the totals of the periods that are over, among themselves;
# 2. the breakdowns of those periods, against those totals (locked);
# 3. the totals of the running periods, with everything of 1 and 2 locked and
#    what a reader knows of the hidden totals from the breakdowns given.
#
# Running periods get no breakdown: a poller comparing the page before and
# after one new report would read that report's theme, area or campaign off it.

YEAR_KEY = ("y",)


def _m(month: int) -> tuple:
    return ("m", month)


def _q(quarter: int) -> tuple:
    return ("q", quarter)


def week_key(monday: date) -> tuple:
    return ("w", monday)


def _s(monday: date, month: int) -> tuple:
    """The days of the week starting ``monday`` that fall in ``month`` (of the block's year)."""
    return ("s", monday, month)


def _time_keys() -> list[tuple]:
    return [*(_m(m) for m in range(1, 13)), *(_q(q) for q in range(1, 5)), YEAR_KEY]


def _month_last(year: int, month: int) -> date:
    return add_months(date(year, month, 1), 1) - timedelta(days=1)


@dataclass(frozen=True)
class _Calendar:
    """The cells of a year block's totals, their days and the sums a reader knows."""

    spans: dict[tuple, tuple[date, date]]  # key -> first and last day
    equations: list[Equation]
    edges: list[tuple]  # segments of the weeks across New Year


def _calendar(year: int, with_weeks: bool) -> _Calendar:
    spans: dict[tuple, tuple[date, date]] = {}
    for m in range(1, 13):
        spans[_m(m)] = (date(year, m, 1), _month_last(year, m))
    for q in range(1, 5):
        spans[_q(q)] = (date(year, 3 * q - 2, 1), _month_last(year, 3 * q))
    spans[YEAR_KEY] = (date(year, 1, 1), date(year, 12, 31))
    equations: list[Equation] = [
        (_q(q), [_m(m) for m in range(3 * q - 2, 3 * q + 1)]) for q in range(1, 5)
    ]
    equations.append((YEAR_KEY, [_q(q) for q in range(1, 5)]))
    edges: list[tuple] = []
    if with_weeks:
        first, last = date(year, 1, 1), date(year, 12, 31)
        in_month: dict[int, list[tuple]] = defaultdict(list)
        monday = first - timedelta(days=first.weekday())
        while monday <= last:
            sunday = monday + timedelta(days=6)
            inside = first <= monday and sunday <= last
            months = sorted(
                {(monday + timedelta(days=i)).month for i in range(7)
                 if first <= monday + timedelta(days=i) <= last}
            )
            if inside:
                spans[week_key(monday)] = (monday, sunday)
            if inside and len(months) == 1:
                in_month[months[0]].append(week_key(monday))
            else:
                segments = []
                for month in months:
                    key = _s(monday, month)
                    spans[key] = (
                        max(monday, date(year, month, 1)),
                        min(sunday, _month_last(year, month)),
                    )
                    in_month[month].append(key)
                    segments.append(key)
                if inside:
                    equations.append((week_key(monday), segments))
                else:
                    edges.extend(segments)
            monday += timedelta(days=7)
        equations.extend((_m(m), in_month[m]) for m in range(1, 13))
    return _Calendar(spans, equations, edges)


def _span_values(calendar: _Calendar, daily: Mapping[date, int]) -> dict[Key, int]:
    values: dict[Key, int] = {}
    for key, (first, last) in calendar.spans.items():
        values[key] = sum(
            daily.get(first + timedelta(days=i), 0) for i in range((last - first).days + 1)
        )
    return values


def _time_values(by_month: Mapping[int, int]) -> dict[tuple, int]:
    values = {_m(m): int(by_month.get(m, 0)) for m in range(1, 13)}
    for q in range(1, 5):
        values[_q(q)] = sum(values[_m(m)] for m in range(3 * q - 2, 3 * q + 1))
    values[YEAR_KEY] = sum(values[_q(q)] for q in range(1, 5))
    return values


@dataclass
class YearBlock:
    """Published figures of one calendar year for one kind of count."""

    year: int
    totals: dict[tuple, Cell]  # month / quarter / year / week keys
    complete: set[tuple] = field(default_factory=set)  # keys of periods that were over
    as_of: date | None = None  # the day that decided what was over (None: the whole year)
    categories: dict[str, dict[tuple, dict[str, Cell]]] = field(default_factory=dict)
    category_values: dict[str, list[str]] = field(default_factory=dict)

    def total(self, period: Period) -> Cell:
        return self.totals.get(period_key(period), NA)

    def is_complete(self, period: Period) -> bool:
        return period_key(period) in self.complete

    def category(self, dimension: str, period: Period) -> dict[str, Cell]:
        """The breakdown of a period that is over; empty for a running one."""
        return self.categories.get(dimension, {}).get(period_key(period), {})


def period_key(period: Period) -> tuple:
    if period.kind == MONTH:
        return _m(period.start.month)
    if period.kind == QUARTER:
        return _q(period.quarter)
    if period.kind == YEAR:
        return YEAR_KEY
    return week_key(period.start)


@dataclass(frozen=True)
class _Categories:
    """One dimension of a year: counts per code and month, and optional groups of codes."""

    by_code: dict[str, dict[int, int]]
    hierarchy: dict[str, list[str]] | None = None


def _protect_categories(
    totals_values: Mapping[Key, int],
    totals: Mapping[Key, Cell],
    equations: Sequence[Equation],
    found: _Categories,
    time_keys: Sequence[tuple],
) -> tuple[dict[tuple, dict[str, Cell]], tuple[dict[Key, int], dict[Key, str], list[Equation]]]:
    """One dimension over the periods ``time_keys``, protected against the (locked) totals.

    With a ``hierarchy`` (themes in theme groups) the groups sit between the
    codes and the total. Returns the cells and the reader's system as published.
    """
    values: dict[Key, int] = dict(totals_values)
    locked = {k: c.state for k, c in totals.items()}
    all_equations: list[Equation] = list(equations)
    series = {code: _time_values(months) for code, months in found.by_code.items()}
    top = list(series)
    if found.hierarchy:
        for group, members in found.hierarchy.items():
            series[group] = {
                t: sum(series[c][t] for c in members if c in series) for t in _time_keys()
            }
        top = list(found.hierarchy)
    for code, per_time in series.items():
        for t in time_keys:
            values[(t, code)] = per_time[t]
    for t in time_keys:
        all_equations.append((t, [(t, code) for code in top]))
        for group, members in (found.hierarchy or {}).items():
            all_equations.append(((t, group), [(t, c) for c in members if c in series]))
    for code in series:
        for q in range(1, 5):
            if _q(q) in time_keys:
                all_equations.append(
                    ((_q(q), code), [(_m(m), code) for m in range(3 * q - 2, 3 * q + 1)])
                )
        if YEAR_KEY in time_keys:
            all_equations.append(((YEAR_KEY, code), [(_q(q), code) for q in range(1, 5)]))
    cells = protect(values, all_equations, locked)
    result: dict[tuple, dict[str, Cell]] = {
        t: {code: cells[(t, code)] for code in series} for t in time_keys
    }
    return result, (values, {k: c.state for k, c in cells.items()}, all_equations)


def _protect_year(
    calendar: _Calendar,
    values: Mapping[Key, int],
    fixed: Mapping[Key, str],
    dimensions: Mapping[str, _Categories],
    today: date,
) -> tuple[dict[Key, Cell], dict[str, dict[tuple, dict[str, Cell]]], set[tuple]]:
    """The three stages (see above): totals, breakdowns of periods that are over, running totals."""
    complete = {k for k, (_first, last) in calendar.spans.items() if last < today}
    over_equations = [
        (t, parts)
        for t, parts in calendar.equations
        if t in complete and all(p in complete for p in parts)
    ]
    over_values: dict[Key, int] = {k: values[k] for k in values if k in complete}
    totals = protect(over_values, over_equations, {k: s for k, s in fixed.items() if k in complete})
    time_keys = [t for t in _time_keys() if t in complete]
    breakdowns: dict[str, dict[tuple, dict[str, Cell]]] = {}
    systems = []
    if time_keys:
        for name, found in dimensions.items():
            breakdowns[name], system = _protect_categories(
                over_values, totals, over_equations, found, time_keys
            )
            systems.append(system)
    running = [k for k in values if k not in complete]
    if running:
        locked = {k: c.state for k, c in totals.items()}
        locked.update({k: s for k, s in fixed.items() if k not in complete})
        hidden = [t for t in time_keys if not totals[t].shown]
        known: dict[Key, Range] = {t: BOUNDS[totals[t].state] for t in hidden}
        for system_values, states, equations in systems:
            for t, (low, high) in reader_ranges(system_values, states, equations, hidden).items():
                known[t] = (max(known[t][0], low), min(known[t][1], high))
        final = protect(values, calendar.equations, locked, known)
        totals = {**totals, **{k: final[k] for k in running}}
    return totals, breakdowns, complete


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def daily_totals(first: date, last: date) -> dict[date, int]:
    return {
        day: int(count)
        for day, count in db.session.execute(
            select(DailyReportStat.day, DailyReportStat.count).where(
                DailyReportStat.dimension == TOTAL, DailyReportStat.day.between(first, last)
            )
        )
    }


def _edge_locks(calendar: _Calendar, values: Mapping[Key, int]) -> dict[Key, str]:
    """Segments are never published. The part of a week across New Year counts as known to a
    reader unless it is small: that week's total is published only when neither part is."""
    fixed: dict[Key, str] = {k: UNPUBLISHED for k in calendar.spans if k[0] == "s"}
    for key in calendar.edges:
        if not 1 <= values[key] <= SMALL_MAX:
            fixed[key] = SHOWN
    return fixed


def compute_report_block(year: int, today: date | None = None) -> YearBlock:
    """Reports submitted in ``year``: totals and every breakdown, protected (the rollup job
    stores the result; a page computes it only when no stored one fits)."""
    today = today or local_today()
    first, last = year_bounds(year)
    calendar = _calendar(year, with_weeks=True)
    values = _span_values(calendar, daily_totals(first, last))
    month = func.extract("month", DailyReportStat.day)
    rows = db.session.execute(
        select(
            DailyReportStat.dimension, DailyReportStat.value, month, func.sum(DailyReportStat.count)
        )
        .where(DailyReportStat.dimension != TOTAL, DailyReportStat.day.between(first, last))
        .group_by(DailyReportStat.dimension, DailyReportStat.value, month)
    ).all()
    found: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    campaigns = campaign_labels()
    for dimension, value, month_number, count in rows:
        if dimension == "campaign":
            value = campaign_code(value, campaigns)
        per_month = found[dimension][value]
        per_month[int(month_number)] = per_month.get(int(month_number), 0) + int(count)
    dimensions: dict[str, _Categories] = {}
    for dimension in DIMENSIONS:
        by_value = _with_closed_categories(dimension, found.get(dimension, {}))
        hierarchy = None
        if dimension == "theme":
            hierarchy = {
                g: [t for t in themes if t in by_value] for g, themes in THEME_GROUPS.items()
            }
            # A theme outside the taxonomy still counts, in the "overig" group.
            extra = [t for t in by_value if t not in THEME_GROUP_OF]
            hierarchy["overig"] = [*hierarchy["overig"], *extra]
        dimensions[dimension] = _Categories(by_value, hierarchy)
    totals, breakdowns, complete = _protect_year(
        calendar, values, _edge_locks(calendar, values), dimensions, today
    )
    block = _new_block(year, totals, complete, today)
    for dimension, cells in breakdowns.items():
        by_value = dimensions[dimension].by_code
        if dimension == "theme":
            block.categories["theme_group"] = {
                t: {g: c for g, c in per.items() if g in THEME_GROUPS} for t, per in cells.items()
            }
            cells = {
                t: {k: c for k, c in per.items() if k not in THEME_GROUPS}
                for t, per in cells.items()
            }
        block.categories[dimension] = cells
    for dimension in DIMENSIONS:
        block.category_values[dimension] = list(dimensions[dimension].by_code)
    block.category_values["theme_group"] = list(THEME_GROUPS)
    return block


def _new_block(year: int, totals: Mapping[Key, Cell], complete: set, today: date) -> YearBlock:
    return YearBlock(
        year,
        {k: c for k, c in totals.items() if isinstance(k, tuple) and k[0] != "s"},
        complete={k for k in complete if k[0] != "s"},
        as_of=None if date(year, 12, 31) < today else today,
    )


def _with_closed_categories(
    dimension: str, found: Mapping[str, Mapping[int, int]]
) -> dict[str, dict[int, int]]:
    info = DIMENSION_INFO[dimension]
    ordered: dict[str, dict[int, int]] = {}
    if info.closed:
        for code in dimension_labels(dimension):
            ordered[code] = dict(found.get(code, {}))
    for code in sorted(found):
        ordered.setdefault(code, dict(found[code]))
    return ordered


def compute_closure_block(year: int, today: date | None = None) -> YearBlock:
    """Reports closed in ``year``: totals per month/quarter/year and outcomes, protected."""
    today = today or local_today()
    first, last = year_bounds(year)
    month = func.extract("month", DailyClosureStat.day)
    rows = db.session.execute(
        select(DailyClosureStat.outcome, month, func.sum(DailyClosureStat.count))
        .where(DailyClosureStat.day.between(first, last))
        .group_by(DailyClosureStat.outcome, month)
    ).all()
    by_outcome: dict[str, dict[int, int]] = {
        code: {} for group in OUTCOME_GROUPS.values() for code in group
    }
    by_month: dict[int, int] = defaultdict(int)
    for outcome, month_number, count in rows:
        by_outcome.setdefault(outcome, {})[int(month_number)] = int(count)
        by_month[int(month_number)] += int(count)
    calendar = _calendar(year, with_weeks=False)
    values: dict[Key, int] = dict(_time_values(by_month))
    hierarchy = {g: list(codes) for g, codes in OUTCOME_GROUPS.items()}
    hierarchy[NO_ACTION] += [o for o in by_outcome if o not in OUTCOME_STAT_LABELS]
    totals, breakdowns, complete = _protect_year(
        calendar, values, {}, {"outcome": _Categories(by_outcome, hierarchy)}, today
    )
    block = _new_block(year, totals, complete, today)
    if "outcome" in breakdowns:
        block.categories["outcome"] = breakdowns["outcome"]
    block.category_values["outcome"] = list(by_outcome)
    return block


_COUNTER_CACHE: OrderedDict[tuple, tuple[dict[date, Cell], dict[tuple, Cell]]] = OrderedDict()
_COUNTER_CACHE_LOCK = threading.Lock()


def counter_block(year: int, name: str) -> tuple[dict[date, Cell], dict[tuple, Cell]]:
    """A traffic counter of ``year``: days, months, quarters and the year, protected together.

    Counters (form views, visits with a receipt code) count no report, so no
    report figure adds to what a reader knows of them.
    """
    first, last = year_bounds(year)
    daily = {
        day: int(count)
        for day, count in db.session.execute(
            select(DailyCounter.day, DailyCounter.count).where(
                DailyCounter.name == name, DailyCounter.day.between(first, last)
            )
        )
    }
    cache_key = (str(db.engine.url), year, name, tuple(sorted(daily.items())))
    with _COUNTER_CACHE_LOCK:
        cached = _COUNTER_CACHE.get(cache_key)
    if cached is not None:
        return cached
    values: dict[Key, int] = {}
    by_month: dict[int, int] = defaultdict(int)
    day = first
    while day <= last:
        values[("d", day)] = daily.get(day, 0)
        by_month[day.month] += daily.get(day, 0)
        day += timedelta(days=1)
    values.update(_time_values(by_month))
    equations = _calendar(year, with_weeks=False).equations
    for m in range(1, 13):
        start = date(year, m, 1)
        days = (add_months(start, 1) - start).days
        equations.append((_m(m), [("d", start + timedelta(days=i)) for i in range(days)]))
    # Every key built above is a tuple ("d", day), ("m", month), ...
    cells = cast(dict[tuple, Cell], protect(values, equations))
    days_cells = {k[1]: c for k, c in cells.items() if k[0] == "d"}
    result = days_cells, {k: c for k, c in cells.items() if k[0] != "d"}
    with _COUNTER_CACHE_LOCK:
        _COUNTER_CACHE[cache_key] = result
        while len(_COUNTER_CACHE) > 8:
            _COUNTER_CACHE.popitem(last=False)
    return result
