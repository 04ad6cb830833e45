"""Data retention: what the meldpunt deletes, and when.

* ``purge``: a report closed longer than the retention period (``RETENTION_DAYS``
  after ``closed_at``) loses its content: text, location, postcode (the
  four-digit area stays), house number, location key and place keys, time description, contact
  details, the quoted words in the triage explanation, attachments (rows and
  stored contents), messages and notes. The receipt hash is replaced by a random value,
  so the reporter's code no longer opens anything. What remains is an
  anonymous skeleton (dates, theme, urgency, route, status, outcome, reporter
  and place type, area, campaign, flags, status events, decisions, forwards;
  everything meldpunt/stats/rollup.py reads) so the statistics stay the same.
  Open reports are never purged.
* Stored contents go with their rows (meldpunt/storage/): in the same
  transaction with the database store; with the filesystem store only after
  the commit succeeded, and a crash in between leaves stray files, which
  ``remove_stray_files`` deletes later (only files older than a grace period,
  so an upload being stored right now is never touched). The sweep works on
  the database store too (blobs without a row, e.g. from a failed migration).
* ``remove_stale_uploads``: pending uploads older than an hour.
* ``prune_history``: delivered outbox e-mails (they hold addresses) and old job
  records.
* ``stale_open_reports``: reports open longer than ``STALE_OPEN_DAYS``, listed
  for the coordinator instead of being purged.

Every function takes ``now`` (timezone-aware UTC) and plain values, and
returns plain values; none of them reads the configuration.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from meldpunt import storage
from meldpunt.extensions import db
from meldpunt.models import (
    CLOSED_STATUSES,
    Attachment,
    JobOccurrence,
    Message,
    Note,
    OutboxMessage,
    Report,
    ReportPlaceKey,
    TriageSuggestion,
)
from meldpunt.staff import audit

BATCH = 200
# A file without a row is removed only when it is older than this: the intake
# writes an attachment file shortly before committing its row.
STRAY_GRACE = timedelta(hours=1)
OUTBOX_KEEP = timedelta(days=30)
JOB_HISTORY_KEEP = timedelta(days=30)
PURGE_ACTION = "retention.purge"


@dataclass(frozen=True)
class PurgeCandidate:
    report_id: int
    closed_at: datetime
    attachments: int
    messages: int
    notes: int


@dataclass
class PurgeSummary:
    dry_run: bool
    cutoff: datetime
    reports: list[PurgeCandidate] = field(default_factory=list)
    files_deleted: int = 0

    @property
    def report_count(self) -> int:
        return len(self.reports)

    @property
    def attachment_count(self) -> int:
        return sum(c.attachments for c in self.reports)

    @property
    def message_count(self) -> int:
        return sum(c.messages for c in self.reports)

    @property
    def note_count(self) -> int:
        return sum(c.notes for c in self.reports)


def purge_cutoff(now: datetime, retention_days: int) -> datetime:
    return now - timedelta(days=retention_days)


def _due_condition(cutoff: datetime):
    return (
        Report.purged_at.is_(None),
        Report.status.in_(CLOSED_STATUSES),
        Report.closed_at.is_not(None),
        Report.closed_at <= cutoff,
    )


def _counts(model, report_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(model.report_id, func.count())
        .where(model.report_id.in_(report_ids))
        .group_by(model.report_id)
    ).all()
    return {report_id: count for report_id, count in rows}


def _candidates(report_ids_and_dates: list[tuple[int, datetime]]) -> list[PurgeCandidate]:
    ids = [report_id for report_id, _ in report_ids_and_dates]
    attachments = _counts(Attachment, ids)
    messages = _counts(Message, ids)
    notes = _counts(Note, ids)
    return [
        PurgeCandidate(
            report_id=report_id,
            closed_at=closed_at,
            attachments=attachments.get(report_id, 0),
            messages=messages.get(report_id, 0),
            notes=notes.get(report_id, 0),
        )
        for report_id, closed_at in report_ids_and_dates
    ]


def purge(
    now: datetime, retention_days: int, dry_run: bool = False, batch: int = BATCH
) -> PurgeSummary:
    """Reduce every report closed before the cut-off to its anonymous skeleton.

    With ``dry_run`` nothing changes; the summary lists what would go.
    """
    cutoff = purge_cutoff(now, retention_days)
    summary = PurgeSummary(dry_run=dry_run, cutoff=cutoff)
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Report.id, Report.closed_at)
            .where(Report.id > last_id, *_due_condition(cutoff))
            .order_by(Report.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        # _due_condition requires closed_at IS NOT NULL; the filter only narrows the type.
        candidates = _candidates([(r[0], r[1]) for r in rows if r[1] is not None])
        if dry_run:
            summary.reports.extend(candidates)
            continue
        purged_ids, storage_names = _purge_batch([c.report_id for c in candidates], cutoff, now)
        # Reports another process purged first are not counted twice.
        summary.reports.extend(c for c in candidates if c.report_id in purged_ids)
        # Files only now that the rows are gone for good: a crash before this line
        # leaves stray files, which remove_stray_files deletes later.
        storage.delete_after_commit(storage_names)
        summary.files_deleted += len(storage_names)
    if dry_run:
        db.session.rollback()
    return summary


def _purge_batch(
    report_ids: list[int], cutoff: datetime, now: datetime
) -> tuple[set[int], list[str]]:
    """Purge one batch in one transaction; returns the purged ids and the files to delete."""
    reports = list(
        db.session.scalars(
            select(Report)
            .where(Report.id.in_(report_ids), *_due_condition(cutoff))
            .with_for_update()
        )
    )
    if not reports:
        db.session.rollback()
        return set(), []
    ids = [r.id for r in reports]
    storage_names = list(
        db.session.scalars(select(Attachment.storage_name).where(Attachment.report_id.in_(ids)))
    )
    db.session.execute(
        delete(Attachment)
        .where(Attachment.report_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    storage.delete_with_rows(storage_names)
    db.session.execute(
        delete(Message)
        .where(Message.report_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(Note).where(Note.report_id.in_(ids)).execution_options(synchronize_session=False)
    )
    # Place keys are derived from the location (related.py): they go with it.
    db.session.execute(
        delete(ReportPlaceKey)
        .where(ReportPlaceKey.report_id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    # The explanation quotes words from the report text.
    for suggestion in db.session.scalars(
        select(TriageSuggestion).where(TriageSuggestion.report_id.in_(ids))
    ):
        suggestion.explanation = []
    for report in reports:
        db.session.expire(report, ["attachments", "messages"])
        report.text = None
        report.location = None
        report.postcode = None
        report.house_number = None
        report.location_key = None
        report.occurred = None
        report.contact_encrypted = None
        report.wants_email_notice = False
        report.unread_for_staff = False
        # Unique, random and not the hash of any code: the receipt code is dead.
        report.receipt_hash = secrets.token_hex(32)
        report.purged_at = now
    audit.record(
        PURGE_ACTION,
        None,
        "report",
        None,
        {"reports": ids, "attachments": len(storage_names), "cutoff": cutoff.isoformat()},
    )
    db.session.commit()
    return set(ids), storage_names


def remove_stray_files(now: datetime, grace: timedelta = STRAY_GRACE) -> int:
    """Delete stored attachments that have no database row and are older than ``grace``."""
    store = storage.attachment_store()
    removed = 0
    chunk: list[str] = []

    def sweep(names: list[str]) -> int:
        known = set(db.session.scalars(select(Attachment.storage_name).where(Attachment.storage_name.in_(names))))
        strays = [name for name in names if name not in known]
        store.delete(strays)
        # The database store deletes in this session; the filesystem store already did.
        db.session.commit()
        return len(strays)

    # Streamed: both stores' listings stay correct while names already listed are deleted
    # (a keyset page query; a directory scan), so a million names are never one list.
    for name in store.names(older_than=now - grace):
        chunk.append(name)
        if len(chunk) == 500:
            removed += sweep(chunk)
            chunk = []
    if chunk:
        removed += sweep(chunk)
    return removed


def remove_stale_uploads(now: datetime) -> int:
    """Pending uploads older than an hour; returns how many upload sets were removed."""
    return storage.purge_stale_pending(now)


@dataclass(frozen=True)
class PruneSummary:
    outbox: int
    job_records: int


def prune_history(
    now: datetime,
    outbox_keep: timedelta = OUTBOX_KEEP,
    job_history_keep: timedelta = JOB_HISTORY_KEEP,
) -> PruneSummary:
    """Delete delivered outbox e-mails and old job records.

    Outbox rows hold recipient addresses, a reporter's among them. A message
    not delivered yet is never deleted here, however old: the outbox keeps
    retrying it (meldpunt/outbox.py) and the status page shows it.
    """
    outbox_limit = now - outbox_keep
    outbox = db.session.execute(  # type: ignore[attr-defined]  # DML returns a CursorResult (.rowcount)
        delete(OutboxMessage)
        .where(OutboxMessage.sent_at <= outbox_limit)
        .execution_options(synchronize_session=False)
    ).rowcount
    jobs = db.session.execute(  # type: ignore[attr-defined]  # DML returns a CursorResult (.rowcount)
        delete(JobOccurrence)
        .where(
            JobOccurrence.claimed_at <= now - job_history_keep, JobOccurrence.outcome != "running"
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return PruneSummary(outbox=outbox or 0, job_records=jobs or 0)


@dataclass(frozen=True)
class StaleReport:
    report_id: int
    created_at: datetime


def _stale_condition(now: datetime, stale_days: int):
    return (
        Report.purged_at.is_(None),
        Report.status.not_in(CLOSED_STATUSES),
        Report.created_at <= now - timedelta(days=stale_days),
    )


def stale_open_reports(now: datetime, stale_days: int, limit: int = 500) -> list[StaleReport]:
    """Reports open for longer than ``stale_days``, oldest first (ids and dates only)."""
    rows = db.session.execute(
        select(Report.id, Report.created_at)
        .where(*_stale_condition(now, stale_days))
        .order_by(Report.created_at, Report.id)
        .limit(limit)
    ).all()
    return [StaleReport(report_id=r[0], created_at=r[1]) for r in rows]


def count_stale_open(now: datetime, stale_days: int) -> int:
    return (
        db.session.scalar(select(func.count(Report.id)).where(*_stale_condition(now, stale_days)))
        or 0
    )
