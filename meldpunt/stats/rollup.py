"""The statistics rollup: daily aggregate tables computed from the report table.

Statistics pages never read reports. This module is the one place that does:
it recomputes whole days of the aggregate tables (``daily_report_stat``,
``daily_closure_stat``, ``daily_duration_stat``) from the report rows of those
days and replaces them in one transaction, so running it twice changes nothing.

Days are calendar days in Europe/Amsterdam. A report belongs to

* the day it was submitted: counts per dimension value, and its time to the
  first staff action (``first_action``, a cohort figure);
* the day it was closed: its outcome and its time to closing (``closing``).

Durations are kept as counts per bucket (whole hours up to two days, whole days
up to sixty days, whole weeks beyond), from which a median or 90th percentile
is read without any report row.

Only fields that retention keeps (dates, theme, urgency, route, structured
answers, status and outcome) are read; the report text never is.

``rollup()`` without arguments is incremental: it finds the reports that
changed since the previous run (new, triaged, status changed, closed, acted
on, or followed up by the reporter) and recomputes the days they count on, plus
today and yesterday. A day whose rows come out the same is left alone.
``rebuild_all()`` recomputes everything. Both are plain functions of the
application context, for the CLI, the scheduler and tests.

After the aggregates, the rollup publishes every quarter and year that is over
and not yet published (``meldpunt.stats.publication.publish_due``): computed,
protected and frozen once. The state's token, the key under which pages cache
figures, changes only when the aggregates changed or something was published: a
run that finds nothing new leaves every cache warm.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, union

from meldpunt.extensions import db
from meldpunt.models import (
    CLOSED_STATUSES,
    DailyClosureStat,
    DailyDurationStat,
    DailyReportStat,
    Report,
    StatRollupState,
    StatusEvent,
    TriageDecision,
    utcnow,
)
from meldpunt.stats import publication
from meldpunt.stats.aggregates import (
    CLOSED_30,
    CLOSED_30_ACUTE,
    CLOSING,
    FIRST_ACTION,
    FIRST_ACTION_ACUTE,
    IN_TARGET,
    IN_TARGET_ACUTE,
    SAFETY_MARGIN,
    STATE_ID,
    closure_outcome,
    day_start,
    duration_bucket,
    local_day,
    local_today,
    report_values,
    within_target,
)

_INSERT_CHUNK = 5000


@dataclass(frozen=True)
class RollupResult:
    days: int  # how many days were recomputed
    full: bool  # True for a rebuild of everything
    rows: int  # aggregate rows written
    changed: int = 0  # days whose aggregates changed
    published: int = 0  # periods (quarters, years) published and frozen


# --- public entry points ----------------------------------------------------------


def rollup(
    day_from: date | None = None, day_to: date | None = None, now: datetime | None = None
) -> RollupResult:
    """Bring the aggregate tables up to date; idempotent.

    With ``day_from``/``day_to`` (inclusive) exactly those days are recomputed.
    Without them the run is incremental from the previous run's watermark; the
    very first run rebuilds everything.
    """
    now = now or utcnow()
    state = _lock_state()
    if day_from is not None or day_to is not None:
        last = day_to or local_today(now)
        # Only day_to given: a single day (first == last), as before.
        first = day_from or last
        if last < first:
            first, last = last, first
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        rows, changed = _recompute(days)
        published = _finish(state, None, now, changed)
        db.session.commit()
        return RollupResult(len(days), False, rows, len(changed), published)
    if state.watermark is None:
        return _rebuild(state, now)
    dirty = dirty_days(state.watermark - SAFETY_MARGIN, now)
    rows, changed = _recompute(dirty)
    published = _finish(state, now, now, changed)
    db.session.commit()
    return RollupResult(len(dirty), False, rows, len(changed), published)


def rebuild_all(now: datetime | None = None) -> RollupResult:
    """Recompute every aggregate row from the report table, in one transaction."""
    return _rebuild(_lock_state(), now or utcnow())


def dirty_days(since: datetime, now: datetime | None = None) -> set[date]:
    """Local days whose aggregates may have changed through changes since ``since``."""
    changed = union(
        select(Report.id).where(Report.created_at >= since),
        select(Report.id).where(Report.closed_at >= since),
        select(Report.id).where(Report.first_action_at >= since),
        select(Report.id).where(Report.reporter_last_seen_at >= since),
        select(StatusEvent.report_id).where(StatusEvent.created_at >= since),
        select(TriageDecision.report_id).where(TriageDecision.created_at >= since),
    ).subquery()
    days: set[date] = set()
    for created_at, closed_at in db.session.execute(
        select(Report.created_at, Report.closed_at).where(Report.id.in_(select(changed.c[0])))
    ):
        days.add(local_day(created_at))
        if closed_at is not None:
            days.add(local_day(closed_at))
    # A report closed earlier and reopened or closed again: its earlier closing day.
    for (moment,) in db.session.execute(
        select(StatusEvent.created_at).where(
            StatusEvent.report_id.in_(select(changed.c[0])),
            StatusEvent.status.in_(CLOSED_STATUSES),
        )
    ):
        days.add(local_day(moment))
    today = local_today(now)
    days.update({today, today - timedelta(days=1)})
    return days



# --- internals --------------------------------------------------------------------


def _lock_state() -> StatRollupState:
    """The state row, locked on PostgreSQL so two rollups never interleave."""
    state = db.session.get(StatRollupState, STATE_ID, with_for_update=True)
    if state is None:
        state = StatRollupState(id=STATE_ID, token=uuid.uuid4().hex)
        db.session.add(state)
        db.session.flush()
    return state


def _finish(
    state: StatRollupState,
    watermark: datetime | None,
    now: datetime,
    changed: set[date],
    everything: bool = False,
) -> int:
    """Record the run; publish the quarters and years that are over. Returns how many."""
    if watermark is not None:
        state.watermark = watermark
    state.finished_at = utcnow()
    published = publication.publish_due(now)
    if changed or everything or published:
        # The key under which pages cache figures: new only when something changed.
        state.token = uuid.uuid4().hex
    db.session.flush()
    return published


def _rebuild(state: StatRollupState, now: datetime) -> RollupResult:
    for model in (DailyReportStat, DailyClosureStat, DailyDurationStat):
        db.session.execute(delete(model))
    first_created = db.session.scalar(select(func.min(Report.created_at)))
    first_closed = db.session.scalar(select(func.min(Report.closed_at)))
    last_created = db.session.scalar(select(func.max(Report.created_at)))
    last_closed = db.session.scalar(select(func.max(Report.closed_at)))
    moments = [m for m in (first_created, first_closed, last_created, last_closed, now) if m]
    first, last = local_day(min(moments)), local_day(max(moments))
    rows, _changed = _recompute_run(first, last, deleted=True)
    days = (last - first).days + 1
    published = _finish(state, now, now, set(), everything=True)
    db.session.commit()
    return RollupResult(days, True, rows, days, published)


def _runs(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days grouped into (first, last) runs."""
    ordered = sorted(set(days))
    if not ordered:
        return
    first = last = ordered[0]
    for day in ordered[1:]:
        if day == last + timedelta(days=1):
            last = day
            continue
        yield first, last
        first = last = day
    yield first, last


def _recompute(days: Iterable[date]) -> tuple[int, set[date]]:
    """Recompute ``days``; returns the rows written and the days whose rows changed."""
    written, changed = 0, set()
    for first, last in _runs(days):
        rows, days_changed = _recompute_run(first, last)
        written += rows
        changed |= days_changed
    return written, changed


def _stored_rows(first: date, last: date) -> dict[date, set[tuple]]:
    """The aggregate rows of the days ``first``..``last`` as they are, per day."""
    found: dict[date, set[tuple]] = defaultdict(set)
    for row in db.session.execute(
        select(DailyReportStat.day, DailyReportStat.dimension, DailyReportStat.value, DailyReportStat.count)
        .where(DailyReportStat.day.between(first, last))
    ):
        found[row[0]].add(("r", *row[1:]))
    for closure in db.session.execute(
        select(DailyClosureStat.day, DailyClosureStat.outcome, DailyClosureStat.count)
        .where(DailyClosureStat.day.between(first, last))
    ):
        found[closure[0]].add(("c", *closure[1:]))
    for duration in db.session.execute(
        select(
            DailyDurationStat.day,
            DailyDurationStat.measure,
            DailyDurationStat.bucket_hours,
            DailyDurationStat.count,
        ).where(DailyDurationStat.day.between(first, last))
    ):
        found[duration[0]].add(("d", *duration[1:]))
    return found


def _recompute_run(first: date, last: date, deleted: bool = False) -> tuple[int, set[date]]:
    """Replace the aggregate rows of the days ``first``..``last`` (inclusive) where they changed.

    Returns the rows written and the days whose rows changed.
    """
    start, end = day_start(first), day_start(last + timedelta(days=1))

    report_counts: Counter[tuple[date, str, str]] = Counter()
    durations: Counter[tuple[date, str, int]] = Counter()
    closures: Counter[tuple[date, str]] = Counter()

    submitted = (
        select(
            Report.created_at,
            Report.theme,
            Report.urgency,
            Report.route,
            Report.reporter_type,
            Report.place_type,
            Report.postcode_area,
            Report.anonymous,
            Report.has_attachments,
            Report.campaign_code,
            Report.heard_via,
            Report.reporter_last_seen_at,
            Report.first_action_at,
            Report.closed_at,
            Report.status,
        )
        .where(Report.created_at >= start, Report.created_at < end)
        .execution_options(yield_per=20000)
    )
    for row in db.session.execute(submitted):
        day = local_day(row.created_at)
        for dimension, value in report_values(row):
            report_counts[(day, dimension, value)] += 1
        acute = row.urgency == "acuut"
        if row.first_action_at is not None:
            seconds = (row.first_action_at - row.created_at).total_seconds()
            durations[(day, FIRST_ACTION, duration_bucket(seconds))] += 1
            if acute:
                durations[(day, FIRST_ACTION_ACUTE, duration_bucket(seconds))] += 1
            if within_target(row.created_at, row.first_action_at):
                durations[(day, IN_TARGET_ACUTE if acute else IN_TARGET, 1)] += 1
        if (
            row.closed_at is not None
            and row.status in CLOSED_STATUSES
            and row.closed_at - row.created_at <= timedelta(days=30)
        ):
            durations[(day, CLOSED_30_ACUTE if acute else CLOSED_30, 1)] += 1

    closed = (
        select(Report.created_at, Report.closed_at, Report.status, Report.outcome)
        .where(
            Report.closed_at >= start,
            Report.closed_at < end,
            Report.status.in_(CLOSED_STATUSES),
        )
        .execution_options(yield_per=20000)
    )
    for closed_row in db.session.execute(closed):
        day = local_day(closed_row.closed_at)
        closures[(day, closure_outcome(closed_row.status, closed_row.outcome))] += 1
        seconds = (closed_row.closed_at - closed_row.created_at).total_seconds()
        durations[(day, CLOSING, duration_bucket(seconds))] += 1

    fresh: dict[date, set[tuple]] = defaultdict(set)
    for (d, dim, v), n in report_counts.items():
        fresh[d].add(("r", dim, v, n))
    for (d, o), n in closures.items():
        fresh[d].add(("c", o, n))
    for (d, m, b), n in durations.items():
        fresh[d].add(("d", m, b, n))
    if deleted:
        changed = set(fresh)
    else:
        before = _stored_rows(first, last)
        changed = {d for d in set(before) | set(fresh) if before.get(d, set()) != fresh.get(d, set())}
        if not changed:
            return 0, set()
        # Only the days that changed are replaced.
        for model in (DailyReportStat, DailyClosureStat, DailyDurationStat):
            db.session.execute(delete(model).where(model.day.in_(sorted(changed))))

    written = 0
    written += _insert(
        DailyReportStat,
        (
            {"day": d, "dimension": dim, "value": v, "count": n}
            for (d, dim, v), n in report_counts.items()
            if d in changed
        ),
    )
    written += _insert(
        DailyClosureStat,
        ({"day": d, "outcome": o, "count": n} for (d, o), n in closures.items() if d in changed),
    )
    written += _insert(
        DailyDurationStat,
        (
            {"day": d, "measure": m, "bucket_hours": b, "count": n}
            for (d, m, b), n in durations.items()
            if d in changed
        ),
    )
    return written, changed


def _insert(model, rows: Iterable[dict]) -> int:
    batch: list[dict] = []
    written = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= _INSERT_CHUNK:
            db.session.execute(insert(model), batch)
            written += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(model), batch)
        written += len(batch)
    return written
