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
head is also recorded outside the chain: after every commit that appended
events, the head's position (``count``), id and hash are appended to the anchor
and written to the log. The anchor (anchor.py, ADR 0010) is a file on one
machine (``AUDIT_ANCHOR_FILE``, by default in the data directory, owner-only)
or, with several machines on PostgreSQL, the append-only table
``audit_anchor`` that every node writes through its own insert-only role
(``AUDIT_ANCHOR_DATABASE_URL``). ``verify_chain`` compares the chain with
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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, StaffUser, utcnow
from meldpunt.staff import anchor as anchors
from meldpunt.staff.anchor import Anchor

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any fixed number: the key of the PostgreSQL advisory lock that serialises appends.
_PG_LOCK_KEY = 0x6D656C64  # "meld"
# Domain separation: the chain key is derived from the receipt key, never equal to it.
_KEY_LABEL = b"meldpunt audit chain v2"
_PENDING = "meldpunt_audit_head"

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


# --- the anchor outside the chain (anchor.py: a file, or the shared table) -------------


def anchor_path() -> Path:
    """The anchor file of the embedded default (also with the table, the file's place)."""
    return anchors.anchor_path()


def latest_anchor(path: Path | None = None) -> Anchor | None:
    """The newest head the anchor records: of the file at ``path``, else of the configured store."""
    return anchors.FileStore(path).latest() if path is not None else anchors.store().latest()


def _is_keyed(row: Any) -> bool:
    return hmac.compare_digest(compute_hash(row.prev_hash, event_fields(row)), row.hash)


def _head_state(head: Any, store: anchors.Store) -> tuple[int, int | None]:
    """How many events the chain holds up to ``head``, and how many of the first of them
    are plain-hashed (None: not known), counted on from the newest anchor."""
    anchor = store.latest()
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
        pending["store"].append(Anchor(utcnow(), pending["count"], pending["id"], pending["hash"], pending["legacy"]))
    except (OSError, SQLAlchemyError) as exc:
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
    pending = db.session.info.get(_PENDING)
    if pending is None and head is not None and not _is_keyed(head) and legacy_hash(head.prev_hash,
                                                                                 event_fields(head)) != head.hash:
        # With several app nodes, the usual cause is a node whose MELDPUNT_RECEIPT_KEY differs
        # from the others': every event it writes breaks the chain for all of them. Said at
        # once, in the log, instead of at the next verify-audit.
        log.error("audit event %d was not written with this node's receipt key: check that every node has the "
                  "same MELDPUNT_RECEIPT_KEY, then run verify-audit", head.id)
    if pending is not None:  # a second event in this transaction
        store, count, legacy = pending["store"], pending["count"], pending["legacy"]
    else:
        store = anchors.store()
        count, legacy = _head_state(head, store)
    db.session.add(row)
    db.session.flush()
    db.session.info[_PENDING] = {
        "store": store, "count": count + 1, "id": row.id, "hash": row.hash, "legacy": legacy
    }
    return row


# --- verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of ``verify_chain``.

    ``problem`` is a code: ``prev_hash`` or ``hash`` (the row ``broken_id`` does not
    fit), ``truncated`` (``missing`` events fewer than the anchor records),
    ``anchor_mismatch`` (the anchored event was replaced), ``anchor_missing``
    (the chain holds events but there is no anchor to check its head with) or
    ``anchor_broken`` (the shared anchor table's own record was changed: row
    ``broken_id`` of it does not follow from the one before). ``logged`` says the
    head that does not fit came from the log stream, not from the anchor.
    """

    ok: bool
    checked: int
    head_hash: str
    broken_id: int | None = None
    problem: str | None = None
    legacy: int = 0
    anchor: Anchor | None = None
    missing: int = 0
    logged: bool = False
    where: str = "anchor file"

    @property
    def description(self) -> str:
        """Plain English for the command line."""
        anchor = self.anchor
        source = (
            f"the head logged as count={anchor.count} id={anchor.id}" if self.logged and anchor is not None
            else f"the anchor of {anchor.at:%Y-%m-%d %H:%M:%S} UTC" if anchor is not None else ""
        )
        if self.problem == "prev_hash":
            return "prev_hash does not match the row before"
        if self.problem == "hash":
            return "hash does not match the row's content (or was not made with this installation's key)"
        if self.problem == "truncated" and anchor is not None:
            return (
                f"{self.missing} event(s) missing: {source} records "
                f"{anchor.count} events up to event {anchor.id}, the database holds {self.checked}"
            )
        if self.problem == "anchor_missing":
            what = "anchor file" if self.where.startswith("anchor file") else "anchor"
            return (
                f"the {what} is missing: removed or replaced newest events cannot be detected, and no "
                f"event from before the keyed chain can be vouched for. Restore the {what}; if it is "
                "lost for good, the next audit event starts a new one"
            )
        if self.problem == "anchor_mismatch" and anchor is not None:
            return f"event {anchor.id} does not match {source}: the log was rewritten or replaced"
        if self.problem == "anchor_broken":
            return (
                f"the anchor's own record is broken at its row {self.broken_id}: a row was removed or "
                "changed (or not written with this installation's key)"
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


def _against(anchor: Anchor, found_at: int | None, checked: int) -> tuple[str, int] | None:
    """Compare the walked chain with one head (its event was found at ``found_at``):
    ``(problem, missing)`` when it does not fit."""
    if found_at is None and checked >= anchor.count:
        return "anchor_mismatch", 0  # the chain is long enough, but that event is not in it
    position = found_at if found_at is not None else checked
    if position < anchor.count:
        return "truncated", anchor.count - position
    return None


def verify_chain(path: Path | None = None, logged: Anchor | None = None) -> ChainCheck:
    """Recompute every hash in order, then compare the head with the newest anchor
    (of the file at ``path``, else of the configured store) and, when given, with a
    head copied from the log stream (``logged``).

    The anchor is read first: everything it records was committed before it was
    written, so a walk that starts later must find all of it.
    """
    store: anchors.Store = anchors.FileStore(path) if path is not None else anchors.store()
    where = store.where()
    record_check = store.check()
    anchor = store.latest()
    if not record_check.ok:
        return ChainCheck(False, 0, GENESIS_HASH, record_check.broken_seq, "anchor_broken", anchor=anchor, where=where)
    # Plain-hashed events are accepted only at the start, and only as many as the anchor
    # vouches for (none when it does not know). Without an anchor they are walked over
    # so that the outcome is "anchor_missing", never "intact".
    legacy_limit = (anchor.legacy or 0) if anchor is not None else None
    heads = [(head, head is logged) for head in (anchor, logged) if head is not None]
    found: dict[int, int] = {}  # index in heads: the position at which its event was found
    key = chain_key()
    prev = GENESIS_HASH
    checked = legacy = 0
    for row in iter_events():
        if row.prev_hash != prev:
            return ChainCheck(False, checked, prev, row.id, "prev_hash", legacy, anchor, where=where)
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
            return ChainCheck(False, checked, prev, row.id, "hash", legacy, anchor, where=where)
        prev = row.hash
        checked += 1
        for index, (head, from_log) in enumerate(heads):
            if row.id == head.id:
                if row.hash != head.hash:
                    return ChainCheck(False, checked, prev, row.id, "anchor_mismatch", legacy, head,
                                      logged=from_log, where=where)
                found[index] = checked
    if anchor is None and checked > 0:
        return ChainCheck(False, checked, prev, None, "anchor_missing", legacy, where=where)
    for index, (head, from_log) in enumerate(heads):
        problem = _against(head, found.get(index), checked)
        if problem is not None:
            code, missing = problem
            broken = head.id if code == "anchor_mismatch" else None
            return ChainCheck(False, checked, prev, broken, code, legacy, head, missing, logged=from_log, where=where)
    return ChainCheck(True, checked, prev, legacy=legacy, anchor=anchor, where=where)


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
    store = anchors.store()
    if store.latest() is not None:
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
    store.append(Anchor(utcnow(), count, head.id, head.hash, legacy))
    record(LEGACY_ADOPTED, actor, details={"events": legacy})
    db.session.commit()
    return legacy


def export_rows(rows: Any) -> Iterator[str]:
    """JSON Lines of events with their hashes, so an export can be verified with the chain key."""
    for row in rows:
        yield canonical({**event_fields(row), "id": row.id, "prev_hash": row.prev_hash, "hash": row.hash}) + "\n"
