"""Several scheduler instances on one database: every occurrence runs exactly once."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from meldpunt import outbox
from meldpunt.extensions import db
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import JobOccurrence, OutboxMessage
from tests.conftest import PG_URL
from tests.jobs.instances import all_jobs, process_main, run_instance

# Minute ticks over 40 minutes: 40 outbox and probe occurrences, 8 reminder runs,
# three or four rollup and upload runs, and one retention run.
START = datetime(2026, 3, 2, 8, 58, 20, tzinfo=UTC)
TIMES = [START + timedelta(minutes=i) for i in range(40)]
MAILS = 6


def expected_occurrences(registry) -> dict[str, set[datetime]]:
    return {job.name: {job.due_at(t) for t in TIMES} for job in registry}


def queue_mail(app, count: int) -> None:
    with app.app_context():
        for i in range(count):
            outbox.enqueue(
                "partner_notice",
                f"partner{i}@partner.example",
                f"Melding {i}",
                "Zie /beheer",
                now=START,
            )
        db.session.commit()


def probe_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def check_each_ran_once(app, registry, probe_path: Path, smtp) -> Counter:
    expected = expected_occurrences(registry)
    with app.app_context():
        rows = db.session.execute(
            select(
                JobOccurrence.job,
                JobOccurrence.due_at,
                JobOccurrence.outcome,
                JobOccurrence.claimed_by,
            )
        ).all()
        by_job: dict[str, list[datetime]] = {}
        for job, due_at, outcome, _claimed_by in rows:
            by_job.setdefault(job, []).append(due_at)
            assert outcome == "ok", f"{job} {due_at}: {outcome}"
        for name, dues in expected.items():
            assert sorted(by_job.get(name, [])) == sorted(dues), (
                f"{name}: each occurrence exactly once"
            )
        unsent = db.session.scalar(
            select(db.func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))
        )
        assert unsent == 0
    # The probe counts executions of the job body, not rows.
    lines = probe_lines(probe_path)
    probe = jobs.job_named("probe", registry)
    ran_at = Counter(probe.due_at(datetime.fromisoformat(line.split()[0])) for line in lines)
    assert len(lines) == len(expected["probe"])
    assert set(ran_at) == expected["probe"]
    assert max(ran_at.values()) == 1
    # Every queued e-mail arrived exactly once.
    subjects = Counter(
        m["data"].split("Subject: ", 1)[1].split("\n", 1)[0].strip() for m in smtp.messages
    )
    assert sorted(subjects) == sorted(f"Melding {i}" for i in range(MAILS))
    assert set(subjects.values()) == {1}
    return Counter(claimed_by for *_rest, claimed_by in rows)


def test_due_occurrence_is_the_same_in_every_process():
    job = jobs.job_named("reminders")
    assert job.due_at(datetime(2026, 3, 2, 9, 4, 59, tzinfo=UTC)) == datetime(
        2026, 3, 2, 9, 0, tzinfo=UTC
    )
    assert job.due_at(datetime(2026, 3, 2, 9, 5, 0, tzinfo=UTC)) == datetime(
        2026, 3, 2, 9, 5, tzinfo=UTC
    )
    retention = jobs.job_named("retention")
    assert retention.due_at(datetime(2026, 3, 2, 2, 29, tzinfo=UTC)) == datetime(
        2026, 3, 1, 2, 30, tzinfo=UTC
    )
    assert retention.due_at(datetime(2026, 3, 2, 23, 0, tzinfo=UTC)) == datetime(
        2026, 3, 2, 2, 30, tzinfo=UTC
    )
    # A different zone for the same moment gives the same occurrence.
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 3, 2, 10, 7, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert job.due_at(moment) == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def test_scheduler_threads_run_each_occurrence_once(jobs_app, smtp, tmp_path):
    """Four scheduler instances as threads (SQLite or PostgreSQL, whichever the suite uses)."""
    smtp.up()
    queue_mail(jobs_app, MAILS)
    probe_path = tmp_path / "probe.log"
    instances = 4
    barrier = threading.Barrier(instances)
    errors: list[BaseException] = []

    def instance(k: int) -> None:
        try:
            run_instance(jobs_app, f"thread-{k}", TIMES, barrier, str(probe_path))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=instance, args=(k,)) for k in range(instances)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    winners = check_each_ran_once(jobs_app, all_jobs(str(probe_path)), probe_path, smtp)
    assert set(winners) <= {f"thread-{k}" for k in range(instances)}


@pytest.mark.postgres
@pytest.mark.skipif(
    not PG_URL, reason="needs MELDPUNT_TEST_DATABASE_URL (PostgreSQL) for separate processes"
)
def test_scheduler_processes_on_postgresql_run_each_occurrence_once(jobs_app, smtp, tmp_path):
    """Three separate processes, each with its own engine, against one PostgreSQL database."""
    smtp.up()
    queue_mail(jobs_app, MAILS)
    probe_path = tmp_path / "probe.log"
    url = jobs_app.config["SQLALCHEMY_DATABASE_URI"]
    overrides = {
        key: jobs_app.config[key]
        for key in (
            "SMTP_HOST",
            "SMTP_PORT",
            "SMTP_TIMEOUT",
            "COORDINATOR_EMAILS",
            "PARTNER_EMAILS",
            "BASE_URL",
        )
    }
    context = multiprocessing.get_context("spawn")
    instances = 3
    barrier = context.Barrier(instances)
    processes = []
    for k in range(instances):
        result_path = tmp_path / f"won-{k}.txt"
        process = context.Process(
            target=process_main,
            args=(
                url,
                jobs_app.config["DATA_DIR"],
                overrides,
                f"process-{k}",
                TIMES,
                barrier,
                str(probe_path),
                str(result_path),
            ),
        )
        process.start()
        processes.append((process, result_path))
    for process, _result in processes:
        process.join(timeout=300)
    for process, _result in processes:
        if process.is_alive():
            process.kill()
        assert process.exitcode == 0, f"scheduler process failed with {process.exitcode}"
    winners = check_each_ran_once(jobs_app, all_jobs(str(probe_path)), probe_path, smtp)
    won = sum(int(result.read_text()) for _process, result in processes)
    assert won == sum(winners.values())
    assert set(winners) <= {f"process-{k}" for k in range(instances)}


def test_missed_occurrences_run_once_after_a_restart(jobs_app, clock):
    """Misfire policy: after downtime the current occurrence runs once; missed ones coalesce."""
    with jobs_app.app_context():
        first = {r.job for r in jobs.tick(now=clock.now, instance="a")}
        assert first == {job.name for job in jobs.JOBS}
        # Same occurrence, another instance, a few seconds later: nothing runs.
        assert jobs.tick(now=clock.advance(seconds=5), instance="b") == []
        # Three hours without any scheduler, then a fresh one starts.
        restarted = clock.advance(hours=3)
        results = jobs.tick(now=restarted, instance="after-restart")
        ran = Counter(r.job for r in results)
        assert ran["outbox"] == 1 and ran["reminders"] == 1 and ran["rollup"] == 1
        outbox_rows = db.session.scalars(
            select(JobOccurrence.due_at).where(JobOccurrence.job == "outbox")
        ).all()
        assert len(outbox_rows) == 2
        assert jobs.job_named("outbox").due_at(restarted) in outbox_rows


def test_a_failing_job_is_recorded_and_the_scheduler_goes_on(jobs_app, clock, caplog):
    def broken(now):
        raise ZeroDivisionError("secret detail that must not be logged")

    registry = (jobs.Job("broken", timedelta(minutes=1), broken), jobs.job_named("uploads"))
    with jobs_app.app_context():
        results = jobs.tick(now=clock.now, instance="a", jobs=registry)
        assert [(r.job, r.outcome) for r in results] == [("broken", "error"), ("uploads", "ok")]
        row = db.session.scalar(select(JobOccurrence).where(JobOccurrence.job == "broken"))
        assert row.outcome == "error" and row.finished_at is not None
        assert "ZeroDivisionError" in row.summary
    assert "secret detail" not in caplog.text


def test_no_second_run_while_one_is_still_running(jobs_app, clock):
    job = jobs.job_named("uploads")
    with jobs_app.app_context():
        # Another process claimed the previous occurrence and is still at work.
        earlier = job.due_at(clock.now) - job.every
        db.session.add(
            JobOccurrence(
                job="uploads",
                due_at=earlier,
                claimed_by="other",
                claimed_at=clock.now - timedelta(minutes=2),
            )
        )
        db.session.commit()
        assert jobs.tick(now=clock.now, instance="a", jobs=(job,)) == []
        # A run that has been "running" longer than max_runtime is presumed dead.
        later = clock.advance(minutes=40)
        assert [r.job for r in jobs.tick(now=later, instance="a", jobs=(job,))] == ["uploads"]
        stalled = [s for s in jobs.status(later, jobs=(job,))]
        assert stalled[0].last_outcome == "ok"


def test_the_scheduler_process_runs_one_tick_job(jobs_app):
    """`flask scheduler` configures APScheduler with one tick job; calling it claims the jobs."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = jobs.build_scheduler(jobs_app, tick_seconds=30)
    assert isinstance(scheduler, BlockingScheduler)
    pending = scheduler.get_jobs()
    assert [job.id for job in pending] == ["tick"]
    tick_job = pending[0]
    assert tick_job.trigger.interval == timedelta(seconds=30)
    assert tick_job.max_instances == 1 and tick_job.coalesce is True
    tick_job.func(*tick_job.args)  # what the scheduler runs every 30 seconds (real clock)
    tick_job.func(*tick_job.args)
    with jobs_app.app_context():
        rows = db.session.scalars(select(JobOccurrence.job)).all()
    assert Counter(rows) == Counter(job.name for job in jobs.JOBS)


def test_cli_commands_are_registered(jobs_app):
    runner = jobs_app.test_cli_runner()
    result = runner.invoke(args=["run-job", "uploads"])
    assert result.exit_code == 0, result.output
    assert "uploads ok: removed=0" in result.output
    assert runner.invoke(args=["run-job", "nonsense"]).exit_code != 0
    assert "--dry-run" in runner.invoke(args=["purge", "--help"]).output
    assert "--tick-seconds" in runner.invoke(args=["scheduler", "--help"]).output
