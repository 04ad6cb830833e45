"""The reporter's side after submitting: finding a report by receipt code,
reading its status and messages, and adding information later."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import InternalError, OperationalError

from meldpunt import counters, storage
from meldpunt.extensions import db
from meldpunt.intake import receipts
from meldpunt.intake.reports import SubmissionFailed, attach_pending_files, remove_written
from meldpunt.models import Message, Report, utcnow
from meldpunt.plaintext import clean_text

log = logging.getLogger(__name__)


def find_by_code(code: str) -> Report | None:
    """The report a receipt code opens, or None; purged reports cannot be opened."""
    hashed = receipts.hash_code(code)
    if hashed is None:
        return None
    report = db.session.scalar(select(Report).where(Report.receipt_hash == hashed))
    if report is None or report.purged_at is not None:
        return None
    return report


def record_login(report: Report) -> None:
    """Note the visit (last seen, the daily counter). Reading must work even when the
    database takes no writes (a failover, maintenance): then the note is skipped."""
    try:
        report.reporter_last_seen_at = utcnow()
        counters.increment(counters.FOLLOWUP_LOGIN)
        db.session.commit()
    except (OperationalError, InternalError) as exc:
        db.session.rollback()
        log.warning("follow-up visit not recorded: %s", type(exc).__name__)


@dataclass(frozen=True)
class ThreadItem:
    sender: str  # "staff" or "reporter"
    created_at: datetime
    body: str
    file_count: int = 0
    file_names: tuple[str, ...] = ()


def _name(attachment) -> str:
    from meldpunt import crypto

    try:
        return crypto.decrypt(attachment.name_encrypted).decode("utf-8") if attachment.name_encrypted else ""
    except (crypto.InvalidToken, UnicodeDecodeError):
        return ""


def thread(report: Report) -> list[ThreadItem]:
    """Messages in the order they were written, for the follow-up page."""
    return [
        ThreadItem(
            sender=m.sender,
            created_at=m.created_at,
            body=m.body or "",
            file_count=len(m.attachments),
            file_names=tuple(_name(a) for a in m.attachments),
        )
        for m in report.messages
    ]


@dataclass(frozen=True)
class OwnReport:
    """What the reporter sent, to reread on the follow-up page."""

    text: str
    location: str
    postcode: str
    occurred: str
    created_at: datetime
    attachment_names: list[str]


def own_report(report: Report) -> OwnReport:
    names = []
    for attachment in report.attachments:
        if attachment.source != "intake":
            continue  # files added later are listed with their message
        names.append(_name(attachment))
    return OwnReport(
        text=report.text or "",
        location=report.location or "",
        postcode=report.postcode or "",
        occurred=report.occurred or "",
        created_at=report.created_at,
        attachment_names=names,
    )


def add_information(report_id: int, text: str, pending_token: str | None, pending_ids: list[str]) -> None:
    """Store the reporter's addition (text and/or files) as one message, all or nothing."""
    report = db.session.get(Report, report_id)
    if report is None or report.purged_at is not None:
        raise LookupError(report_id)
    written: list[str] = []
    try:
        message = Message(sender="reporter", body=clean_text(text))
        report.messages.append(message)
        attach_pending_files(report, pending_token, pending_ids, "followup", written, message)
        report.has_attachments = report.has_attachments or bool(written)
        report.unread_for_staff = True
        report.awaiting_reporter = False
        report.reporter_last_seen_at = utcnow()
        # Partners the report went to see it marked new and get a content-free notice.
        from meldpunt.casework.forwarding import note_reporter_addition

        note_reporter_addition(report)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        remove_written(written)
        reference = receipts.new_code()[:9]
        log.error("follow-up addition failed (ref %s): %s", reference, type(exc).__name__)
        raise SubmissionFailed(reference) from exc
    if pending_token:
        storage.discard_pending(pending_token)
