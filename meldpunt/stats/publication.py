"""Publications: quarters and years, frozen once published, protected as a whole.

The rollup job calls ``publish_due``: every quarter and every year that is over and
not yet published is computed from the aggregate tables, protected (``disclosure``)
against everything already published for the same year, and stored in
``stat_publication``. A stored publication is never changed: a report closed or
corrected later does not move a published figure, so comparing releases tells a
reader nothing new. The public page ``/resultaten``, the factsheet and the
publication exports only read these rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from meldpunt.counters import FOLLOWUP_LOGIN, FORM_VIEW
from meldpunt.extensions import db
from meldpunt.models import DailyClosureStat, DailyReportStat, StatPublication
from meldpunt.stats import disclosure
from meldpunt.stats.aggregates import CLOSING, FIRST_ACTION, local_today
from meldpunt.stats.categories import (
    ACTION,
    NO_ACTION,
    REPORTER_TYPE_STAT_LABELS,
    THEME_GROUPS,
)
from meldpunt.stats.figures import Figures, categories_between, first_data_day
from meldpunt.stats.periods import QUARTER, YEAR, Period
from meldpunt.stats.tables import percentile_hours

# The one-way tables of a publication, with their categories and what their total is.
TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "theme_group": (tuple(THEME_GROUPS), "received"),
    "reporter_type": (tuple(REPORTER_TYPE_STAT_LABELS), "received"),
    "outcome_group": ((ACTION, NO_ACTION), "closed"),
}
AREA = "postcode_area"  # per year only, in ranges of neighbouring areas


def threshold() -> int:
    return int(current_app.config.get("STATS_PUBLICATION_THRESHOLD", 20))


@dataclass(frozen=True)
class Publication:
    period: Period
    published_at: datetime
    received: int
    closed: int
    views: int
    followups: int
    threshold: int
    tables: dict[str, disclosure.PubTable]
    first_action_median: int | None  # hours; None when too few or most still wait
    closing_median: int | None
    # The exact counts the tables were made from (stored, never shown): a year adds up the
    # counts of its four frozen quarters, so it agrees with them even after a late correction.
    basis: dict = field(default_factory=dict)
    # The first day with figures when this was published: before it the meldpunt received no
    # reports, so an earlier period is no fair comparison. None in publications made before
    # this was stored (their readers fall back on the first day with figures now).
    data_since: date | None = None
    since_stored: bool = True  # False for a publication made before the first day was stored

    def action_share(self) -> float | None:
        table = self.tables.get("outcome_group")
        if table is None or table.status != disclosure.SHOWN or not table.total:
            return None
        for row in table.rows:
            if row.codes == (ACTION,):
                return round(100 * row.value / table.total, 1)
        return None


def _period(kind: str, start: date) -> Period:
    return Period.containing(kind, start)


def _from_row(row: StatPublication) -> Publication:
    raw = json.loads(row.payload)
    return Publication(
        period=_period(row.kind, row.start),
        published_at=row.published_at,
        received=raw["received"],
        closed=raw["closed"],
        views=raw["views"],
        followups=raw["followups"],
        threshold=raw["threshold"],
        tables={name: disclosure.PubTable.from_json(t) for name, t in raw["tables"].items()},
        first_action_median=raw.get("first_action_median"),
        closing_median=raw.get("closing_median"),
        basis=raw.get("basis", {}),
        data_since=date.fromisoformat(raw["data_since"]) if raw.get("data_since") else None,
        since_stored="data_since" in raw,
    )


def _payload(publication: Publication) -> str:
    return json.dumps(
        {
            "received": publication.received,
            "closed": publication.closed,
            "views": publication.views,
            "followups": publication.followups,
            "threshold": publication.threshold,
            "tables": {name: t.to_json() for name, t in publication.tables.items()},
            "first_action_median": publication.first_action_median,
            "closing_median": publication.closing_median,
            "basis": publication.basis,
            "data_since": publication.data_since.isoformat() if publication.data_since else None,
        },
        separators=(",", ":"),
    )


# --- reading -----------------------------------------------------------------------------


def published(kind: str | None = None, year: int | None = None) -> list[Publication]:
    """Stored publications, oldest first."""
    query = select(StatPublication).order_by(StatPublication.end, StatPublication.kind)
    if kind:
        query = query.where(StatPublication.kind == kind)
    if year is not None:
        query = query.where(StatPublication.start >= date(year, 1, 1), StatPublication.start < date(year + 1, 1, 1))
    return [_from_row(row) for row in db.session.scalars(query)]


def latest_quarters(count: int = 4) -> list[Publication]:
    """The newest ``count`` published quarters, newest first."""
    rows = db.session.scalars(
        select(StatPublication)
        .where(StatPublication.kind == QUARTER)
        .order_by(StatPublication.start.desc())
        .limit(count)
    )
    return [_from_row(row) for row in rows]


def year_publication(year: int) -> Publication | None:
    row = db.session.scalar(
        select(StatPublication).where(StatPublication.kind == YEAR, StatPublication.start == date(year, 1, 1))
    )
    return _from_row(row) if row else None


def published_years() -> list[int]:
    return [
        start.year
        for start in db.session.scalars(
            select(StatPublication.start).where(StatPublication.kind == YEAR).order_by(StatPublication.start.desc())
        )
    ]


# --- publishing ----------------------------------------------------------------------------


def due_periods(today: date) -> list[Period]:
    """Quarters and years that are over, from the first with data; quarters before their year."""
    firsts = [
        db.session.scalar(select(func.min(DailyReportStat.day))),
        db.session.scalar(select(func.min(DailyClosureStat.day))),
    ]
    known = [d for d in firsts if d is not None]
    if not known:
        return []
    # Every quarter of a year with data, so a year always adds up four published quarters.
    quarter = Period.containing(QUARTER, date(min(known).year, 1, 1))
    found: list[Period] = []
    while quarter.end <= today:
        found.append(quarter)
        if quarter.quarter == 4:
            found.append(Period.containing(YEAR, quarter.start))
        quarter = quarter.following()
    return found


def publish_due(now: datetime) -> int:
    """Publish every period that is over and not yet published; in the caller's transaction."""
    today = local_today(now)
    stored = {
        (row.kind, row.start)
        for row in db.session.execute(select(StatPublication.kind, StatPublication.start))
    }
    made = 0
    for period in due_periods(today):
        if (period.kind, period.start) in stored:
            continue
        publication = compute(period, now)
        db.session.add(
            StatPublication(
                kind=period.kind,
                start=period.start,
                end=period.end,
                published_at=now,
                payload=_payload(publication),
            )
        )
        db.session.flush()
        made += 1
    return made


def _quarter_cells(period: Period) -> Callable[[str], list[tuple[int, str]]]:
    """The reader's unknowns a row of ``period`` adds up: (quarter, code) of its year."""
    if period.kind == QUARTER:
        return lambda code: [(period.quarter, code)]
    return lambda code: [(q, code) for q in range(1, 5)]


def reader_system(
    dimension: str, publications: Sequence[Publication], codes: Sequence[str], min_cell: int
) -> disclosure.System:
    """What a reader knows of ``dimension`` in one year from ``publications`` of that year."""
    system = disclosure.System()
    for publication in publications:
        table = publication.tables.get(dimension)
        if table is not None:
            system.add_table(table, codes, _quarter_cells(publication.period), min_cell)
    return system


def _mapped(dimension: str, found: Mapping[str, int], codes: Sequence[str]) -> dict[str, int]:
    """Counts on the fixed list of codes (an unexpected code counts as the last, "other")."""
    result = dict.fromkeys(codes, 0)
    for code, n in found.items():
        key = code if code in result else codes[-1]
        result[key] += n
    return result


def compute(period: Period, now: datetime) -> Publication:
    """The publication of ``period``, protected against what was published before in its year."""
    figures = Figures(local_today(now))
    limit = threshold()
    min_cell = disclosure.MIN_CELL
    before = [p for p in published(year=period.start.year) if p.period != period]
    basis = _basis(period, figures, before)
    totals = {"received": basis["received"], "closed": basis["closed"]}
    targets = [(q, code) for q in range(1, 5) for codes, _t in TABLES.values() for code in codes]
    tables: dict[str, disclosure.PubTable] = {}
    for dimension, (codes, total_name) in TABLES.items():

        def safe(candidate: disclosure.PubTable, dimension=dimension, codes=codes) -> bool:
            trial = Publication(period, now, 0, 0, 0, 0, limit, {dimension: candidate}, None, None)
            system = reader_system(dimension, [*before, trial], codes, min_cell)
            return not disclosure.pinned_small(system, targets, min_cell)

        tables[dimension] = disclosure.protect_table(
            basis[dimension], codes, totals[total_name], limit, safe, min_cell
        )
    if period.kind == YEAR:
        areas = categories_between(AREA, period.start, period.end)
        total = sum(areas.values())
        if total < limit:
            tables[AREA] = disclosure.PubTable(disclosure.TOO_FEW, total)
        else:
            tables[AREA] = disclosure.PubTable(disclosure.SHOWN, total, disclosure.area_ranges(areas, limit))
    return Publication(
        period=period,
        published_at=now,
        received=totals["received"],
        closed=totals["closed"],
        views=basis["views"],
        followups=basis["followups"],
        threshold=limit,
        tables=tables,
        first_action_median=_median(figures, FIRST_ACTION, period, totals["received"], limit),
        closing_median=_median(figures, CLOSING, period, None, limit),
        basis=basis,
        data_since=first_data_day(),
    )


def _basis(period: Period, figures: Figures, before: Sequence[Publication]) -> dict:
    """Exact counts: a quarter's from the aggregates, a year's as the sum of its four frozen
    quarters (a quarter not published, which only happens before the first rollup of a new
    installation, from the aggregates)."""
    if period.kind == YEAR:
        quarters = {p.period.quarter: p.basis for p in before if p.period.kind == QUARTER and p.basis}
        parts = [
            quarters.get(q) or _basis(Period.containing(QUARTER, date(period.start.year, 3 * q - 2, 1)), figures, [])
            for q in range(1, 5)
        ]
        total: dict = {}
        for part in parts:
            for key, value in part.items():
                if isinstance(value, dict):
                    bucket = total.setdefault(key, {})
                    for code, n in value.items():
                        bucket[code] = bucket.get(code, 0) + n
                else:
                    total[key] = total.get(key, 0) + value
        return total
    basis: dict = {
        "received": int(figures.report_total(period).value or 0),
        "closed": int(figures.closure_total(period).value or 0),
        "views": int(figures.counter_total(period, FORM_VIEW).value or 0),
        "followups": int(figures.counter_total(period, FOLLOWUP_LOGIN).value or 0),
    }
    for dimension, (codes, _total) in TABLES.items():
        basis[dimension] = _mapped(dimension, categories_between(dimension, period.start, period.end), codes)
    return basis


def _median(figures: Figures, measure: str, period: Period, submitted: int | None, limit: int) -> int | None:
    """A median over at least ``limit`` reports; for the first action, waiting reports count."""
    buckets = dict(figures.durations(measure, period))
    if submitted is not None:
        waiting = submitted - sum(buckets.values())
        if waiting > 0:
            buckets[10**9] = waiting
    if sum(buckets.values()) < limit:
        return None
    median = percentile_hours(buckets, 0.5)
    return None if median is None or median >= 10**9 else median
