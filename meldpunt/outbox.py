"""Outgoing e-mail: written in the caller's transaction, delivered later by a job.

``enqueue`` only adds an ``OutboxMessage`` row, so a notice exists exactly when
the action that caused it was committed. ``deliver_due`` (run by the scheduler)
sends due messages over SMTP. A message is first *claimed*: on PostgreSQL the
candidate rows are read with ``FOR UPDATE SKIP LOCKED``, and on every database
the claim is a conditional update of ``next_attempt_at`` (a lease), so two
processes never send the same message and a crash mid-send only delays it.
Failures back off exponentially. Messages carry no report content and no
reporter identity: the callers write only that there is something to look at.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select, update

from meldpunt.extensions import db
from meldpunt.models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 12
MAX_BACKOFF = timedelta(hours=6)


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


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failure, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class DeliveryRun:
    sent: int
    failed: int


def _claim(now: datetime, limit: int) -> list[int]:
    """Claim up to ``limit`` due messages for this process; returns their ids."""
    candidates = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.next_attempt_at)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
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
    email["To"] = message.recipient
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
        except (OSError, smtplib.SMTPException) as exc:
            message.attempts += 1
            message.next_attempt_at = now + backoff(message.attempts)
            # The error class and SMTP code only: never the address or the body.
            message.last_error = f"{type(exc).__name__}: {getattr(exc, 'smtp_code', '')}"[:300]
            log.warning("outbox message %s not delivered (%s)", message.id, type(exc).__name__)
            failed += 1
        else:
            message.attempts += 1
            message.sent_at = now
            message.last_error = None
            sent += 1
        db.session.commit()
    return DeliveryRun(sent=sent, failed=failed)
