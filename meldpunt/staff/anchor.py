"""Where the audit chain's head is recorded outside the chain: a file, or a shared table.

The audit log (audit.py) is hash-chained, but removing its *newest* events leaves
a chain that is intact on its own. So after every commit that appended events,
the head (its position ``count``, event id and hash) is appended to an anchor
that the chain's writers cannot rewrite, and written to the log stream. Two
places hold that record (ADR 0010):

- ``FileStore``: the embedded default, one machine. One JSON line per head in
  ``AUDIT_ANCHOR_FILE`` (owner-only, in the data directory unless configured).
- ``TableStore``: several machines on one PostgreSQL. Every node appends to the
  table ``audit_anchor`` through a second connection,
  ``AUDIT_ANCHOR_DATABASE_URL``, whose role may only INSERT and SELECT there
  (``flask audit-anchor-setup``); triggers refuse UPDATE, DELETE and TRUNCATE,
  and the application's own role does not own the table, so it cannot switch
  them off. Each row carries a MAC (keyed like the audit chain, from the
  receipt key, which is not in the database) over the row before it, so a
  changed row or a removed row in the middle breaks the anchor's own chain.
  A superuser can still remove the newest rows together with the newest events:
  the heads in the central log stream show that (``verify-audit --log-head``).

Nodes insert their heads after their commits, so rows (and file lines) can be
out of order: the newest head is the one with the highest count.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, insert, select, text

from meldpunt.extensions import db
from meldpunt.models import AuditAnchor, utcnow

log = logging.getLogger("meldpunt.staff.audit")

_TAIL_BYTES = 16 * 1024
# Any fixed number, other than the audit chain's own lock: serialises anchor appends.
_LOCK_KEY = 0x616E6368  # "anch"
# Domain separation: the anchor's MAC key is derived from the receipt key, never equal to it
# nor to the audit chain's key.
_MAC_LABEL = b"meldpunt audit anchor v1"
GENESIS_MAC = "0" * 64
_TABLE = AuditAnchor.__table__
_ENGINE_LOCK = threading.Lock()
# What `log_head` writes, so that a line copied from the central log can be checked.
_LOGGED_HEAD = re.compile(r"count=(\d+)\s+id=(\d+)\s+hash=([0-9a-f]{64})")


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


@dataclass(frozen=True)
class RecordCheck:
    """Whether the anchor's own record is intact: ``broken_seq`` is the first row that
    does not follow from the one before (a gap, a changed row, a row not made with
    this installation's key)."""

    ok: bool
    rows: int
    broken_seq: int | None = None


class Store(Protocol):
    kind: str

    def latest(self) -> Anchor | None: ...

    def append(self, anchor: Anchor) -> None: ...

    def check(self) -> RecordCheck: ...

    def where(self) -> str: ...

    def weaknesses(self) -> list[str]: ...


def log_head(anchor: Anchor) -> None:
    """Every head also goes to the log stream: kept centrally, outside the database
    administrators' reach, it shows a rewrite that the anchor itself cannot."""
    log.info("audit head count=%d id=%d hash=%s legacy=%s", anchor.count, anchor.id, anchor.hash, anchor.legacy)


def parse_logged_head(line: str) -> Anchor:
    """A head as ``log_head`` wrote it (``count=… id=… hash=…``), e.g. from the central log."""
    found = _LOGGED_HEAD.search(line)
    if found is None:
        raise ValueError("expected 'count=N id=N hash=<64 hex digits>' as written to the log")
    return Anchor(utcnow(), int(found.group(1)), int(found.group(2)), found.group(3))


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


# --- the embedded default: a file --------------------------------------------------------


def _parse_line(line: str) -> Anchor | None:
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


class FileStore:
    """One JSON line per head, appended to an owner-only file."""

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def latest(self) -> Anchor | None:
        """The anchor with the highest count among the newest lines of the file."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - _TAIL_BYTES))
                tail = handle.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return None
        lines = tail.splitlines()
        if size > _TAIL_BYTES and lines:
            lines = lines[1:]  # the first line of the tail may be cut off
        anchors = [found for found in map(_parse_line, lines) if found is not None]
        return max(anchors, key=lambda anchor: (anchor.count, anchor.id)) if anchors else None

    def append(self, anchor: Anchor) -> None:
        line = json.dumps(
            {"at": _time(anchor.at), "count": anchor.count, "id": anchor.id, "hash": anchor.hash,
             "legacy": anchor.legacy},
            sort_keys=True, separators=(",", ":"),
        ) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            # One write of one short line: appends from several workers do not interleave.
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
        log_head(anchor)

    def check(self) -> RecordCheck:
        # The lines are not chained: the file's protection is where it is kept.
        return RecordCheck(True, 0)

    def weaknesses(self) -> list[str]:
        return []

    def where(self) -> str:
        return f"anchor file {self.path}"


# --- several machines: a shared, append-only table ---------------------------------------


def _row_anchor(row: Any) -> Anchor:
    # By name: a Row is a tuple, whose ``count`` attribute is tuple.count.
    values = row._mapping
    return Anchor(values["at"], values["count"], values["event_id"], values["event_hash"], values["legacy"])


class TableStore:
    """Heads in ``audit_anchor``: written through the anchor role's connection, read
    through the application's (same database; the app's role may only SELECT there)."""

    kind = "table"

    def __init__(self, engine: Engine, key: bytes) -> None:
        self.engine = engine
        self.key = key

    def mac(self, prev_mac: str, seq: int, at: datetime, anchor: Anchor) -> str:
        message = "|".join(
            (prev_mac, str(seq), _time(at), str(anchor.count), str(anchor.id), anchor.hash, str(anchor.legacy))
        )
        return hmac.new(self.key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def latest(self) -> Anchor | None:
        row = db.session.execute(
            select(_TABLE).order_by(_TABLE.c.count.desc(), _TABLE.c.event_id.desc()).limit(1)
        ).first()
        return None if row is None else _row_anchor(row)

    def append(self, anchor: Anchor) -> None:
        with self.engine.begin() as conn:
            # One appender at a time, across every node: each row chains onto the one before.
            # Like the file's append (no fsync), the row need not wait for the WAL flush: a
            # crash can lose the newest rows (never one in the middle: the WAL is replayed in
            # order), and the next commit anchors a later head. bench/audit_anchor_bench.py.
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            prev = conn.execute(select(_TABLE.c.seq, _TABLE.c.mac).order_by(_TABLE.c.seq.desc()).limit(1)).first()
            seq = prev.seq + 1 if prev is not None else 1
            prev_mac = prev.mac if prev is not None else GENESIS_MAC
            conn.execute(insert(_TABLE).values(
                seq=seq, at=anchor.at, count=anchor.count, event_id=anchor.id, event_hash=anchor.hash,
                legacy=anchor.legacy, prev_mac=prev_mac, mac=self.mac(prev_mac, seq, anchor.at, anchor),
            ))
        log_head(anchor)

    def check(self, batch: int = 5000) -> RecordCheck:
        """Walk the rows in order: no gap, each chained onto the one before, each MAC ours."""
        prev_mac, expected = GENESIS_MAC, 1
        while True:
            rows = db.session.execute(
                select(_TABLE).where(_TABLE.c.seq >= expected).order_by(_TABLE.c.seq).limit(batch)
            ).all()
            if not rows:
                return RecordCheck(True, expected - 1)
            for row in rows:
                anchor = _row_anchor(row)
                if (
                    row.seq != expected
                    or row.prev_mac != prev_mac
                    or not hmac.compare_digest(self.mac(prev_mac, row.seq, row.at, anchor), row.mac)
                ):
                    return RecordCheck(False, expected - 1, expected)
                prev_mac, expected = row.mac, expected + 1

    def where(self) -> str:
        return "table audit_anchor (MELDPUNT_AUDIT_ANCHOR_DATABASE_URL)"

    def weaknesses(self) -> list[str]:
        """What lets the application's own role rewrite the anchor (setup not done, or the
        app connects as a superuser): said by verify-audit, since the anchor is then no
        stronger than the audit table itself."""
        row = db.session.execute(text(
            "SELECT r.rolsuper, c.relowner = r.oid AS owner, "
            "has_table_privilege(r.oid, c.oid, 'UPDATE,DELETE,TRUNCATE') AS change "
            "FROM pg_class c, pg_roles r WHERE c.oid = 'audit_anchor'::regclass AND r.rolname = current_user"
        )).one()
        found = []
        if row.rolsuper:
            found.append("the application connects as a superuser, who can switch the anchor's triggers off")
        elif row.owner:
            found.append("the application's role owns audit_anchor: run `flask audit-anchor-setup`")
        elif row.change:
            found.append("the application's role may change or delete anchor rows: run `flask audit-anchor-setup`")
        return found


def mac_key() -> bytes:
    root = str(current_app.config["RECEIPT_KEY"]).encode("utf-8")
    return hmac.new(root, _MAC_LABEL, hashlib.sha256).digest()


def anchor_path() -> Path:
    configured = current_app.config.get("AUDIT_ANCHOR_FILE")
    return Path(configured) if configured else Path(current_app.config["DATA_DIR"]) / "audit-anchor.jsonl"


def _engine(app: Flask, url: str) -> Engine:
    """One small pool per app for the anchor role's connection, made at first use (after
    gunicorn has forked its workers)."""
    with _ENGINE_LOCK:
        engine = app.extensions.get("audit_anchor_engine")
        if engine is None:
            engine = create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True)
            app.extensions["audit_anchor_engine"] = engine
        return engine


def store() -> FileStore | TableStore:
    """The table when an anchor connection is configured (several machines), else the file."""
    url = current_app.config.get("AUDIT_ANCHOR_DATABASE_URL")
    if url:
        return TableStore(_engine(current_app._get_current_object(), url), mac_key())  # type: ignore[attr-defined]
    return FileStore(anchor_path())


def dispose(app: Flask) -> None:
    """Close the anchor connection's pool (tests, and before a process forks)."""
    engine: Any = app.extensions.pop("audit_anchor_engine", None)
    if engine is not None:
        engine.dispose()


# --- setting up the anchor role (flask audit-anchor-setup) -------------------------------

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def setup_statements(role: str, app_role: str | None, database: str, password: str | None) -> list[str]:
    """The SQL that gives the anchor its own role, run by a superuser or the database owner
    (it becomes the table's owner). The application's role keeps only SELECT on the table:
    as its owner it could switch the triggers off or drop the table."""
    for name in (role, app_role or role):
        if not _ROLE_NAME.match(name):
            raise ValueError(f"not a plain role name: {name[:70]!r} (lower-case letters, digits, _)")
    if role == app_role:
        raise ValueError("the anchor role must differ from the application's role")
    login = "LOGIN" + (" PASSWORD '" + password.replace("'", "''") + "'" if password else "")
    statements = [
        f'CREATE ROLE "{role}" {login} NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT',
        f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        # Whoever runs this owns the table and its trigger function from now on: neither the
        # application's role nor the anchor role can replace the function or drop a trigger.
        "ALTER TABLE audit_anchor OWNER TO CURRENT_USER",
        "ALTER FUNCTION audit_anchor_append_only() OWNER TO CURRENT_USER",
        "REVOKE ALL ON audit_anchor FROM PUBLIC",
        f'GRANT SELECT, INSERT ON audit_anchor TO "{role}"',
        f'GRANT USAGE ON SEQUENCE audit_anchor_id_seq TO "{role}"',
    ]
    if app_role:
        statements += [f'REVOKE ALL ON audit_anchor FROM "{app_role}"', f'GRANT SELECT ON audit_anchor TO "{app_role}"']
    return statements


def run_setup(admin_url: str, role: str, password: str | None) -> tuple[str, list[str]]:
    """Create the anchor role in the application's database, as the administrator at
    ``admin_url``; returns the application's role and the statements run (one transaction)."""
    app_role = db.session.scalar(text("SELECT current_user"))
    database = db.session.scalar(text("SELECT current_database()"))
    engine = create_engine(admin_url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name != "postgresql":
                raise ValueError("the anchor table with its own role needs PostgreSQL")
            admin, admin_database = conn.execute(text("SELECT current_user, current_database()")).one()
            if admin_database != database:
                raise ValueError(f"the administrator's URL names database {admin_database}, the app uses {database}")
            # When the app itself connects as the administrator (a superuser), revoking its
            # rights would revoke the owner's: nothing to take away then.
            statements = setup_statements(role, None if app_role == admin else app_role, database, password)
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return str(app_role), statements
