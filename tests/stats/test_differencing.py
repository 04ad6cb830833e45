"""No combination of published totals gives away the reports of a few days.

The reader here knows every total published on the dashboard, in its CSV
files and on the public page (weeks, months, quarters, years, the funnel), and
that each is the sum of its days. The days themselves are unknowns (0 or
more), unless a page publishes them. Then an integer program tries to pin a
small count: a day, or the part of a week that falls in one month.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from meldpunt.extensions import db
from meldpunt.models import DailyCounter
from meldpunt.stats import dashboard, rollup, suppression
from meldpunt.stats.periods import MONTH, QUARTER, WEEK, YEAR, Period
from meldpunt.stats.suppression import Cell
from tests.backoffice.conftest import sign_in
from tests.stats.helpers import add_report, recoverable_cells, seeded_random, utc

UNKNOWN = Cell(None, suppression.UNPUBLISHED)


def _march_with_a_quiet_wednesday(app) -> dict[date, int]:
    """The audit's example: 6 reports every day of March 2025, 3 on Wednesday 12 March, and
    the daily counters as the site keeps them (one submission per report)."""
    truth = {}
    with app.app_context():
        day = date(2025, 3, 1)
        while day.month == 3:
            n = 3 if day == date(2025, 3, 12) else 6
            truth[day] = n
            for i in range(n):
                add_report(utc(day.year, day.month, day.day, 8 + i))
            db.session.add(DailyCounter(day=day, name="submission", count=n))
            db.session.add(DailyCounter(day=day, name="form_view", count=10 * n))
            day += timedelta(days=1)
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 2))
    return truth


def _period_of(key: str, unit: str) -> Period:
    return Period.containing(unit, date.fromisoformat(key))


def _read_series(table, kind: str, seen: dict) -> None:
    for row in table.rows:
        period = _period_of(row.key, kind)
        for cell, p in zip(row.cells, (period, period.previous(), period.last_year()), strict=True):
            _see(seen, ("p", p), cell)


def _see(seen: dict, key, cell: Cell) -> None:
    if cell.state == suppression.NOT_AVAILABLE:
        return
    if key in seen:
        assert seen[key] == cell, f"{key} is published differently in two places"
    seen[key] = cell


def _csv_cells(client, name: str, period: Period) -> list[tuple[str, str]]:
    text = client.get(
        f"/statistiek/export/{name}.csv?periode={period.kind}&vanaf={period.start.isoformat()}"
    ).data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))[2:]
    return [(r[0], r[2] if name == "trechter" else r[1]) for r in rows if len(r) > 2]


def _published(app, periods: list[Period], today: date) -> dict:
    """Every report count the pages and CSV files of ``periods`` publish, by period."""
    seen: dict = {}
    with app.app_context(), app.test_request_context():
        for period in periods:
            board = dashboard.dashboard(period, today=today)
            for row, p in zip(
                board.headline.rows, (period, period.previous(), period.last_year()), strict=True
            ):
                _see(seen, ("p", p), row.cells[0])
            _read_series(board.weekly, WEEK, seen)
            _read_series(board.monthly, MONTH, seen)
            for row in board.funnel.rows:
                if row.total:
                    _see(seen, ("p", period), row.cells[1])
                elif period.kind in (WEEK, MONTH):
                    _see(seen, ("d", date.fromisoformat(row.key)), row.cells[1])
                else:
                    _see(seen, ("p", _period_of(row.key, MONTH)), row.cells[1])
    return seen


def _reader(seen: dict, first: date, last: date):
    """The reader's integer program: every published period is the sum of its days."""
    cells = dict(seen)
    day = first
    while day <= last:
        cells.setdefault(("d", day), UNKNOWN)
        day += timedelta(days=1)
    equations = []
    for key in list(cells):
        if key[0] != "p":
            continue
        period = key[1]
        days = [("d", d) for d in period.days]
        if all(d in cells for d in days):
            equations.append((key, days))
        else:
            del cells[key]  # reaches outside the days modelled here: leave it out
    return cells, equations


def test_a_quiet_day_cannot_be_recovered_from_the_funnel_and_the_week_total(app):
    truth = _march_with_a_quiet_wednesday(app)
    today = date(2025, 6, 2)
    periods = [
        Period.containing(WEEK, date(2025, 3, 12)),
        Period.containing(MONTH, date(2025, 3, 12)),
        Period.containing(QUARTER, date(2025, 3, 12)),
        Period.containing(YEAR, date(2025, 3, 12)),
    ]
    seen = _published(app, periods, today)
    # The week of the 12th is published: 6 * 6 + 3 = 39.
    assert seen[("p", periods[0])].value == 39
    assert seen[("p", periods[1])].value == 6 * 30 + 3
    assert not any(key[0] == "d" for key in seen), "no page publishes reports per day"
    cells, equations = _reader(seen, date(2024, 12, 1), date(2025, 5, 31))
    wednesday = ("d", date(2025, 3, 12))
    assert recoverable_cells(cells, equations, targets=[wednesday]) == {}

    # The same reader catches the leak the funnel had: each day's count suppressed on its own.
    leaky = dict(cells)
    for day, n in truth.items():
        leaky[("d", day)] = suppression.suppress_count(n)
    assert recoverable_cells(leaky, equations, targets=[wednesday]) == {wednesday: 3}

    # The CSV files say the same: kerncijfers and trechter hold the week's total, no day.
    client, _account = sign_in(app, "communicatie")
    week = periods[0]
    kern = _csv_cells(client, "kerncijfers", week)
    assert kern[0][0].startswith("week 11 van 2025") and kern[0][1] == "39"
    funnel = _csv_cells(client, "trechter", week)
    assert [value for _label, value in funnel if _label != "Totaal"] == [""] * 7
    assert dict(funnel)["Totaal"] == "39"


def _sparse_year(app, year: int, seed: int) -> dict[date, int]:
    """A quiet year: a report or two on most days, so weeks are mostly 5 or more and the
    parts of weeks at the start and end of a month are often small."""
    rng = seeded_random(seed)
    truth: dict[date, int] = {}
    with app.app_context():
        day = date(year, 1, 1)
        while day.year == year:
            n = 0 if date(2024, 3, 2) <= day <= date(2024, 3, 3) else rng.choice([0, 1, 1, 2, 2, 3])
            truth[day] = n
            for i in range(n):
                add_report(utc(day.year, day.month, day.day, 9 + i))
            day += timedelta(days=1)
        db.session.commit()
    return truth


def test_no_part_of_a_week_can_be_recovered_from_week_month_quarter_and_year_totals(app):
    """Weeks cut across months: "March minus its whole weeks" is the count of a few days.
    Such parts of weeks are protected like any small count, also across New Year."""
    truth = _sparse_year(app, 2024, seed=31)
    # And a plain case: 1 March 2024 (a Friday) holds 2 reports, 2 and 3 March none, so the
    # part of the week of 26 February in March is 2: March minus its four whole weeks.
    with app.app_context():
        for day, n in ((date(2024, 3, 1), 2), (date(2024, 3, 2), 0), (date(2024, 3, 3), 0)):
            extra = n - truth[day]
            for i in range(max(extra, 0)):
                add_report(utc(day.year, day.month, day.day, 20 + i))
            assert extra >= 0 or day != date(2024, 3, 1)
            truth[day] = max(n, truth[day])
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 3, 1))
    today = date(2025, 3, 1)
    periods = [Period.containing(MONTH, date(2024, m, 1)) for m in range(1, 13)]
    periods += [Period.containing(QUARTER, date(2024, 3 * q - 2, 1)) for q in range(1, 5)]
    periods += [Period.containing(YEAR, date(2024, 1, 1))]
    periods += [Period.containing(WEEK, date(2024, 1, 1) + timedelta(days=7 * i)) for i in range(53)]
    seen = _published(app, periods, today)
    cells, equations = _reader(seen, date(2023, 12, 25), date(2025, 1, 5))

    # The unknowns a reader is after: each part of a week inside one month.
    parts = {}
    monday = date(2023, 12, 25)
    while monday <= date(2024, 12, 30):
        days = [monday + timedelta(days=i) for i in range(7)]
        for month in {(d.year, d.month) for d in days}:
            inside = [d for d in days if (d.year, d.month) == month]
            if len(inside) < 7:
                key = ("part", monday, month)
                cells[key] = UNKNOWN
                equations.append((key, [("d", d) for d in inside]))
                parts[key] = sum(truth.get(d, 0) for d in inside)
        monday += timedelta(days=7)
    small = [k for k, n in parts.items() if 1 <= n <= 4]
    assert len(small) >= 5, "the test data should hold small parts of weeks"
    recovered = recoverable_cells(cells, equations, targets=small)
    assert {k: v for k, v in recovered.items() if 1 <= v <= 4} == {}

    # Without the protection of parts of weeks, "month minus whole weeks" gives them away.
    naive = {
        key: suppression.suppress_count(sum(truth.get(d, 0) for d in key[1].days))
        if key[0] == "p" and key[1].start.year == 2024 and key[1].last_day.year == 2024
        else cell
        for key, cell in cells.items()
    }
    leaked = recoverable_cells(naive, equations, targets=small)
    assert {k: v for k, v in leaked.items() if 1 <= v <= 4}, "the naive rule should leak here"
