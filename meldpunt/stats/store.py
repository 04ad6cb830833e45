"""Stored figures: computed by the rollup job (``publish``, table ``stat_published``),
read and cached by the pages (``load_block``; a block is computed on the spot only
when no stored one fits), and ``Blocks``, the per-request view a page reads from.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from meldpunt.extensions import db
from meldpunt.models import (
    DailyClosureStat,
    DailyReportStat,
    StatPublished,
)
from meldpunt.stats.aggregates import (
    local_today,
    state_token,
)
from meldpunt.stats.blocks import (
    YEAR_KEY,
    YearBlock,
    compute_closure_block,
    compute_report_block,
    counter_block,
    daily_totals,
    period_key,
    week_key,
)
from meldpunt.stats.categories import campaign_labels
from meldpunt.stats.periods import WEEK, Period
from meldpunt.stats.suppression import HIDDEN, SMALL_MAX, WITHHELD, Cell

# --- stored figures: computed by the rollup job, read by the pages ------------------

BLOCK_KINDS = {"reports": compute_report_block, "closures": compute_closure_block}
# Bump when the protection changes: stored figures computed by older code are then recomputed.
ALGORITHM_VERSION = "3"


def fingerprint() -> str:
    """What stored figures depend on besides the aggregates: the algorithm and the campaigns."""
    raw = json.dumps([ALGORITHM_VERSION, sorted(campaign_labels().items())])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _key_text(key: tuple) -> str:
    if key[0] == "w":
        return "w" + key[1].isoformat()
    if key == YEAR_KEY:
        return "y"
    return f"{key[0]}{key[1]}"


def _key_from(text: str) -> tuple:
    if text == "y":
        return YEAR_KEY
    if text[0] == "w":
        return week_key(date.fromisoformat(text[1:]))
    return (text[0], int(text[1:]))


def _cell_json(cell: Cell) -> int | str:
    return int(cell.value) if cell.shown and cell.value is not None else cell.state


def _cell_from(raw: int | str) -> Cell:
    return Cell(raw) if isinstance(raw, int) else Cell(None, raw)


def block_to_json(block: YearBlock) -> str:
    return json.dumps(
        {
            "year": block.year,
            "as_of": block.as_of.isoformat() if block.as_of else None,
            "complete": sorted(_key_text(k) for k in block.complete),
            "totals": {_key_text(k): _cell_json(c) for k, c in block.totals.items()},
            "categories": {
                dimension: {
                    _key_text(t): {code: _cell_json(c) for code, c in cells.items()}
                    for t, cells in per_time.items()
                }
                for dimension, per_time in block.categories.items()
            },
            "values": block.category_values,
        },
        separators=(",", ":"),
    )


def block_from_json(text: str) -> YearBlock:
    raw = json.loads(text)
    return YearBlock(
        year=raw["year"],
        totals={_key_from(k): _cell_from(v) for k, v in raw["totals"].items()},
        complete={_key_from(k) for k in raw["complete"]},
        as_of=date.fromisoformat(raw["as_of"]) if raw["as_of"] else None,
        categories={
            dimension: {
                _key_from(t): {code: _cell_from(v) for code, v in cells.items()}
                for t, cells in per_time.items()
            }
            for dimension, per_time in raw["categories"].items()
        },
        category_values=raw["values"],
    )


def _data_years(today: date) -> list[int]:
    firsts = [
        db.session.scalar(select(func.min(DailyReportStat.day))),
        db.session.scalar(select(func.min(DailyClosureStat.day))),
    ]
    first = min([d.year for d in firsts if d is not None] + [today.year - 1])
    # A page of the first year compares it with the year before: that (empty) year too.
    return list(range(first - 1, today.year + 1))


def stale_blocks(now: datetime, changed_days: Iterable[date], everything: bool = False) -> list:
    """The (kind, year) blocks whose stored figures no longer fit: called by the rollup."""
    today = local_today(now)
    changed_years = {day.year for day in changed_days}
    stored = {
        (row.name, row.year): row
        for row in db.session.execute(
            select(StatPublished.name, StatPublished.year, StatPublished.as_of, StatPublished.fingerprint)
        )
    }
    current = fingerprint()
    stale = []
    for year in _data_years(today):
        for name in BLOCK_KINDS:
            row = stored.get((name, year))
            if (
                everything
                or row is None
                or year in changed_years
                or row.fingerprint != current
                or (row.as_of is not None and row.as_of != today)
            ):
                stale.append((name, year))
    return stale


def publish(blocks: Sequence[tuple[str, int]], token: str, now: datetime) -> int:
    """Compute and store ``blocks`` under ``token``; every other stored block gets the token
    too (its figures did not change). In the rollup's transaction; returns how many."""
    today = local_today(now)
    current = fingerprint()
    for name, year in blocks:
        payload = block_to_json(BLOCK_KINDS[name](year, today))
        row = db.session.get(StatPublished, (name, year))
        if row is None:
            row = StatPublished(name=name, year=year)
            db.session.add(row)
        row.token, row.fingerprint, row.computed_at, row.payload = token, current, now, payload
        row.as_of = None if date(year, 12, 31) < today else today
    db.session.flush()
    db.session.execute(
        update(StatPublished).where(StatPublished.token != token).values(token=token)
    )
    return len(blocks)


# Year blocks are kept per process, keyed by the rollup's token (which changes only when the
# aggregates or the stored figures do) and the day.
_BLOCK_CACHE: OrderedDict[tuple, YearBlock] = OrderedDict()
_BLOCK_CACHE_SIZE = 48
BLOCK_CACHE_LOCK = threading.Lock()


def _stored_fits(row: Any, year: int, token: str, current: str, today: date) -> bool:
    if row is None or row.token != token or row.fingerprint != current:
        return False
    if row.as_of is None:
        return date(year, 12, 31) < today
    # Figures of yesterday stay good until the first rollup of today has stored new ones:
    # a period that ended since is still treated as running, which only shows less.
    return row.as_of <= today <= row.as_of + timedelta(days=1)


def load_block(name: str, year: int, today: date, token: str | None) -> YearBlock:
    """A year block as stored by the rollup job, or (when none fits) computed here."""
    if token is None:
        return BLOCK_KINDS[name](year, today)
    current = fingerprint()
    key = (str(db.engine.url), token, current, name, year, today)
    with BLOCK_CACHE_LOCK:
        found = _BLOCK_CACHE.get(key)
    if found is not None:
        return found
    row = db.session.execute(
        select(
            StatPublished.token,
            StatPublished.fingerprint,
            StatPublished.as_of,
            StatPublished.payload,
        ).where(StatPublished.name == name, StatPublished.year == year)
    ).first()
    if row is not None and _stored_fits(row, year, token, current, today):
        found = block_from_json(row.payload)
    else:
        found = BLOCK_KINDS[name](year, today)
    with BLOCK_CACHE_LOCK:
        _BLOCK_CACHE[key] = found
        while len(_BLOCK_CACHE) > _BLOCK_CACHE_SIZE:
            _BLOCK_CACHE.popitem(last=False)
    return found


class Blocks:
    """Blocks read once per page."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today or local_today()
        self._token: str | None = None
        self._token_read = False
        self._blocks: dict[tuple[str, int], YearBlock] = {}
        self._counters: dict[tuple[int, str], tuple[dict[date, Cell], dict[tuple, Cell]]] = {}

    def _block(self, name: str, year: int) -> YearBlock:
        if not self._token_read:
            self._token, self._token_read = state_token(), True
        if (name, year) not in self._blocks:
            self._blocks[(name, year)] = load_block(name, year, self.today, self._token)
        return self._blocks[(name, year)]

    def reports(self, year: int) -> YearBlock:
        return self._block("reports", year)

    def closures(self, year: int) -> YearBlock:
        return self._block("closures", year)

    def counter(self, year: int, name: str):
        if (year, name) not in self._counters:
            self._counters[(year, name)] = counter_block(year, name)
        return self._counters[(year, name)]

    def is_complete(self, period: Period) -> bool:
        """Over, as the figures on this page know it (breakdowns only for such periods)."""
        if period.end > self.today:
            return False
        return self.reports(period.last_day.year).is_complete(period) or (
            period.kind == WEEK and period.start.year != period.last_day.year
        )

    def report_total(self, period: Period) -> Cell:
        if period.kind == WEEK and period.start.year != period.last_day.year:
            return _week_across_new_year(period)
        return self.reports(period.start.year).total(period)

    def counter_total(self, period: Period, name: str) -> Cell:
        if period.kind == WEEK:
            days = [self.counter_day(day, name) for day in period.days]
            # A week total is published only when every day is: it then adds nothing.
            if all(c.shown for c in days):
                return Cell(sum(c.value or 0 for c in days))  # all shown, so no value is None
            return Cell(None, HIDDEN)
        return self.counter(period.start.year, name)[1][period_key(period)]

    def counter_day(self, day: date, name: str) -> Cell:
        return self.counter(day.year, name)[0][day]


def _week_across_new_year(period: Period) -> Cell:
    """A week across New Year belongs to two year blocks, which treat each part as known to a
    reader unless it is small: published only then (a part of 1 to 4 hides the whole week)."""
    daily = daily_totals(period.start, period.last_day)
    parts = [
        sum(n for day, n in daily.items() if day.year == year)
        for year in (period.start.year, period.last_day.year)
    ]
    if any(1 <= n <= SMALL_MAX for n in parts):
        return Cell(None, WITHHELD)
    return Cell(sum(parts))
