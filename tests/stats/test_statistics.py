"""Statistics services inside: periods, exact comparisons, funnel, honest follow-through,
breakdowns and trends, with nothing suppressed (staff may read the reports themselves)."""

from __future__ import annotations

import math
from datetime import date, timedelta

from meldpunt.extensions import db
from meldpunt.models import DailyCounter
from meldpunt.stats import aggregates, dashboard, periods, rollup
from meldpunt.stats.cells import NOT_AVAILABLE
from meldpunt.stats.display import cell_text
from meldpunt.stats.periods import MONTH, QUARTER, WEEK, YEAR, YEAR_TO_DATE, Period
from tests.stats.helpers import add_report, utc


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


def test_parse_period_falls_back_on_nonsense_and_opens_on_the_last_finished_month():
    today = date(2025, 6, 18)
    assert periods.parse_period("kwartaal", "2025-02-10", today) == (
        Period.containing(QUARTER, date(2025, 2, 10)),
        True,
    )
    assert periods.parse_period(None, None, today) == (Period.containing(MONTH, date(2025, 5, 1)), True)
    assert periods.parse_period("kwartaal", None, today)[0].start == date(2025, 1, 1)
    assert periods.parse_period("decennium", "2025-02-10", today)[1] is False
    assert periods.parse_period("week", "gisteren", today) == (
        Period.containing(WEEK, today),
        False,
    )


def test_year_to_date_runs_up_to_the_last_finished_month():
    ytd = dashboard.year_to_date(date(2025, 6, 18))
    assert (ytd.kind, ytd.start, ytd.end) == (YEAR_TO_DATE, date(2025, 1, 1), date(2025, 6, 1))
    assert ytd.previous() == Period(YEAR_TO_DATE, date(2024, 1, 1), date(2024, 6, 1))
    # In January the last finished month is December: the whole of last year.
    january = dashboard.year_to_date(date(2026, 1, 10))
    assert (january.start, january.end) == (date(2025, 1, 1), date(2026, 1, 1))
    assert periods.parse_period(YEAR_TO_DATE, None, date(2025, 6, 18))[0] == ytd


def _reports_on(day: date, count: int, **fields) -> None:
    for i in range(count):
        add_report(utc(day.year, day.month, day.day, 9 + i % 10), **fields)


def _rows(table) -> dict:
    return {row.key: row.cells for row in table.rows}


def test_headline_is_exact_also_for_small_counts(app):
    with app.app_context(), app.test_request_context():
        _reports_on(date(2025, 3, 4), 12)
        _reports_on(date(2025, 2, 20), 8)
        _reports_on(date(2024, 3, 15), 6)
        _reports_on(date(2024, 12, 2), 3)
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))

        board = dashboard.dashboard(Period.containing(MONTH, date(2025, 3, 1)), today=date(2025, 6, 1))
        rows = _rows(board.headline)
        assert rows["2025-03-01"][0].value == 12
        assert rows["2025-02-01"][0].value == 8 and rows["2025-02-01"][1].value == 50.0
        # The first report came on 15 March 2024: that month is counted, but it is no baseline.
        assert rows["2024-03-01"][0].value == 6 and not rows["2024-03-01"][1].shown

        january = dashboard.dashboard(Period.containing(MONTH, date(2025, 1, 1)), today=date(2025, 6, 1))
        rows = _rows(january.headline)
        # Three reports in December: shown as 3, inside nothing is suppressed.
        assert cell_text(rows["2024-12-01"][0]) == "3"
        monthly = _rows(board.monthly)
        assert [cell_text(c) for c in monthly["2025-03-01"]] == ["12", "–"]
        assert [cell_text(c) for c in monthly["2025-02-01"]] == ["8", "–"]  # before the first report: no 0
        assert len(board.monthly.rows) == 13

        # Breakdowns also for a week, exact.
        week = dashboard.dashboard(Period.containing(WEEK, date(2025, 3, 4)), today=date(2025, 6, 1))
        themes = {row.key: row.cells[0].value for row in week.breakdowns[1].rows}
        assert themes["hennep"] == 12


def test_a_running_period_is_shown_as_running_with_its_breakdowns(app):
    with app.app_context(), app.test_request_context():
        _reports_on(date(2025, 6, 2), 2, theme="witwassen")
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 3))
        june = Period.containing(MONTH, date(2025, 6, 1))
        board = dashboard.dashboard(june, today=date(2025, 6, 3))
        assert board.running
        assert "(loopt nog)" in board.headline.rows[0].label
        assert _rows(board.headline)["2025-06-01"][1].state == NOT_AVAILABLE  # no change yet
        groups = {row.key: row.cells[0].value for row in board.breakdowns[0].rows}
        assert groups["geld_vastgoed"] == 2


def test_funnel_counts_views_submissions_and_visits_per_day(app):
    with app.app_context(), app.test_request_context():
        counters = {
            date(2025, 4, 7): {"form_view": 40, "followup_login": 9, "sent": 10},
            date(2025, 4, 8): {"form_view": 20, "followup_login": 6, "sent": 5},
            date(2025, 4, 9): {"form_view": 7, "followup_login": 1, "sent": 2},
        }
        for day, names in counters.items():
            for name in ("form_view", "followup_login"):
                db.session.add(DailyCounter(day=day, name=name, count=names[name]))
            _reports_on(day, names["sent"])
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))
        board = dashboard.dashboard(Period.containing(MONTH, date(2025, 4, 1)), today=date(2025, 6, 1))
        rows = _rows(board.funnel)
        assert [c.value for c in rows["2025-04-09"]] == [7, 2, round(100 * 2 / 7, 1), 1]
        total = rows["totaal"]
        assert (total[0].value, total[1].value, total[3].value) == (67, 17, 16)
        second = Period.containing(QUARTER, date(2025, 4, 1))
        quarter = _rows(dashboard.dashboard(second, today=date(2025, 6, 1)).funnel)
        assert quarter["2025-04-01"][1].value == 17 and quarter["2025-05-01"][1].value == 0


def _nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def test_follow_through_counts_reports_still_waiting(app):
    with app.app_context(), app.test_request_context():
        hours_to_close = [2, 5, 5.5, 10, 20, 30, 72, 96, 240, 480, 24 * 70]
        for close_h in hours_to_close:
            created = utc(2025, 5, 20, 10) - timedelta(hours=close_h)
            add_report(
                created,
                status="afgerond",
                outcome="controle_uitgevoerd",
                first_action_at=created + timedelta(hours=1),
                closed_at=created + timedelta(hours=close_h),
            )
        # May: three reports acted on within hours, four nobody has acted on yet.
        for day in (5, 6, 7):
            created = utc(2025, 5, day, 10)
            add_report(created, first_action_at=created + timedelta(hours=3))
        for day in (8, 9, 10, 11):
            add_report(utc(2025, 5, day, 10))
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))
        may = Period.containing(MONTH, date(2025, 5, 1))
        board = dashboard.dashboard(may, today=date(2025, 6, 1))
        rows = _rows(board.follow_through)
        count, median, p90 = rows["closing"]
        assert count.value == 11
        assert median.value == aggregates.duration_bucket(_nearest_rank(hours_to_close, 0.5) * 3600)
        assert p90.value == aggregates.duration_bucket(_nearest_rank(hours_to_close, 0.9) * 3600)
        # First action over the reports submitted in May: 7, of which 4 still wait. The
        # median falls among the waiting ones: not a flattering "3 hours".
        submitted_in_may = sum(1 for h in hours_to_close if (utc(2025, 5, 20, 10) - timedelta(hours=h)).month == 5)
        act = rows["first_action"]
        assert act[0].value == submitted_in_may + 7
        assert rows["wachtend"][0].value == 4
        assert board.action_share.value == 100.0


def test_trend_tables_cover_thirteen_months_per_category(app):
    with app.app_context(), app.test_request_context():
        _reports_on(date(2024, 7, 3), 4, reporter_type="ondernemer")
        _reports_on(date(2025, 5, 3), 6, reporter_type="professional", campaign_code="poster-2026")
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))
        board = dashboard.dashboard(Period.containing(MONTH, date(2025, 5, 1)), today=date(2025, 6, 1))
        trends = {t.name: t for t in board.trends}
        reporters = trends["trend-melder"]
        assert [row.key for row in reporters.rows][0] == "2024-05-01" and len(reporters.rows) == 13
        columns = [c.key for c in reporters.columns]
        by_month = {row.key: dict(zip(columns, (c.value for c in row.cells), strict=True)) for row in reporters.rows}
        assert by_month["2024-07-01"]["ondernemer"] == 4
        assert by_month["2025-05-01"]["professional"] == 6
        assert set(trends) == {"trend-onderwerp-groep", "trend-melder", "trend-campagne", "trend-bekendheid"}


def test_response_times_count_waiting_reports_and_show_acute_ones_separately(app):
    from meldpunt.stats.aggregates import within_target

    # Friday 13 June 2025, 15:00: the target is Tuesday 17 June, 15:00 (two working days).
    friday = utc(2025, 6, 13, 15)
    assert within_target(friday, utc(2025, 6, 17, 14))
    assert not within_target(friday, utc(2025, 6, 17, 16))
    # Whit Monday (9 June 2025) is no working day: Friday 6 June has until Wednesday 11 June.
    assert within_target(utc(2025, 6, 6, 15), utc(2025, 6, 11, 14))
    with app.app_context(), app.test_request_context():
        add_report(friday, first_action_at=utc(2025, 6, 17, 10))  # in time
        add_report(friday, first_action_at=utc(2025, 6, 20, 10),  # late, closed within 30 days
                   status="afgerond", closed_at=utc(2025, 6, 30, 10))
        add_report(utc(2025, 6, 2, 9), urgency="acuut", first_action_at=utc(2025, 6, 2, 10))
        add_report(utc(2025, 6, 3, 9), urgency="acuut")  # acute, nobody acted: counted as late
        add_report(utc(2025, 6, 4, 9))  # waiting
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 8, 1))
        board = dashboard.dashboard(Period.containing(MONTH, date(2025, 6, 1)), today=date(2025, 8, 1))
        rows = _rows(board.response)
        submitted, target, share, waiting, closed = rows["alle"]
        assert (submitted.value, target.value, waiting.value) == (5, 2, 2)
        assert share.value == 40.0 and closed.value == 20.0
        acute = rows["acuut"]
        assert (acute[0].value, acute[1].value, acute[2].value, acute[3].value) == (2, 1, 50.0, 1)
        trend = _rows(board.response_trend)
        assert trend["2025-06-01"][0].value == 40.0 and trend["2025-06-01"][1].value == 50.0
        assert not trend["2025-03-01"][0].shown  # no reports: no share


def test_campaign_view_compares_eight_weeks_before_and_after_the_start(app):
    from meldpunt.stats import campaigns

    app.config["CAMPAIGNS"] = {"poster-2025": "Posters in de wijk"}
    with app.app_context(), app.test_request_context():
        _reports_on(date(2025, 2, 10), 10)  # before
        _reports_on(date(2025, 3, 10), 6, campaign_code="poster-2025")  # first seen: the start
        _reports_on(date(2025, 3, 20), 9)
        _reports_on(date(2025, 6, 1), 5)  # more than eight weeks later: not counted
        for day, n in ((date(2025, 2, 1), 100), (date(2025, 3, 15), 180)):
            db.session.add(DailyCounter(day=day, name="form_view", count=n))
        # The meldpunt was open well before the eight weeks before the start (else no baseline).
        db.session.add(DailyCounter(day=date(2024, 11, 1), name="followup_login", count=1))
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 7, 1))
        views = campaigns.campaign_views(today=date(2025, 7, 1))
        assert [(v.code, v.start, v.complete) for v in views] == [("poster-2025", date(2025, 3, 10), True)]
        rows = _rows(views[0].table)
        assert [c.value for c in rows["meldingen"]] == [10, 15, 50.0]
        assert [c.value for c in rows["met-code"]][:2] == [0, 6]
        assert [c.value for c in rows["bekeken"]] == [100, 180, 80.0]
        # A configured start date wins over the first report with the code.
        app.config["CAMPAIGN_STARTS"] = {"poster-2025": date(2025, 3, 1)}
        assert campaigns.campaign_views(today=date(2025, 7, 1))[0].start == date(2025, 3, 1)
