"""The one place that writes audit events: append-only and hash-chained.

Every event's ``hash`` is SHA-256 over the previous event's hash plus the
canonical JSON of the event itself (time, actor, action, object, details), so
changing, inserting or removing a row anywhere breaks the chain from that
point on; ``verify_chain`` finds the first broken row. Database triggers refuse
UPDATE and DELETE on the table as well (migration 0002_backoffice).

Events hold who, what and when: never IP addresses, never report text.
Events are written in the caller's transaction, so an action and its audit
record are committed (or rolled back) together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, StaffUser, utcnow

GENESIS_HASH = "0" * 64
# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends.
_PG_LOCK_KEY = 0x6D656C64  # "meld"

# Actions, one vocabulary for the whole system.
LOGIN = "login"
LOGIN_FAILED = "login.failed"
LOGIN_LOCKED = "login.locked"
LOGOUT = "logout"
TOTP_SETUP = "totp.setup"
SESSION_EXPIRED = "session.expired"
REPORT_VIEW = "report.view"
CONTACT_VIEW = "report.contact_view"
ATTACHMENT_DOWNLOAD = "attachment.download"
DECISION = "triage.decision"
STATUS = "report.status"
NOTE = "report.note"
MESSAGE = "report.message"
LINK = "report.link"
UNLINK = "report.unlink"
FORWARD = "report.forward"
EXPORT = "report.export"
TRAINING_EXPORT = "training.export"
AUDIT_VIEW = "audit.view"
AUDIT_EXPORT = "audit.export"
USER_CHANGE = "user.change"


def canonical(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _time(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def event_fields(row: Any) -> dict[str, Any]:
    """What the hash covers, as plain JSON values."""
    return {
        "created_at": _time(row.created_at),
        "actor_id": row.actor_id,
        "actor": row.actor,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "details": row.details or {},
    }


def compute_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    """Serialise appends so two transactions never chain onto the same head.

    PostgreSQL: a transaction-level advisory lock, released at commit/rollback.
    SQLite allows one writer at a time; the unique constraint on ``hash`` is the
    last line of defence there.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _head_hash() -> str:
    head = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return head or GENESIS_HASH


def record(
    action: str,
    actor: StaffUser | str | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the current transaction (the caller commits)."""
    if isinstance(actor, StaffUser):
        actor_id, actor_name = actor.id, actor.email
    else:
        actor_id, actor_name = None, actor or "systeem"
    _lock_chain()
    # Round-trip the details through JSON so the stored value hashes exactly like this one.
    clean_details = json.loads(canonical(details or {}))
    row = AuditEvent(
        created_at=utcnow(),
        actor_id=actor_id,
        actor=actor_name,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=clean_details,
    )
    row.prev_hash = _head_hash()
    row.hash = compute_hash(row.prev_hash, event_fields(row))
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    head_hash: str
    broken_id: int | None = None
    problem: str | None = None


_COLUMNS = (
    AuditEvent.id,
    AuditEvent.created_at,
    AuditEvent.actor_id,
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.details,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


def iter_events(batch: int = 5000) -> Iterator[Any]:
    """All events in order, as plain rows (no ORM identity map growing with the log)."""
    last_id = 0
    while True:
        rows = db.session.execute(
            select(*_COLUMNS).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def verify_chain() -> ChainCheck:
    """Recompute every hash in order; report the first row that does not fit."""
    prev = GENESIS_HASH
    checked = 0
    for row in iter_events():
        if row.prev_hash != prev:
            return ChainCheck(False, checked, prev, row.id, "prev_hash does not match the row before")
        if compute_hash(prev, event_fields(row)) != row.hash:
            return ChainCheck(False, checked, prev, row.id, "hash does not match the row's content")
        prev = row.hash
        checked += 1
    return ChainCheck(True, checked, prev)


def export_rows(rows: Any) -> Iterator[str]:
    """JSON Lines of events with their hashes, so an export can be verified on its own."""
    for row in rows:
        yield canonical({**event_fields(row), "id": row.id, "prev_hash": row.prev_hash, "hash": row.hash}) + "\n"
