"""Scheduled work, run exactly once per occurrence by however many schedulers.

Jobs run only in the dedicated scheduler process (``flask --app meldpunt
scheduler``), never in a gunicorn worker. That process runs an APScheduler
``BlockingScheduler`` with a single job: ``tick``, every 30 seconds.

Each job has a fixed interval aligned to the clock (``due_at`` is ``now``
rounded down to a multiple of the interval, plus an optional offset, counted
from the Unix epoch), so every scheduler process computes the same occurrence.
A tick *claims* the current occurrence of every job by inserting a
``job_occurrence`` row in its own transaction; the UNIQUE (job, due_at)
constraint lets exactly one insert win, on SQLite and PostgreSQL, on one
machine or several. The winner runs the job and records outcome and summary
in that same row, which is the job's run record (status page, ``run-job``).

Misfire policy: only the *current* occurrence is ever claimed. An occurrence
missed while no scheduler ran (restart, deploy, outage) is run late, once, at
the next tick if it is still the current one; several missed occurrences of
the same job coalesce into one run. Every job works off "everything due up to
now", so a late or coalesced run catches up completely. While an earlier run
of the same job is still going (claimed less than ``max_runtime`` ago) the
tick does not claim a new occurrence; a run that crashed stops blocking after
``max_runtime``. A job that raises is recorded as ``error`` and runs again at
its next occurrence.

Each job is a thin call into a service with plain values from the config, and
logs one line (name, outcome, duration, counts) without personal data.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from meldpunt.extensions import db
from meldpunt.models import JobOccurrence, OutboxMessage, utcnow

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK_SECONDS = 30
Counts = dict[str, Any]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], Counts]
    label: Any = None
    offset: timedelta = timedelta(0)
    max_runtime: timedelta = timedelta(minutes=30)

    def due_at(self, now: datetime) -> datetime:
        """The occurrence current at ``now``: the same in every process."""
        steps = (now - EPOCH - self.offset) // self.every
        return EPOCH + self.offset + steps * self.every


# --- the jobs: thin calls into the services ----------------------------------------


def deliver_outbox(now: datetime) -> Counts:
    from meldpunt import outbox

    run = outbox.deliver_due(now)
    counts: Counts = {"sent": run.sent, "failed": run.failed}
    if run.error:  # the error class only: one line for the whole run, never one per message
        counts["smtp_error"] = run.error
    return counts


def rollup_statistics(now: datetime) -> Counts:
    from meldpunt.stats.rollup import rollup

    result = rollup(now=now)
    return {
        "days": result.days,
        "rows": result.rows,
        "full": int(result.full),
        "published": result.published,
    }


def apply_retention(now: datetime) -> Counts:
    from meldpunt.jobs import retention

    config = current_app.config
    purged = retention.purge(now, retention_days=int(config["RETENTION_DAYS"]))
    strays = retention.remove_stray_files(now)
    pruned = retention.prune_history(now)
    return {
        "purged": purged.report_count,
        "files": purged.files_deleted,
        "strays": strays,
        "outbox_pruned": pruned.outbox,
        "job_records_pruned": pruned.job_records,
        "stale_open": retention.count_stale_open(now, int(config["STALE_OPEN_DAYS"])),
    }


def clean_uploads(now: datetime) -> Counts:
    from meldpunt.jobs import retention

    return {"removed": retention.remove_stale_uploads(now)}


def send_reminders(now: datetime) -> Counts:
    from meldpunt.jobs import reminders

    config = current_app.config
    run = reminders.send_due(now, list(config["COORDINATOR_EMAILS"]), config["BASE_URL"])
    counts: Counts = {"acute": run.acute, "new": run.new, "emails": run.emails}
    if run.no_recipients:
        counts["no_recipients"] = 1
    return counts


def flush_view_counts(now: datetime) -> Counts:
    from meldpunt import counters

    return {"views": counters.flush_shared()}


JOBS: tuple[Job, ...] = (
    Job(
        "outbox",
        timedelta(minutes=1),
        deliver_outbox,
        _l("E-mail versturen"),
        max_runtime=timedelta(minutes=5),
    ),
    Job("reminders", timedelta(minutes=5), send_reminders, _l("Herinneringen aan coördinatoren")),
    Job("counters", timedelta(minutes=1), flush_view_counts, _l("Paginabezoeken bijschrijven")),
    Job("rollup", timedelta(minutes=15), rollup_statistics, _l("Statistieken bijwerken")),
    Job("uploads", timedelta(minutes=15), clean_uploads, _l("Tijdelijke uploads opruimen")),
    # Daily at 02:30 UTC (03:30 or 04:30 in Amsterdam): outside office hours.
    Job(
        "retention",
        timedelta(days=1),
        apply_retention,
        _l("Bewaartermijn toepassen"),
        offset=timedelta(hours=2, minutes=30),
        max_runtime=timedelta(hours=2),
    ),
)


def job_named(name: str, jobs: Iterable[Job] = JOBS) -> Job:
    for job in jobs:
        if job.name == name:
            return job
    raise KeyError(name)


def format_summary(counts: Counts) -> str:
    """``key=value`` pairs: one log line, and what the status page shows."""
    parts = []
    for key, value in counts.items():
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, int | float | str) and " " not in str(value):
            parts.append(f"{key}={value}")
    return " ".join(parts)[:300]


def parse_summary(summary: str | None) -> list[tuple[str, str]]:
    pairs = []
    for part in (summary or "").split():
        key, _sep, value = part.partition("=")
        pairs.append((key, value))
    return pairs


# --- claiming and running ------------------------------------------------------------


def default_instance() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _busy(job: Job, now: datetime) -> bool:
    """An earlier run of this job is still going (and not presumed dead)."""
    return (
        db.session.scalar(
            select(JobOccurrence.id)
            .where(
                JobOccurrence.job == job.name,
                JobOccurrence.outcome == "running",
                JobOccurrence.claimed_at > now - job.max_runtime,
            )
            .limit(1)
        )
        is not None
    )


def claim(job: Job, due_at: datetime, now: datetime, instance: str) -> int | None:
    """Insert the occurrence row in its own transaction; its id if this process won."""
    db.session.rollback()
    occurrence = JobOccurrence(
        job=job.name, due_at=due_at, claimed_by=instance, claimed_at=now, outcome="running"
    )
    db.session.add(occurrence)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return occurrence.id


@dataclass(frozen=True)
class RunResult:
    job: str
    due_at: datetime
    outcome: str
    summary: str
    occurrence_id: int


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}"


def execute(job: Job, occurrence_id: int, due_at: datetime, now: datetime) -> RunResult:
    """Run a claimed occurrence, record its outcome and log one line."""
    started = time.monotonic()
    try:
        counts = job.run(now)
        outcome = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is recorded, the scheduler goes on
        db.session.rollback()
        # The class and place only: exception messages may quote data.
        counts = {"error": type(exc).__name__, "at": _where(exc)}
        outcome = "error"
    elapsed = time.monotonic() - started
    summary = format_summary(counts)
    db.session.rollback()
    occurrence = db.session.get(JobOccurrence, occurrence_id)
    if occurrence is not None:
        occurrence.finished_at = now + timedelta(seconds=elapsed)
        occurrence.outcome = outcome
        occurrence.summary = summary
        db.session.commit()
    level = logging.INFO if outcome == "ok" else logging.ERROR
    log.log(
        level,
        "job %s %s due=%s took=%.2fs %s",
        job.name,
        outcome,
        due_at.isoformat(),
        elapsed,
        summary,
    )
    return RunResult(job.name, due_at, outcome, summary, occurrence_id)


def tick(
    now: datetime | None = None, instance: str | None = None, jobs: Iterable[Job] = JOBS
) -> list[RunResult]:
    """Claim and run every job whose current occurrence nobody has claimed yet."""
    now = now or utcnow()
    instance = instance or default_instance()
    results = []
    for job in jobs:
        due_at = job.due_at(now)
        db.session.rollback()
        if _busy(job, now):
            continue
        occurrence_id = claim(job, due_at, now, instance)
        if occurrence_id is None:
            continue
        results.append(execute(job, occurrence_id, due_at, now))
    return results


def run_job(
    name: str, now: datetime | None = None, instance: str | None = None, jobs: Iterable[Job] = JOBS
) -> RunResult:
    """Run one job now, outside its schedule (``flask run-job``, tests); recorded like any run."""
    job = job_named(name, jobs)
    now = now or utcnow()
    occurrence_id = claim(job, now, now, instance or f"manual:{default_instance()}")
    if occurrence_id is None:
        raise RuntimeError(f"job {name} already ran for {now.isoformat()}")
    return execute(job, occurrence_id, now, now)


# --- status page ---------------------------------------------------------------------


@dataclass(frozen=True)
class JobStatus:
    name: str
    label: Any
    every: timedelta
    last: JobOccurrence | None
    last_outcome: str | None  # ok, error, running, or "stalled" (running past max_runtime)
    next_due: datetime


def status(now: datetime, jobs: Iterable[Job] = JOBS) -> list[JobStatus]:
    found = []
    for job in jobs:
        last = db.session.scalar(
            select(JobOccurrence)
            .where(JobOccurrence.job == job.name)
            .order_by(JobOccurrence.claimed_at.desc(), JobOccurrence.id.desc())
            .limit(1)
        )
        outcome = last.outcome if last else None
        if last is not None and outcome == "running" and last.claimed_at <= now - job.max_runtime:
            outcome = "stalled"
        current = job.due_at(now)
        claimed = db.session.scalar(
            select(JobOccurrence.id).where(
                JobOccurrence.job == job.name, JobOccurrence.due_at == current
            )
        )
        found.append(
            JobStatus(
                name=job.name,
                label=job.label if job.label is not None else job.name,
                every=job.every,
                last=last,
                last_outcome=outcome,
                next_due=current + job.every if claimed is not None else current,
            )
        )
    return found


def last_activity() -> datetime | None:
    """When any scheduler last claimed anything: shows whether one is running."""
    return db.session.scalar(select(func.max(JobOccurrence.claimed_at)))


def undeliverable_count() -> int:
    """Outbox e-mails still not delivered after many attempts (they keep being retried)."""
    from meldpunt.outbox import ALERT_AFTER_ATTEMPTS

    return (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.attempts >= ALERT_AFTER_ATTEMPTS
            )
        )
        or 0
    )


def outbox_backlog() -> Any:
    """How many e-mails wait for delivery and since when (the status page)."""
    from meldpunt import outbox

    return outbox.backlog()


# --- the scheduler process -------------------------------------------------------------


def _tick_in_app(app: Flask, instance: str) -> None:
    with app.app_context():
        try:
            tick(instance=instance)
        except Exception as exc:  # noqa: BLE001 - e.g. the database is briefly away: next tick
            log.error("scheduler tick failed: %s at %s", type(exc).__name__, _where(exc))
        finally:
            db.session.remove()


def build_scheduler(
    app: Flask, tick_seconds: int = TICK_SECONDS, scheduler_class: Any = None
) -> Any:
    """An APScheduler scheduler whose single job is the tick (first one at once)."""
    if scheduler_class is None:
        from apscheduler.schedulers.blocking import BlockingScheduler

        scheduler_class = BlockingScheduler
    scheduler = scheduler_class(timezone=UTC)
    scheduler.add_job(
        _tick_in_app,
        "interval",
        seconds=tick_seconds,
        args=[app, default_instance()],
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    return scheduler


# --- commands --------------------------------------------------------------------------


def register_cli(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    app.cli.add_command(purge_command)
    app.cli.add_command(run_job_command)
    app.cli.add_command(outbox_retry_command)


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    logging.getLogger("meldpunt").setLevel(logging.INFO)
    # APScheduler's own per-run lines add nothing to ours.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@click.command("scheduler")
@with_appcontext
@click.option(
    "--tick-seconds", default=TICK_SECONDS, show_default=True, help="Seconds between ticks."
)
def scheduler_command(tick_seconds: int) -> None:
    """Run the scheduled jobs (outbox, reminders, statistics, retention) until stopped."""
    import signal

    _configure_logging()
    # current_app is a LocalProxy typed as Flask; the scheduler needs the real object.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app, tick_seconds)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: scheduler.shutdown(wait=False))
    log.info("scheduler %s started: %s", default_instance(), ", ".join(job.name for job in JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    log.info("scheduler %s stopped", default_instance())


@click.command("purge")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
def purge_command(dry_run: bool) -> None:
    """Apply the retention period now (or, with --dry-run, list what would go)."""
    from meldpunt.jobs import retention

    _configure_logging()
    now = utcnow()
    days = int(current_app.config["RETENTION_DAYS"])
    if not dry_run:
        result = run_job("retention", now)
        click.echo(f"Retention {result.outcome}: {result.summary}")
        if result.outcome != "ok":
            raise SystemExit(1)
        return
    summary = retention.purge(now, retention_days=days, dry_run=True)
    click.echo(
        f"Dry run: {summary.report_count} report(s) closed on or before "
        f"{summary.cutoff:%Y-%m-%d %H:%M} UTC would be reduced to their skeleton "
        f"({summary.attachment_count} attachment(s), {summary.message_count} message(s), "
        f"{summary.note_count} note(s) deleted). Nothing was changed."
    )
    for candidate in summary.reports:
        click.echo(
            f"  report {candidate.report_id}: closed {candidate.closed_at:%Y-%m-%d}, "
            f"{candidate.attachments} attachment(s), {candidate.messages} message(s), "
            f"{candidate.notes} note(s)"
        )


@click.command("run-job")
@with_appcontext
@click.argument("name", type=click.Choice([job.name for job in JOBS]))
def run_job_command(name: str) -> None:
    """Run one scheduled job now, once (recorded on the status page)."""
    _configure_logging()
    result = run_job(name)
    click.echo(f"{result.job} {result.outcome}: {result.summary}")
    if result.outcome != "ok":
        raise SystemExit(1)


@click.command("outbox-retry")
@with_appcontext
def outbox_retry_command() -> None:
    """Retry every e-mail waiting in the outbox now, instead of at its next attempt."""
    from meldpunt import outbox

    _configure_logging()
    now = utcnow()
    moved = outbox.retry_now(now)
    result = run_job("outbox", now)
    left = outbox.backlog()
    click.echo(
        f"{moved} waiting e-mail(s) made due; outbox {result.outcome}: {result.summary}; "
        f"{left.waiting} still waiting."
    )
    if result.outcome != "ok":
        raise SystemExit(1)
