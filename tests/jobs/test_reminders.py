"""Coordinator reminders: acute reports after an hour, new ones after two working days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.jobs import reminders
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import OutboxMessage, ReminderSent, Report
from tests.jobs.conftest import COORDINATORS, Clock, report_at

AMS = ZoneInfo("Europe/Amsterdam")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMS).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Monday -> Wednesday, same time.
        (local(2026, 3, 2, 9, 0), local(2026, 3, 4, 9, 0)),
        # Friday afternoon -> Tuesday afternoon (the weekend does not count).
        (local(2026, 3, 6, 15, 0), local(2026, 3, 10, 15, 0)),
        # Saturday -> counts from Monday 00:00 -> Wednesday 00:00.
        (local(2026, 3, 7, 11, 0), local(2026, 3, 11, 0, 0)),
        # Friday before Koningsdag (Monday 27 April 2026) -> Wednesday.
        (local(2026, 4, 24, 10, 0), local(2026, 4, 29, 10, 0)),
        # Christmas Eve (Thursday): Christmas, Boxing Day and the weekend are skipped.
        (local(2026, 12, 24, 10, 0), local(2026, 12, 29, 10, 0)),
        # Across the change to summer time (29 March 2026): the local time stays.
        (local(2026, 3, 27, 9, 30), local(2026, 3, 31, 9, 30)),
    ],
)
def test_two_working_days(start, due):
    assert reminders.add_working_days(start, 2) == due


def test_working_days_follow_the_dutch_holidays():
    assert not reminders.is_working_day(datetime(2026, 4, 27).date())  # Koningsdag
    assert not reminders.is_working_day(datetime(2026, 12, 25).date())  # Eerste Kerstdag
    assert not reminders.is_working_day(datetime(2026, 5, 14).date())  # Hemelvaartsdag
    assert not reminders.is_working_day(datetime(2026, 3, 7).date())  # a Saturday
    assert reminders.is_working_day(datetime(2026, 4, 28).date())


def reminder_mails(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == reminders.NOTICE_KIND)
                .order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def run(app, now: datetime) -> str:
    with app.app_context():
        result = jobs.run_job("reminders", now=now)
    assert result.outcome == "ok", result.summary
    return result.summary


def test_acute_report_not_opened_within_an_hour_gives_one_reminder(jobs_app, clock):
    created = clock.now
    acute_id, _code = report_at(jobs_app, created, set_urgency="acuut", location="Havenkade 2")
    opened_id, _code = report_at(
        jobs_app, created, set_urgency="acuut", set_first_opened_at=created + timedelta(minutes=10)
    )
    normal_id, _code = report_at(jobs_app, created, set_urgency="normaal")

    assert run(jobs_app, created + timedelta(minutes=59)) == "acute=0 new=0 emails=0"
    assert reminder_mails(jobs_app) == []

    assert (
        run(jobs_app, created + timedelta(minutes=61))
        == f"acute=1 new=0 emails={len(COORDINATORS)}"
    )
    mails = reminder_mails(jobs_app)
    assert sorted(m.recipient for m in mails) == sorted(COORDINATORS)
    for mail in mails:
        assert f"Melding {acute_id}," in mail.body
        assert f"/beheer/melding/{acute_id}" in mail.body
        assert f"Melding {opened_id}," not in mail.body and f"Melding {normal_id}," not in mail.body
        assert "Havenkade" not in mail.body and "wietlucht" not in mail.body.lower()
        assert "acute melding" in mail.subject

    # Never twice, however often the job runs and even once it is finally opened late.
    assert run(jobs_app, created + timedelta(minutes=66)) == "acute=0 new=0 emails=0"
    assert run(jobs_app, created + timedelta(hours=5)) == "acute=0 new=0 emails=0"
    assert len(reminder_mails(jobs_app)) == len(COORDINATORS)
    with jobs_app.app_context():
        rows = db.session.scalars(
            select(ReminderSent.report_id).where(ReminderSent.rule == reminders.ACUTE_RULE)
        ).all()
        assert rows == [acute_id]


def test_new_report_after_two_working_days_skips_weekend_and_koningsdag(jobs_app):
    # Friday 24 April 2026, 10:00; Monday 27 April is Koningsdag.
    created = local(2026, 4, 24, 10, 0)
    clock = Clock(created)
    waiting_id, _code = report_at(
        jobs_app, created, set_urgency="normaal", location="Dorpsstraat 5"
    )
    taken_id, _code = report_at(jobs_app, created, set_urgency="hoog")
    with jobs_app.app_context():
        db.session.get(Report, taken_id).status = "in_behandeling"
        db.session.commit()

    # Two calendar working days later without the holiday would be Tuesday 10:00.
    assert (
        run(jobs_app, clock.advance(days=4, minutes=30)) == "acute=0 new=0 emails=0"
    )  # Tue 28 April 10:30
    assert reminder_mails(jobs_app) == []
    assert run(jobs_app, local(2026, 4, 29, 9, 59)) == "acute=0 new=0 emails=0"
    assert run(jobs_app, local(2026, 4, 29, 10, 0)) == f"acute=0 new=1 emails={len(COORDINATORS)}"
    mails = reminder_mails(jobs_app)
    assert len(mails) == len(COORDINATORS)
    assert all(f"Melding {waiting_id}, binnengekomen 24-04-2026 10:00" in m.body for m in mails)
    assert all(f"Melding {taken_id}," not in m.body for m in mails)
    assert "Dorpsstraat" not in mails[0].body
    # Never twice.
    assert run(jobs_app, local(2026, 4, 30, 10, 0)) == "acute=0 new=0 emails=0"
    assert run(jobs_app, local(2026, 5, 20, 10, 0)) == "acute=0 new=0 emails=0"
    assert len(reminder_mails(jobs_app)) == len(COORDINATORS)


def test_new_report_over_christmas(jobs_app):
    created = local(2026, 12, 24, 16, 0)  # Thursday before Christmas
    report_at(jobs_app, created, set_urgency="laag")
    assert run(jobs_app, local(2026, 12, 28, 16, 30)) == "acute=0 new=0 emails=0"  # Monday
    assert run(jobs_app, local(2026, 12, 29, 16, 0)) == f"acute=0 new=1 emails={len(COORDINATORS)}"


def test_concurrent_runs_send_one_set_of_reminders(jobs_app, clock):
    report_id, _code = report_at(jobs_app, clock.now - timedelta(hours=2), set_urgency="acuut")
    now = clock.now
    with jobs_app.app_context():
        # Two runs that both saw the report as due (as two overlapping processes would).
        due = reminders.due_acute(now)
        assert [d.report_id for d in due] == [report_id]
        assert reminders._send_rule(
            reminders.ACUTE_RULE, due, now, COORDINATORS, "https://x.example"
        ) == (1, 2)
        assert reminders._send_rule(
            reminders.ACUTE_RULE, due, now, COORDINATORS, "https://x.example"
        ) == (0, 0)
    assert len(reminder_mails(jobs_app)) == len(COORDINATORS)


def test_without_coordinator_addresses_nothing_is_recorded(app_factory, clock):
    quiet = app_factory(COORDINATOR_EMAILS=[])
    report_at(quiet, clock.now - timedelta(hours=2), set_urgency="acuut")
    with quiet.app_context():
        result = jobs.run_job("reminders", now=clock.now)
        assert result.summary == "acute=1 new=0 emails=0 no_recipients=1"
        assert db.session.scalars(select(ReminderSent)).all() == []
    # Once addresses are configured, the reminder goes out.
    configured = app_factory(COORDINATOR_EMAILS=["coordinator@gemeente.example"])
    with configured.app_context():
        assert (
            jobs.run_job("reminders", now=clock.now + timedelta(minutes=1)).summary
            == "acute=1 new=0 emails=1"
        )
