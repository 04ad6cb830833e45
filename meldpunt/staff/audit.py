"""The one place that writes audit events: append-only, hash-chained and anchored.

Every event's ``hash`` is an HMAC-SHA256, keyed with a key derived from the
app's receipt key, over the previous event's hash plus the canonical JSON of
the event itself (time, actor, action, object, details). Changing, inserting
or removing a row anywhere breaks the chain from that point on, and someone
with access to the database alone cannot recompute it: the key is not in the
database. ``verify_chain`` finds the first broken row. Database triggers refuse
UPDATE and DELETE on the table as well (migration 0002_backoffice).

The key comes from ``RECEIPT_KEY`` because that secret never changes (changing
it would lock every reporter out of their report); the session and encryption
keys do rotate, and would break the chain when they did.

Events written before the chain was keyed carry a plain SHA-256 hash (scheme
1). They still verify, but only as the start of the chain, and only as many as
the anchor vouches for: the first keyed event covers their head, no
plain-hashed event may come after a keyed one, and the anchor records how many
there were. Without an anchor that says so, no plain-hashed event is accepted,
so a chain rewritten with plain hashes (and its anchor file deleted) is not
taken for an old one. A missing anchor file is itself reported
(``anchor_missing``): the newest events cannot be checked without it. No
migration rewrites old events.

Removing the *newest* events leaves a chain that is intact on its own, so the
head is also recorded outside the database: after every commit that appended
events, one line with the head's position (``count``), id and hash is appended
to the anchor file (``AUDIT_ANCHOR_FILE``, by default in the data directory,
owner-only) and written to the log. ``verify_chain`` compares the chain with
the newest anchor and reports missing or replaced events. Anchor counts never
go back: an event appended after the newest events were removed still counts
on from the anchor, so the removal stays visible.

Events hold who, what and when: never IP addresses, never report text.
Events are written in the caller's transaction, so an action and its audit
record are committed (or rolled back) together.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, StaffUser, utcnow

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends.
_PG_LOCK_KEY = 0x6D656C64  # "meld"
# Domain separation: the chain key is derived from the receipt key, never equal to it.
_KEY_LABEL = b"meldpunt audit chain v2"
_PENDING = "meldpunt_audit_head"
_ANCHOR_TAIL_BYTES = 16 * 1024

# Actions, one vocabulary for the whole system.
LOGIN = "login"
LEGACY_ADOPTED = "audit.legacy_adopted"
LOGIN_FAILED = "login.failed"
# Written once per window when one client's failed sign-ins stop being audited (authentication.py).
LOGIN_FAILED_THROTTLED = "login.failed.throttled"
LOGIN_LOCKED = "login.locked"
LOGOUT = "logout"
TOTP_SETUP = "totp.setup"
# An action code, not a password (hence the suppressions).
PASSWORD_CHANGE = "password.change"  # noqa: S105  # nosec B105
SESSION_EXPIRED = "session.expired"
QUEUE_VIEW = "queue.view"
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
RETENTION_PURGE = "retention.purge"  # written by retention.py
ASSIGN = "report.assign"
PARTNER_FEEDBACK = "report.partner_feedback"
TEMPLATE_CHANGE = "template.change"
# "Gelezen - geen actie nodig": news from the reporter or a partner handled without an action.
NEWS_READ = "report.news_read"

# What the audit page shows for each action; the code stays visible beside it.
ACTION_LABELS = {
    LOGIN: _l("Ingelogd"),
    LOGIN_FAILED: _l("Inloggen mislukt"),
    LOGIN_FAILED_THROTTLED: _l("Mislukte inlogpogingen van één bezoeker worden tijdelijk niet vastgelegd"),
    LOGIN_LOCKED: _l("Account tijdelijk geblokkeerd"),
    LOGOUT: _l("Uitgelogd"),
    TOTP_SETUP: _l("Tweestapsverificatie ingesteld"),
    PASSWORD_CHANGE: _l("Wachtwoord gewijzigd"),
    SESSION_EXPIRED: _l("Sessie verlopen"),
    QUEUE_VIEW: _l("Werkvoorraad bekeken of doorzocht"),
    REPORT_VIEW: _l("Melding bekeken"),
    CONTACT_VIEW: _l("Contactgegevens melder bekeken"),
    ATTACHMENT_DOWNLOAD: _l("Bijlage bekeken of gedownload"),
    DECISION: _l("Triagebesluit"),
    STATUS: _l("Status gewijzigd"),
    NOTE: _l("Interne notitie"),
    MESSAGE: _l("Bericht aan melder"),
    LINK: _l("Meldingen gekoppeld"),
    UNLINK: _l("Koppeling verwijderd"),
    FORWARD: _l("Doorgestuurd"),
    EXPORT: _l("Signaal geëxporteerd"),
    TRAINING_EXPORT: _l("Trainingsdata geëxporteerd"),
    AUDIT_VIEW: _l("Auditlog bekeken"),
    AUDIT_EXPORT: _l("Auditlog geëxporteerd"),
    USER_CHANGE: _l("Account gewijzigd"),
    RETENTION_PURGE: _l("Bewaartermijn toegepast"),
    ASSIGN: _l("Melding toegewezen"),
    PARTNER_FEEDBACK: _l("Terugkoppeling van een partner"),
    TEMPLATE_CHANGE: _l("Berichtsjabloon gewijzigd"),
    NEWS_READ: _l("Nieuwe informatie gelezen, geen actie nodig"),
    # Written by routing_settings.py.
    "routing.theme": _l("Routering van een thema gewijzigd"),
    "routing.partner_addresses": _l("E-mailadres van een partner gewijzigd"),
    LEGACY_ADOPTED: _l("Oude auditregels overgenomen"),
    # Written by stats/views.py (STATISTICS_EXPORT).
    "statistics.export": _l("Statistiek geëxporteerd"),
    # Written by casework/retrain.py.
    "triage.model_promote": _l("Nieuw triagemodel in gebruik genomen"),
    "triage.model_refuse": _l("Nieuw triagemodel afgewezen"),
    "triage.model_restore": _l("Eerder triagemodel teruggezet"),
}


# Anyone can add these (the sign-in page is public); the audit page and its export
# leave them out unless asked, so they cannot bury what staff did.
FAILED_LOGIN_ACTIONS = (LOGIN_FAILED, LOGIN_FAILED_THROTTLED)


# What the audit page shows for an event's object type, the code beside it.
OBJECT_LABELS = {
    "report": _l("Melding"),
    "staff_user": _l("Account"),
    "attachment": _l("Bijlage"),
    "template": _l("Berichtsjabloon"),
    "statistics_table": _l("Statistiektabel"),
    "triage_model": _l("Triagemodel"),
    "theme": _l("Thema"),
    "route": _l("Route"),
}


def object_label(object_type: str | None) -> Any:
    return OBJECT_LABELS.get(object_type or "", object_type or "")


def action_label(action: str) -> Any:
    """The label for an action code; unknown codes are shown as they are."""
    return ACTION_LABELS.get(action, action)


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


def chain_key() -> bytes:
    """The HMAC key of the chain: derived from the receipt key, which is not in the database."""
    root = str(current_app.config["RECEIPT_KEY"]).encode("utf-8")
    return hmac.new(root, _KEY_LABEL, hashlib.sha256).digest()


def compute_hash(prev_hash: str, fields: dict[str, Any], key: bytes | None = None) -> str:
    """The keyed hash of one event (scheme 2, every event written now)."""
    message = (prev_hash + canonical(fields)).encode("utf-8")
    return hmac.new(key if key is not None else chain_key(), message, hashlib.sha256).hexdigest()


def legacy_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """Scheme 1, plain SHA-256: only events written before the chain was keyed."""
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    """Take the database's write lock before the head is read, so two transactions
    never chain onto the same head.

    PostgreSQL: a transaction-level advisory lock, released at commit/rollback.
    SQLite allows one writer at a time, but Python's sqlite3 driver starts the
    transaction only at the first INSERT/UPDATE/DELETE, so a head read before
    that is read without the lock and two workers can chain onto the same event.
    When the connection holds no transaction yet, ``BEGIN IMMEDIATE`` takes the
    write lock now (waiting for another writer like any write does); when it
    already holds one, an earlier write in it took the lock. The transaction is
    the session's: its commit or rollback ends it. The unique constraint on
    ``hash`` remains the last line of defence.
    """
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    elif dialect == "sqlite":
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


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


# --- the anchor outside the database ------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The chain's head at some moment: its position (1-based count), id and hash.

    ``legacy`` is how many events at the start of the chain were written before it
    was keyed (None: not known), so nobody can later pass plain-hashed events off
    as old ones.
    """

    at: datetime
    count: int
    id: int
    hash: str
    legacy: int | None = None


def anchor_path() -> Path:
    configured = current_app.config.get("AUDIT_ANCHOR_FILE")
    return Path(configured) if configured else Path(current_app.config["DATA_DIR"]) / "audit-anchor.jsonl"


def _parse_anchor(line: str) -> Anchor | None:
    try:
        data = json.loads(line)
        legacy = data.get("legacy")
        return Anchor(
            datetime.fromisoformat(data["at"]),
            int(data["count"]),
            int(data["id"]),
            str(data["hash"]),
            None if legacy is None else int(legacy),
        )
    except (ValueError, KeyError, TypeError):
        return None


def latest_anchor(path: Path | None = None) -> Anchor | None:
    """The anchor with the highest count among the newest lines of the file.

    Workers append after their commits, so neighbouring lines can be out of
    order; the highest count near the end is the newest head.
    """
    path = path or anchor_path()
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - _ANCHOR_TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = tail.splitlines()
    if size > _ANCHOR_TAIL_BYTES and lines:
        lines = lines[1:]  # the first line of the tail may be cut off
    anchors = [found for found in map(_parse_anchor, lines) if found is not None]
    return max(anchors, key=lambda anchor: (anchor.count, anchor.id)) if anchors else None


def write_anchor(path: Path, count: int, event_id: int, event_hash: str, legacy: int | None) -> None:
    """Append one line to the anchor file (owner-only) and log the head."""
    line = (
        canonical({"at": _time(utcnow()), "count": count, "id": event_id, "hash": event_hash, "legacy": legacy})
        + "\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # One write of one short line: appends from several workers do not interleave.
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)
    log.info("audit head count=%d id=%d hash=%s legacy=%s", count, event_id, event_hash, legacy)


def _is_keyed(row: Any) -> bool:
    return hmac.compare_digest(compute_hash(row.prev_hash, event_fields(row)), row.hash)


def _head_state(head: Any, path: Path) -> tuple[int, int | None]:
    """How many events the chain holds up to ``head``, and how many of the first of them
    are plain-hashed (None: not known), counted on from the newest anchor."""
    anchor = latest_anchor(path)
    if anchor is not None:
        anchored = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == anchor.id))
        if anchored != anchor.hash:
            # The anchored head is gone or changed. Counting on from the anchor keeps the
            # loss visible to verify_chain instead of re-basing the count on what is left.
            log.error("audit chain does not hold the anchored head (event %d); run verify-audit", anchor.id)
            return anchor.count, anchor.legacy
        newer = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id > anchor.id)) or 0
        return anchor.count + newer, anchor.legacy
    if head is None:
        return 0, 0
    count = db.session.scalar(select(func.count(AuditEvent.id))) or 0
    # No anchor: never vouch for plain-hashed events on our own, whatever the head is.
    # A chain rewritten with plain hashes after its anchor was deleted looks exactly like
    # an old chain; only an administrator can say it is old (``adopt_legacy``).
    return count, 0


@event.listens_for(Session, "after_commit")
def _anchor_after_commit(session: Session) -> None:
    """Only committed heads are anchored: a rolled-back append must not look removed."""
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    try:
        write_anchor(Path(pending["path"]), pending["count"], pending["id"], pending["hash"], pending["legacy"])
    except OSError as exc:
        # The commit stands; the next append anchors a later head.
        log.error("audit anchor not written: %s", type(exc).__name__)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


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
    head = db.session.execute(select(*_COLUMNS).order_by(AuditEvent.id.desc()).limit(1)).first()
    row.prev_hash = head.hash if head is not None else GENESIS_HASH
    row.hash = compute_hash(row.prev_hash, event_fields(row))
    path = anchor_path()
    pending = db.session.info.get(_PENDING)
    if pending is not None:  # a second event in this transaction
        count, legacy = pending["count"], pending["legacy"]
    else:
        count, legacy = _head_state(head, path)
    db.session.add(row)
    db.session.flush()
    db.session.info[_PENDING] = {
        "path": str(path), "count": count + 1, "id": row.id, "hash": row.hash, "legacy": legacy
    }
    return row


# --- verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of ``verify_chain``.

    ``problem`` is a code: ``prev_hash`` or ``hash`` (the row ``broken_id`` does not
    fit), ``truncated`` (``missing`` events fewer than the anchor records),
    ``anchor_mismatch`` (the anchored event was replaced) or ``anchor_missing``
    (the chain holds events but there is no anchor file to check its head with).
    """

    ok: bool
    checked: int
    head_hash: str
    broken_id: int | None = None
    problem: str | None = None
    legacy: int = 0
    anchor: Anchor | None = None
    missing: int = 0

    @property
    def description(self) -> str:
        """Plain English for the command line."""
        anchor = self.anchor
        if self.problem == "prev_hash":
            return "prev_hash does not match the row before"
        if self.problem == "hash":
            return "hash does not match the row's content (or was not made with this installation's key)"
        if self.problem == "truncated" and anchor is not None:
            return (
                f"{self.missing} event(s) missing: the anchor of {anchor.at:%Y-%m-%d %H:%M:%S} UTC records "
                f"{anchor.count} events up to event {anchor.id}, the database holds {self.checked}"
            )
        if self.problem == "anchor_missing":
            return (
                "the anchor file is missing: removed or replaced newest events cannot be detected, and no "
                "event from before the keyed chain can be vouched for. Restore the anchor file; if it is "
                "lost for good, the next audit event starts a new one"
            )
        if self.problem == "anchor_mismatch" and anchor is not None:
            return (
                f"event {anchor.id} does not match the anchor of {anchor.at:%Y-%m-%d %H:%M:%S} UTC: "
                "the log was rewritten or replaced"
            )
        return "intact"


def record_access(
    action: str,
    actor: StaffUser | str | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that someone looked at or exported data, and commit: a read has no other
    transaction to join, so the audit log owns this one."""
    try:
        event = record(action, actor, object_type, object_id, details)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return event


def iter_events(batch: int = 5000, skip_actions: tuple[str, ...] = ()) -> Iterator[Any]:
    """All events in order (but those with ``skip_actions``), as plain rows (no ORM
    identity map growing with the log)."""
    last_id = 0
    while True:
        statement = select(*_COLUMNS).where(AuditEvent.id > last_id)
        if skip_actions:
            statement = statement.where(AuditEvent.action.not_in(skip_actions))
        rows = db.session.execute(statement.order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def verify_chain(path: Path | None = None) -> ChainCheck:
    """Recompute every hash in order, then compare the head with the newest anchor.

    The anchor is read first: everything it records was committed before it was
    written, so a walk that starts later must find all of it.
    """
    anchor = latest_anchor(path)
    # Plain-hashed events are accepted only at the start, and only as many as the anchor
    # vouches for (none when it does not know). Without an anchor they are walked over
    # so that the outcome is "anchor_missing", never "intact".
    legacy_limit = (anchor.legacy or 0) if anchor is not None else None
    key = chain_key()
    prev = GENESIS_HASH
    checked = legacy = 0
    anchored_at: int | None = None  # the position at which the anchored event was found
    for row in iter_events():
        if row.prev_hash != prev:
            return ChainCheck(False, checked, prev, row.id, "prev_hash", legacy, anchor)
        fields = event_fields(row)
        if hmac.compare_digest(compute_hash(prev, fields, key), row.hash):
            pass
        elif (
            checked == legacy
            and (legacy_limit is None or checked < legacy_limit)
            and hmac.compare_digest(legacy_hash(prev, fields), row.hash)
        ):
            legacy += 1  # written before the chain was keyed, and no keyed event before it
        else:
            return ChainCheck(False, checked, prev, row.id, "hash", legacy, anchor)
        prev = row.hash
        checked += 1
        if anchor is not None and row.id == anchor.id:
            if row.hash != anchor.hash:
                return ChainCheck(False, checked, prev, row.id, "anchor_mismatch", legacy, anchor)
            anchored_at = checked
    if anchor is None:
        if checked == 0:
            return ChainCheck(True, checked, prev, legacy=legacy)
        return ChainCheck(False, checked, prev, None, "anchor_missing", legacy)
    if anchored_at is None and checked >= anchor.count:
        return ChainCheck(False, checked, prev, anchor.id, "anchor_mismatch", legacy, anchor)
    position = anchored_at if anchored_at is not None else checked
    if position < anchor.count:
        return ChainCheck(
            False, checked, prev, None, "truncated", legacy, anchor, missing=anchor.count - position
        )
    return ChainCheck(True, checked, prev, legacy=legacy, anchor=anchor)


@dataclass(frozen=True)
class Listing:
    """One page of the audit log, newest first."""

    events: list[AuditEvent]
    total: int  # events that match the filter
    hidden_failed_logins: int  # failed sign-ins left out (0 when shown or filtered by action)


def listing(action: str | None, failed_logins: bool, page: int, per_page: int) -> Listing:
    """The audit page's events: of one ``action``, or all of them, where failed sign-ins
    are left out (and counted) unless ``failed_logins`` or that action is asked for."""
    conditions: list[Any] = []
    hidden = 0
    if action:
        conditions.append(AuditEvent.action == action)
    elif not failed_logins:
        conditions.append(AuditEvent.action.not_in(FAILED_LOGIN_ACTIONS))
        hidden = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action.in_(FAILED_LOGIN_ACTIONS))
        ) or 0
    events = db.session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*conditions)) or 0
    return Listing(list(events), total, hidden)


def adopt_legacy(actor: str) -> int:
    """Vouch for the plain-hashed events that start the chain (written before it was keyed).

    For an installation upgraded from that version, run once by an administrator who
    knows the old events are genuine: it writes an anchor that records how many there
    are, then an audit event saying so. Returns that number. Refuses when the chain
    does not start with plain-hashed events followed only by keyed ones, or when an
    anchor already exists (which vouches, or not, by itself).
    """
    path = anchor_path()
    if latest_anchor(path) is not None:
        raise ValueError("an anchor exists already; it decides which old events are vouched for")
    key = chain_key()
    prev, count, legacy, head = GENESIS_HASH, 0, 0, None
    for row in iter_events():
        fields = event_fields(row)
        if row.prev_hash != prev:
            raise ValueError(f"the chain is broken at event {row.id}")
        if hmac.compare_digest(compute_hash(prev, fields, key), row.hash):
            pass
        elif count == legacy and hmac.compare_digest(legacy_hash(prev, fields), row.hash):
            legacy += 1
        else:
            raise ValueError(f"the chain is broken at event {row.id}")
        prev, count, head = row.hash, count + 1, row
    if head is None or legacy == 0:
        raise ValueError("there are no plain-hashed events to vouch for")
    write_anchor(path, count, head.id, head.hash, legacy)
    record(LEGACY_ADOPTED, actor, details={"events": legacy})
    db.session.commit()
    return legacy


def export_rows(rows: Any) -> Iterator[str]:
    """JSON Lines of events with their hashes, so an export can be verified with the chain key."""
    for row in rows:
        yield canonical({**event_fields(row), "id": row.id, "prev_hash": row.prev_hash, "hash": row.hash}) + "\n"
