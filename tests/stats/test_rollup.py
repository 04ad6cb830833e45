"""The rollup: aggregate tables equal counts computed straight from the reports."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import (
    DailyClosureStat,
    DailyDurationStat,
    DailyReportStat,
    Report,
    StatRollupState,
    StatusEvent,
    TriageDecision,
)
from meldpunt.stats import aggregates, rollup
from tests.stats.helpers import (
    add_report,
    direct_counts,
    local_day,
    seeded_random,
    stored_counts,
    table_rows,
    utc,
)

THEMES = ["hennep", "drugshandel", "witwassen", "fraude", "mensenhandel", "geen_ondermijning"]


def _varied_reports(rng: random.Random, count: int, start: datetime, days: int) -> list[Report]:
    made = []
    for _ in range(count):
        created = start + timedelta(minutes=rng.randrange(days * 1440))
        status = rng.choice(["nieuw", "in_behandeling", "afgerond", "niet_ontvankelijk"])
        closed = status in ("afgerond", "niet_ontvankelijk")
        first_action = (
            created + timedelta(hours=rng.uniform(0.1, 90)) if status != "nieuw" else None
        )
        made.append(
            add_report(
                created,
                theme=rng.choice(THEMES),
                urgency=rng.choice(["acuut", "hoog", "normaal", "laag"]),
                route=rng.choice(["politie", "riec", "gemeente_sociaal"]),
                reporter_type=rng.choice(["bewoner", "ondernemer", "professional", "onbekend"]),
                place_type=rng.choice(["woning", "horeca", "online"]),
                postcode_area=rng.choice(["3311", "3312", None]),
                anonymous=rng.random() < 0.6,
                has_attachments=rng.random() < 0.3,
                campaign_code=rng.choice([None, "poster-2025", "buurtapp"]),
                heard_via=rng.choice([None, "krant", "poster"]),
                reporter_last_seen_at=created + timedelta(days=2) if rng.random() < 0.2 else None,
                status=status,
                outcome=rng.choice(["controle_uitgevoerd", "geen_vervolg_mogelijk", None])
                if status == "afgerond"
                else None,
                first_action_at=first_action,
                closed_at=(first_action or created) + timedelta(days=rng.uniform(0, 30))
                if closed
                else None,
            )
        )
    db.session.commit()
    return made


def _direct_closures(reports):
    counts = {}
    for r in reports:
        if r.closed_at is None or r.status not in ("afgerond", "niet_ontvankelijk"):
            continue
        outcome = r.outcome or (
            "niet_ontvankelijk" if r.status == "niet_ontvankelijk" else "onbekend"
        )
        key = (local_day(r.closed_at), outcome)
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_rebuild_matches_counts_computed_from_the_reports(app):
    with app.app_context():
        reports = _varied_reports(seeded_random(3), 250, utc(2025, 3, 1), 120)
        result = rollup.rebuild_all(now=utc(2025, 9, 1))
        assert result.full
        assert stored_counts() == direct_counts(reports)
        closures = {(r.day, r.outcome): r.count for r in db.session.query(DailyClosureStat)}
        assert closures == _direct_closures(reports)
        # Every closed report has one closing duration,
        # every acted-on report one first-action duration.
        durations = db.session.query(DailyDurationStat).all()
        assert sum(d.count for d in durations if d.measure == "closing") == sum(closures.values())
        assert sum(d.count for d in durations if d.measure == "first_action") == sum(
            1 for r in reports if r.first_action_at
        )


def test_rollup_is_idempotent(app):
    with app.app_context():
        _varied_reports(seeded_random(4), 120, utc(2025, 5, 1), 40)
        rollup.rebuild_all(now=utc(2025, 7, 1))
        before = [table_rows(m) for m in (DailyReportStat, DailyClosureStat, DailyDurationStat)]
        rollup.rebuild_all(now=utc(2025, 7, 1))
        rollup.rollup(now=utc(2025, 7, 1, 13))
        rollup.rollup(day_from=utc(2025, 5, 1).date(), day_to=utc(2025, 6, 15).date())
        after = [table_rows(m) for m in (DailyReportStat, DailyClosureStat, DailyDurationStat)]
        assert before == after


def test_first_rollup_without_history_rebuilds_everything(app):
    with app.app_context():
        reports = _varied_reports(seeded_random(5), 60, utc(2024, 1, 1), 500)
        result = rollup.rollup(now=utc(2025, 6, 1))
        assert result.full
        assert stored_counts() == direct_counts(reports)
        state = db.session.get(StatRollupState, 1)
        assert state.watermark == utc(2025, 6, 1)


def test_incremental_rollup_picks_up_new_corrected_and_closed_reports(app):
    with app.app_context():
        reports = _varied_reports(seeded_random(6), 150, utc(2025, 1, 1), 100)
        rollup.rollup(now=utc(2025, 6, 1, 9))
        token = db.session.get(StatRollupState, 1).token

        later = utc(2025, 6, 2, 10)
        # A staff correction of an old report: a triage decision and the cached theme.
        old = reports[0]
        new_theme = "witwassen" if old.theme != "witwassen" else "fraude"
        db.session.add(
            TriageDecision(
                report_id=old.id,
                created_at=later,
                theme=new_theme,
                urgency=old.urgency,
                route=old.route,
            )
        )
        old.theme = new_theme
        # Another old report is closed today.
        other = next(r for r in reports[1:] if r.status == "nieuw")
        other.status, other.outcome, other.closed_at = "afgerond", "bestuurlijke_maatregel", later
        other.first_action_at = later - timedelta(hours=1)
        db.session.add(
            StatusEvent(
                report_id=other.id,
                created_at=later,
                status="afgerond",
                outcome="bestuurlijke_maatregel",
            )
        )
        # And a new report comes in.
        reports.append(add_report(later, theme="gokken"))
        db.session.commit()

        result = rollup.rollup(now=utc(2025, 6, 2, 11))
        assert not result.full
        # Only the touched days (plus today and yesterday), not the whole history.
        assert result.days <= 6
        assert stored_counts() == direct_counts(reports)
        assert {
            (r.day, r.outcome): r.count for r in db.session.query(DailyClosureStat)
        } == _direct_closures(reports)
        assert db.session.get(StatRollupState, 1).token != token

        incremental = [
            table_rows(m) for m in (DailyReportStat, DailyClosureStat, DailyDurationStat)
        ]
        rollup.rebuild_all(now=utc(2025, 6, 2, 11))
        assert incremental == [
            table_rows(m) for m in (DailyReportStat, DailyClosureStat, DailyDurationStat)
        ]


def test_reopened_report_leaves_its_former_closing_day(app):
    with app.app_context():
        created = utc(2025, 4, 1)
        report = add_report(
            created,
            status="afgerond",
            outcome="controle_uitgevoerd",
            first_action_at=utc(2025, 4, 2),
            closed_at=utc(2025, 4, 10),
        )
        db.session.flush()
        db.session.add(
            StatusEvent(
                report_id=report.id,
                created_at=utc(2025, 4, 10),
                status="afgerond",
                outcome="controle_uitgevoerd",
            )
        )
        db.session.commit()
        rollup.rollup(now=utc(2025, 4, 11))
        assert db.session.query(DailyClosureStat).count() == 1
        # Reopened weeks later.
        report.status, report.outcome, report.closed_at = "in_behandeling", None, None
        db.session.add(
            StatusEvent(report_id=report.id, created_at=utc(2025, 5, 1), status="in_behandeling")
        )
        db.session.commit()
        rollup.rollup(now=utc(2025, 5, 1, 15))
        assert db.session.query(DailyClosureStat).count() == 0
        assert db.session.query(DailyDurationStat).filter_by(measure="closing").count() == 0


def test_recomputing_one_day_after_a_direct_change(app):
    with app.app_context():
        reports = _varied_reports(seeded_random(8), 80, utc(2025, 2, 1), 20)
        rollup.rebuild_all(now=utc(2025, 3, 1))
        target = reports[5]
        target.postcode_area = "3399"
        db.session.commit()
        day = local_day(target.created_at)
        result = rollup.rollup(day_from=day, day_to=day)
        assert result.days == 1
        assert stored_counts() == direct_counts(reports)


def test_days_are_amsterdam_days_across_daylight_saving_time(app):
    with app.app_context():
        moments = [
            datetime(2025, 3, 29, 23, 30, tzinfo=UTC),  # 00:30 on 30 March (CET, +1)
            datetime(2025, 3, 30, 22, 30, tzinfo=UTC),  # 00:30 on 31 March (CEST, +2)
            datetime(2025, 10, 25, 22, 30, tzinfo=UTC),  # 00:30 on 26 October (CEST)
            datetime(2025, 10, 26, 22, 30, tzinfo=UTC),  # 23:30 on 26 October (CET)
            datetime(2025, 12, 31, 23, 30, tzinfo=UTC),  # 00:30 on 1 January 2026
        ]
        for moment in moments:
            add_report(moment)
        db.session.commit()
        rollup.rebuild_all(now=utc(2026, 1, 2))
        days = sorted(r.day for r in db.session.query(DailyReportStat).filter_by(dimension="total"))
        assert [d.isoformat() for d in days] == [
            "2025-03-30",
            "2025-03-31",
            "2025-10-26",
            "2026-01-01",
        ]
        counts = {
            r.day.isoformat(): r.count
            for r in db.session.query(DailyReportStat).filter_by(dimension="total")
        }
        assert counts["2025-10-26"] == 2


def test_purged_reports_still_count(app):
    with app.app_context():
        kept = add_report(utc(2025, 1, 5), theme="drugslab")
        purged = add_report(
            utc(2025, 1, 5),
            theme="drugslab",
            status="afgerond",
            outcome="gebruikt_in_onderzoek",
            first_action_at=utc(2025, 1, 6),
            closed_at=utc(2025, 2, 1),
        )
        purged.text = None
        purged.location = None
        purged.house_number = None
        purged.purged_at = utc(2025, 6, 1)
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 7, 1))
        stored = stored_counts()
        assert stored[(local_day(kept.created_at), "theme", "drugslab")] == 2
        closures = {(r.day, r.outcome): r.count for r in db.session.query(DailyClosureStat)}
        assert closures == {(local_day(purged.closed_at), "gebruikt_in_onderzoek"): 1}


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [
        (0, 0),
        (0.2, 1),
        (1, 1),
        (1.01, 2),
        (47.5, 48),
        (48, 48),
        (49, 72),
        (24 * 60, 24 * 60),
        (24 * 60 + 1, 1512),
    ],
)
def test_duration_buckets(hours, bucket):
    assert aggregates.duration_bucket(hours * 3600) == bucket


def test_cli_command_rebuilds(app):
    with app.app_context():
        reports = _varied_reports(seeded_random(9), 30, utc(2025, 8, 1), 10)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rollup-stats"])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    result = runner.invoke(args=["rollup-stats", "--from", "2025-08-01", "--to", "2025-08-03"])
    assert result.exit_code == 0 and "3 days" in result.output
    with app.app_context():
        assert stored_counts() == direct_counts(db.session.scalars(select(Report)).all())
        del reports
