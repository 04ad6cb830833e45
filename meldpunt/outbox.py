"""Outgoing e-mail: written in the caller's transaction, delivered later by a job.

``enqueue`` only adds an ``OutboxMessage`` row, so a notice exists exactly when
the action that caused it was committed. ``deliver_due`` (run by the scheduler)
sends due messages over SMTP. A message is first *claimed*: on PostgreSQL the
candidate rows are read with ``FOR UPDATE SKIP LOCKED``, and on every database
the claim is a conditional update of ``next_attempt_at`` (a lease), so two
processes never send the same message and a crash mid-send only delays it.
Failures back off exponentially up to six hours, and then keep being retried
every six hours until the message is delivered: a message is never given up
or deleted undelivered (a weekend outage of the mail relay only delays partner
notices). The admin status page shows how many wait and since when;
``flask --app meldpunt outbox-retry`` retries them at once. A delivery run logs
nothing per message: the job's one line says how many were sent and failed.
Messages carry no report content and no reporter identity: the callers write
only that there is something to look at. A notice to a named reporter stores no
address at all (``enqueue_for_reporter``): it points at the report, and the
address is decrypted from the report's contact details only when the message is
sent. A report whose contact details are gone by then (retention, withdrawn
consent) gets no mail, and the message is closed without being sent.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select, update

from meldpunt import crypto
from meldpunt.extensions import db
from meldpunt.models import OutboxMessage, Report, utcnow

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)
# After this many failed attempts (about 20 hours) the status page warns: still retried.
ALERT_AFTER_ATTEMPTS = 12


def enqueue(
    kind: str, recipient: str, subject: str, body: str, now: datetime | None = None
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (the caller commits)."""
    now = now or utcnow()
    message = OutboxMessage(
        kind=kind, recipient=recipient, subject=subject[:200], body=body,
        created_at=now, next_attempt_at=now,
    )
    db.session.add(message)
    return message


def enqueue_for_reporter(
    kind: str, report_id: int, subject: str, body: str, now: datetime | None = None
) -> OutboxMessage:
    """A notice to the reporter of ``report_id``; their address is resolved at send time."""
    message = enqueue(kind, "", subject, body, now)
    message.reporter_report_id = report_id
    return message


class NoRecipient(LookupError):
    """The reporter's address is no longer known: the message is closed unsent."""


def recipient_of(message: OutboxMessage) -> str:
    if message.reporter_report_id is None:
        if not message.recipient:
            raise NoRecipient
        return message.recipient
    report = db.session.get(Report, message.reporter_report_id)
    if report is None or report.purged_at is not None or report.anonymous or not report.contact_encrypted:
        raise NoRecipient
    email = (crypto.decrypt_json(report.contact_encrypted).get("email") or "").strip()
    if not email:
        raise NoRecipient
    return email


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failure, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class DeliveryRun:
    sent: int
    failed: int
    error: str | None = None  # the class of the most frequent failure, e.g. ConnectionRefusedError


def _claim(now: datetime, limit: int) -> list[int]:
    """Claim up to ``limit`` due messages for this process; returns their ids."""
    candidates = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for message_id, seen in candidates:
        result = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at == seen,
            )
            .values(next_attempt_at=now + LEASE)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]  # DML returns a CursorResult
            claimed.append(message_id)
    db.session.commit()
    return claimed


def _smtp_send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = recipient_of(message)
    email["Subject"] = message.subject
    # The same Message-ID on every attempt, so a retry after a lost "250 OK"
    # is recognisable as the same message by the receiving side.
    domain = config["MAIL_FROM"].rsplit("@", 1)[-1]
    email["Message-ID"] = f"<outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        smtp.send_message(email)


def deliver_due(now: datetime | None = None, limit: int = 100) -> DeliveryRun:
    """Send every due message once; returns how many were sent and how many failed."""
    now = now or utcnow()
    sent = failed = 0
    errors: dict[str, int] = {}
    started = time.monotonic()
    for message_id in _claim(now, limit):
        # Never send on a lease that may have run out: another run could hold it now.
        # The rest stay leased and are taken by a later run.
        if time.monotonic() - started > LEASE.total_seconds() / 2:
            break
        message = db.session.get(OutboxMessage, message_id)
        if message is None:
            continue
        try:
            _smtp_send(message)
        except NoRecipient:
            # Nobody to send to any more: close it (never retried) without an address to log.
            message.attempts += 1
            message.sent_at = now
            message.last_error = "NoRecipient: not sent"
        except (OSError, smtplib.SMTPException) as exc:
            message.attempts += 1
            message.next_attempt_at = now + backoff(message.attempts)
            # The error class and SMTP code only: never the address or the body.
            message.last_error = f"{type(exc).__name__}: {getattr(exc, 'smtp_code', '')}"[:300]
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            failed += 1
        else:
            message.attempts += 1
            message.sent_at = now
            message.last_error = None
            sent += 1
        db.session.commit()
    error = max(errors, key=lambda name: errors[name]) if errors else None
    return DeliveryRun(sent=sent, failed=failed, error=error)


@dataclass(frozen=True)
class Backlog:
    """Messages not delivered yet (none is ever given up)."""

    waiting: int
    failing: int  # of which at least one attempt failed
    alert: int  # of which ALERT_AFTER_ATTEMPTS or more attempts failed
    oldest: datetime | None  # when the oldest waiting message was queued
    most_attempts: int
    last_error: str | None  # of the message that failed most often: the error class only


def backlog() -> Backlog:
    waiting = OutboxMessage.sent_at.is_(None)
    count, failing, alert, oldest, most = db.session.execute(
        select(
            func.count(OutboxMessage.id),
            func.count(OutboxMessage.id).filter(OutboxMessage.attempts > 0),
            func.count(OutboxMessage.id).filter(OutboxMessage.attempts >= ALERT_AFTER_ATTEMPTS),
            func.min(OutboxMessage.created_at),
            func.max(OutboxMessage.attempts),
        ).where(waiting)
    ).one()
    last_error = db.session.scalar(
        select(OutboxMessage.last_error)
        .where(waiting, OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.attempts.desc(), OutboxMessage.id)
        .limit(1)
    )
    if oldest is not None and oldest.tzinfo is None:  # SQLite aggregates lose the type decorator
        oldest = oldest.replace(tzinfo=UTC)
    return Backlog(
        waiting=count or 0,
        failing=failing or 0,
        alert=alert or 0,
        oldest=oldest,
        most_attempts=most or 0,
        last_error=(last_error or "").split(":", 1)[0] or None,
    )


def retry_now(now: datetime | None = None) -> int:
    """Make every waiting message due now; returns how many were waiting for a later attempt.

    A message due within ``LEASE`` is left alone: it may be leased by a delivery
    run at this very moment, and moving it would let a second run send it too.
    """
    now = now or utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at > now + LEASE)
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0  # type: ignore[attr-defined]  # DML returns a CursorResult
