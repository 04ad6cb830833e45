"""Statistics services: periods, comparisons, funnel, follow-through, and protection
of every published breakdown against recomputation across months, quarters and the year."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from meldpunt.extensions import db
from meldpunt.models import DailyCounter
from meldpunt.stats import aggregates, categories, dashboard, periods, published, rollup, suppression
from meldpunt.stats.display import cell_text
from meldpunt.stats.periods import MONTH, QUARTER, WEEK, YEAR, Period
from tests.stats.helpers import (
    add_report,
    local_day,
    recoverable_cells,
    seeded_random,
    utc,
)


def test_periods_snap_to_whole_weeks_months_quarters_and_years():
    day = date(2025, 5, 14)  # a Wednesday
    assert Period.containing(WEEK, day) == Period(WEEK, date(2025, 5, 12), date(2025, 5, 19))
    assert Period.containing(MONTH, day) == Period(MONTH, date(2025, 5, 1), date(2025, 6, 1))
    assert Period.containing(QUARTER, day) == Period(QUARTER, date(2025, 4, 1), date(2025, 7, 1))
    assert Period.containing(YEAR, day) == Period(YEAR, date(2025, 1, 1), date(2026, 1, 1))


def test_previous_period_and_same_period_last_year():
    march = Period.containing(MONTH, date(2025, 3, 9))
    assert march.previous().start == date(2025, 2, 1)
    assert march.last_year().start == date(2024, 3, 1)
    january = Period.containing(MONTH, date(2025, 1, 1))
    assert january.previous() == Period(MONTH, date(2024, 12, 1), date(2025, 1, 1))
    q1 = Period.containing(QUARTER, date(2025, 2, 1))
    assert q1.previous().start == date(2024, 10, 1) and q1.last_year().start == date(2024, 1, 1)
    # ISO week 10 of 2025 against week 10 of 2024 (weeks are ISO weeks, Monday first).
    week = Period.containing(WEEK, date(2025, 3, 5))
    assert (
        week.last_year().start == date(2024, 3, 4) and week.last_year().start.isocalendar()[1] == 10
    )
    assert week.previous().start == date(2025, 2, 24)
    # 2026 has a week 53; 2025 has not: its last week stands in.
    week53 = Period.containing(WEEK, date(2026, 12, 30))
    assert week53.start.isocalendar()[1] == 53
    assert week53.last_year().start == date(2025, 12, 22)


def test_parse_period_falls_back_on_nonsense():
    today = date(2025, 6, 18)
    assert periods.parse_period("kwartaal", "2025-02-10", today) == (
        Period.containing(QUARTER, date(2025, 2, 10)),
        True,
    )
    assert periods.parse_period(None, None, today) == (Period.containing(MONTH, today), True)
    assert periods.parse_period("decennium", "2025-02-10", today)[1] is False
    assert periods.parse_period("week", "gisteren", today) == (
        Period.containing(WEEK, today),
        False,
    )


def _reports_on(day: date, count: int, **fields) -> None:
    for i in range(count):
        add_report(utc(day.year, day.month, day.day, 9 + i % 10), **fields)


def test_headline_compares_with_previous_period_and_same_period_last_year(app):
    with app.app_context(), app.test_request_context():
        _reports_on(date(2025, 3, 4), 12)
        _reports_on(date(2025, 2, 20), 8)
        _reports_on(date(2024, 3, 15), 6)
        _reports_on(date(2024, 6, 10), 15)
        _reports_on(date(2024, 10, 8), 10)
        _reports_on(date(2024, 12, 2), 3)
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))

        board = dashboard.dashboard(Period.containing(MONTH, date(2025, 3, 1)))
        rows = {row.key: row.cells for row in board.headline.rows}
        assert rows["periode"][0].value == 12
        assert rows["vorige"][0].value == 8 and rows["vorige"][1].value == 50.0
        assert rows["vorig-jaar"][0].value == 6 and rows["vorig-jaar"][1].value == 100.0

        quarter = dashboard.dashboard(Period.containing(QUARTER, date(2025, 1, 1)))
        rows = {row.key: row.cells for row in quarter.headline.rows}
        assert rows["periode"][0].value == 20
        assert rows["vorige"][0].value == 13 and rows["vorige"][1].value == round(100 * 7 / 13, 1)
        assert rows["vorig-jaar"][0].value == 6

        january = dashboard.dashboard(Period.containing(MONTH, date(2025, 1, 1)))
        rows = {row.key: row.cells for row in january.headline.rows}
        # December 2024 holds 3 reports: "<5", and no change is computed from it.
        assert (
            cell_text(rows["vorige"][0]) == "<5" and rows["vorige"][1].state == suppression.NOT_AVAILABLE
        )

        week = dashboard.dashboard(Period.containing(WEEK, date(2025, 3, 4)))
        rows = {row.key: row.cells for row in week.headline.rows}
        assert rows["periode"][0].value == 12
        assert rows["vorige"][0].value == 0
        assert week.breakdowns == ()  # breakdowns start at a month

        monthly = {row.key: row.cells for row in board.monthly.rows}
        march = monthly["2025-03-01"]
        assert [cell_text(c) for c in march] == ["12", "8", "6"]
        assert cell_text(monthly["2024-12-01"][0]) == "<5"
        # October is hidden as well: the fourth quarter total (13) would give December away.
        assert cell_text(monthly["2024-10-01"][0]) == "x"


def test_funnel_counts_views_and_submissions_and_their_conversion(app):
    """Views and visits per day from the counters; submitted reports only as the report totals
    of the week, month, quarter or year (the same cells as everywhere else), never per day."""
    with app.app_context(), app.test_request_context():
        counters = {
            date(2025, 4, 7): {"form_view": 40, "submission": 10, "followup_login": 9},
            date(2025, 4, 8): {"form_view": 20, "submission": 5, "followup_login": 6},
            date(2025, 4, 9): {"form_view": 7, "submission": 2, "followup_login": 1},
            date(2025, 4, 10): {"form_view": 9, "submission": 0, "followup_login": 0},
        }
        for day, names in counters.items():
            for name, count in names.items():
                if count:
                    db.session.add(DailyCounter(day=day, name=name, count=count))
            # The submission counter counts the very reports that came in that day.
            _reports_on(day, names["submission"])
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))
        april = Period.containing(MONTH, date(2025, 4, 1))
        board = dashboard.dashboard(april)
        rows = {row.key: row.cells for row in board.funnel.rows}
        views, sent, conversion, back = rows["2025-04-07"]
        assert (views.value, back.value) == (40, 9)
        assert sent.state == conversion.state == suppression.NOT_AVAILABLE
        assert cell_text(rows["2025-04-09"][3]) == "<5"
        assert all(not cells[1].shown for key, cells in rows.items() if key != "totaal")
        # Totals: 76 views, 17 reports: the month's report total, the very cell of the headline.
        total = rows["totaal"]
        assert total[0].value == 76 and total[1].value == 17 and total[3].value == 16
        assert total[2].value == round(100 * 17 / 76, 1)
        headline = {row.key: row.cells for row in board.headline.rows}["periode"][0]
        assert total[1] == headline
        assert "verstuurd" not in [c.key for c in board.funnel.columns if c.chart]
        # A quarter: per month views, reports (the month totals) and their conversion.
        quarter = dashboard.dashboard(Period.containing(QUARTER, date(2025, 4, 1))).funnel
        months = {row.key: row.cells for row in quarter.rows}
        assert months["2025-04-01"][1] == total[1] and months["2025-05-01"][1].value == 0
        # The week view of the same days: a week total of a counter only when every day is
        # published (the visits: 1 on the 9th), and the week's report total.
        week = dashboard.dashboard(Period.containing(WEEK, date(2025, 4, 7))).funnel
        week_total = {row.key: row.cells for row in week.rows}["totaal"]
        assert week_total[0].value == 76 and week_total[1].value == 17
        assert not week_total[3].shown


def _nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def test_follow_through_median_and_90th_percentile(app):
    with app.app_context(), app.test_request_context():
        hours_to_close = [2, 5, 5.5, 10, 20, 30, 72, 96, 240, 480, 24 * 70]
        hours_to_act = [0.5, 1.5, 3, 3, 8, 26, 50, 100, 0.2, 4, 6]
        for close_h, act_h in zip(hours_to_close, hours_to_act, strict=True):
            created = utc(2025, 1, 6, 10)
            closed = created + timedelta(hours=close_h)
            # Closing in May for all of them: start earlier where needed.
            created = utc(2025, 5, 20, 10) - timedelta(hours=close_h)
            add_report(
                created,
                status="afgerond",
                outcome="controle_uitgevoerd",
                first_action_at=created + timedelta(hours=act_h),
                closed_at=created + timedelta(hours=close_h),
            )
            del closed
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))
        board = dashboard.dashboard(Period.containing(MONTH, date(2025, 5, 1)))
        rows = {row.key: row.cells for row in board.follow_through.rows}
        median, p90 = rows["closing"]
        assert median.value == aggregates.duration_bucket(_nearest_rank(hours_to_close, 0.5) * 3600)
        assert p90.value == aggregates.duration_bucket(_nearest_rank(hours_to_close, 0.9) * 3600)
        assert (cell_text(median), cell_text(p90)) == ("30 uur", "20 dagen")
        # First action: by month of submission; all 11 were submitted in 2025 (some in Feb-May).
        year = dashboard.dashboard(Period.containing(YEAR, date(2025, 1, 1)))
        act = {row.key: row.cells for row in year.follow_through.rows}["first_action"]
        assert act[0].value == aggregates.duration_bucket(_nearest_rank(hours_to_act, 0.5) * 3600)
        assert act[1].value == aggregates.duration_bucket(_nearest_rank(hours_to_act, 0.9) * 3600)
        # The action share of the outcomes: all 11 closed with a check.
        assert board.action_share.value == 100.0


def test_follow_through_needs_five_reports(app):
    with app.app_context(), app.test_request_context():
        for i in range(4):
            created = utc(2025, 5, 2 + i)
            add_report(
                created,
                status="afgerond",
                first_action_at=created + timedelta(hours=3),
                closed_at=created + timedelta(days=1),
            )
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))
        rows = dashboard.dashboard(Period.containing(MONTH, date(2025, 5, 1))).follow_through.rows
        assert all(cell.state == suppression.NOT_AVAILABLE for row in rows for cell in row.cells)


# --- protection across months, quarters and the year --------------------------------

THEME_WEIGHTS = {
    "hennep": 30,
    "drugshandel": 20,
    "witwassen": 14,
    "fraude": 10,
    "mensenhandel": 5,
    "arbeidsuitbuiting": 4,
    "vastgoed": 3,
    "afpersing": 2,
    "omg": 1,
    "integriteit": 1,
    "gokken": 2,
    "milieu": 2,
    "geen_ondermijning": 6,
}
AREAS = {"3311": 40, "3312": 30, "3313": 20, "3314": 4, "3399": 2}


def _skewed_year(rng: random.Random, year: int, count: int) -> list:
    reports = []
    themes, theme_w = zip(*THEME_WEIGHTS.items(), strict=True)
    areas, area_w = zip(*AREAS.items(), strict=True)
    for _ in range(count):
        day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        reports.append(
            add_report(
                utc(day.year, day.month, day.day, rng.randrange(8, 22)),
                theme=rng.choices(themes, theme_w)[0],
                postcode_area=rng.choices(areas, area_w)[0],
                anonymous=rng.random() < 0.93,
            )
        )
    db.session.commit()
    return reports


def _periods(year: int) -> list[Period]:
    return [
        *(Period.containing(MONTH, date(year, m, 1)) for m in range(1, 13)),
        *(Period.containing(QUARTER, date(year, 3 * q - 2, 1)) for q in range(1, 5)),
        Period.containing(YEAR, date(year, 1, 1)),
    ]


def _reader_system(boards, hierarchy=None):
    """What a reader sees across all months, quarters and the year, and the sums they know."""
    cells, truth_keys = {}, []
    for period, tables in boards.items():
        for table in tables:
            for row in table.rows:
                key = (period, "total" if row.total else row.key)
                if key in cells:
                    assert cells[key] == row.cells[0], f"{key} differs between tables"
                cells[key] = row.cells[0]
                truth_keys.append(key)
    codes = sorted({k[1] for k in cells if k[1] != "total"})
    # A category missing from a table (open lists skip empty ones) is a published 0.
    for period in boards:
        for code in codes:
            cells.setdefault((period, code), suppression.Cell(0))
    year, quarters, months = None, [], []
    for period in boards:
        if period.kind == YEAR:
            year = period
        elif period.kind == QUARTER:
            quarters.append(period)
        else:
            months.append(period)
    equations = []
    for period in boards:
        top = list(hierarchy) if hierarchy else codes
        equations.append(((period, "total"), [(period, c) for c in top if (period, c) in cells]))
        for group, members in (hierarchy or {}).items():
            equations.append(
                ((period, group), [(period, c) for c in members if (period, c) in cells])
            )
    for code in [*codes, "total"]:
        for q in quarters:
            equations.append(((q, code), [(m, code) for m in months if q.start <= m.start < q.end]))
        equations.append(((year, code), [(q, code) for q in quarters]))
    return cells, equations


def _truth(reports, period: Period, attribute) -> dict:
    counts: dict[str, int] = {}
    for r in reports:
        if period.start <= local_day(r.created_at) < period.end:
            value = attribute(r)
            counts[value] = counts.get(value, 0) + 1
    return counts


DIMENSIONS_UNDER_TEST = [
    (("onderwerp", "onderwerp-groep"), lambda r: r.theme, True),
    (("postcodegebied",), lambda r: r.postcode_area, False),
    (("anoniem",), lambda r: "ja" if r.anonymous else "nee", False),
]


def test_no_small_count_can_be_recomputed_across_months_quarters_and_the_year(app):
    """Every breakdown of 2025 as published per month, quarter and year, read together
    with all the sums a reader knows: no count from 1 to 4 can be pinned down."""
    with app.app_context(), app.test_request_context():
        reports = _skewed_year(seeded_random(21), 2025, 420)
        rollup.rebuild_all(now=utc(2026, 1, 15))
        periods = _periods(2025)
        for tables, attribute, grouped in DIMENSIONS_UNDER_TEST:
            boards = {p: [dashboard.export_table(name, p) for name in tables] for p in periods}
            hierarchy = (
                {g: list(t) for g, t in categories.THEME_GROUPS.items()} if grouped else None
            )
            cells, equations = _reader_system(boards, hierarchy)

            small_true = set()
            for period in periods:
                truth = _truth(reports, period, attribute)
                if grouped:
                    for group, members in categories.THEME_GROUPS.items():
                        truth[group] = sum(truth.get(m, 0) for m in members)
                for code, n in truth.items():
                    cell = cells.get((period, code), suppression.Cell(0))
                    if 1 <= n <= 4:
                        small_true.add((period, code))
                        assert cell_text(cell) in ("<5", "x"), (period, code, n, cell)
                    elif cell.shown:
                        assert cell.value == n
            assert len(small_true) > 10, "the test data should hold small cells"
            assert recoverable_cells(cells, equations, targets=small_true) == {}, tables

        # The monthly series, the factsheet and the public page show the very same cells.
        year = Period.containing(YEAR, date(2025, 1, 1))
        for row in dashboard.export_table("per-maand", year).rows:
            month = Period.containing(MONTH, date.fromisoformat(row.key))
            if month.start.year == 2025:
                assert row.cells[0] == cells[(month, "total")]
        theme_groups = {
            (p, r.key): r.cells[0]
            for p in periods
            for r in dashboard.export_table("onderwerp-groep", p).rows
        }
        sheet = published.factsheet(2025, today=date(2026, 1, 15))
        for row in sheet.themes.rows:
            assert row.cells[0] == theme_groups[(year, row.key)]
        for result in published.public_results(today=date(2026, 1, 15)):
            for row in result.themes.rows:
                assert row.cells[0] == theme_groups[(result.period, row.key)]
