"""Encrypted attachments and pending uploads, in the store the configuration chooses.

``MELDPUNT_ATTACHMENT_STORAGE`` (config.py) picks ``filesystem`` (files in the data
directory, the embedded SQLite default) or ``database`` (tables in the database, the
default on PostgreSQL: several machines then need no shared disk). Callers use the
functions here and never the stores, except the jobs that walk every blob (key
rotation, stray sweep, ``storage-migrate``). docs/adr/0009-attachment-storage.md.

Consistency rule: a stored attachment exists only if its row does. A database store
gets that from its transaction; a filesystem store (or, one day, an object store) from
the order of things: written before the commit (``write_attachment``), removed after a
failed commit (``forget_unsaved``), deleted only after the commit that removed the row
(``delete_after_commit``), and a stray sweep for what a crash left behind.

Pending uploads are files a reporter already sent while the form still needs a
correction or a confirmation. They are cleaned and encrypted exactly like stored
attachments and kept under a random token (carried in a hidden form field) for at
most an hour, so a reporter never has to choose a file twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app

from meldpunt import crypto
from meldpunt.storage.base import (
    AttachmentStore,
    EncryptedOutput,
    MissingBlob,
    PendingFile,
    PendingStore,
    PreparedUpload,
)
from meldpunt.storage.files import FilesystemAttachments, FilesystemPending, write_file_atomically

if TYPE_CHECKING:  # the cleaned upload's type only; cleaning itself belongs to the intake
    from meldpunt.intake.attachments import CleanFile

__all__ = [
    "KINDS",
    "PENDING_MAX_AGE_SECONDS",
    "AttachmentStore",
    "MissingBlob",
    "PendingFile",
    "PendingStore",
    "PreparedUpload",
    "write_file_atomically",
]

KINDS = ("database", "filesystem")
PENDING_MAX_AGE_SECONDS = 3600
_TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def attachment_store(kind: str | None = None) -> AttachmentStore:
    """The configured attachment store, or the one of ``kind`` (the migration tool)."""
    kind = kind or current_app.config["ATTACHMENT_STORAGE"]
    if kind == "database":
        from meldpunt.storage.database import DatabaseAttachments

        return DatabaseAttachments()
    return FilesystemAttachments(current_app.config["UPLOAD_DIR"], current_app.config["PENDING_UPLOAD_DIR"])


def pending_store(kind: str | None = None) -> PendingStore:
    kind = kind or current_app.config["ATTACHMENT_STORAGE"]
    if kind == "database":
        from meldpunt.storage.database import DatabasePending

        return DatabasePending()
    return FilesystemPending(current_app.config["PENDING_UPLOAD_DIR"])


def _other(kind: str) -> str:
    return "filesystem" if kind == "database" else "database"


# --- stored attachments ----------------------------------------------------


def new_storage_name() -> str:
    return secrets.token_hex(20)


def write_attachment(storage_name: str, encrypted: bytes) -> None:
    """Keep an attachment's encrypted content; call before committing its row."""
    attachment_store().put(storage_name, encrypted)


def attach_pending(storage_name: str, token: str, file_id: str) -> bool:
    """Store a pending upload as an attachment's content, before its row's commit;
    False if the upload is gone. The database store copies it inside the database."""
    if not is_valid_token(token) or not _valid_file_id(file_id):
        return False
    store = attachment_store()
    copy = getattr(store, "copy_from_pending", None)
    if copy is not None:
        return bool(copy(storage_name, token, file_id))
    blob = pending_store().get(token, file_id)
    if blob is None:
        return False
    store.put(storage_name, blob)
    return True


def read_encrypted(storage_name: str) -> bytes:
    """The encrypted content, from the configured store or else the other one.

    The fallback covers the switch-over: ``storage-migrate`` moves blobs while the
    site runs, so for a while some are still (or already) in the other store.
    """
    store = attachment_store()
    try:
        return store.get(storage_name)
    except MissingBlob:
        if not _fallback_possible(store.kind):
            raise
        return attachment_store(_other(store.kind)).get(storage_name)


def _fallback_possible(kind: str) -> bool:
    """The other store may hold blobs: its folder exists, or the database store was used
    (its table always exists after the migrations)."""
    if kind == "database":
        return Path(current_app.config["UPLOAD_DIR"]).is_dir()
    return True


def read_attachment(storage_name: str) -> bytes:
    """The decrypted content of a stored attachment; MissingBlob if neither store has it."""
    return crypto.decrypt(read_encrypted(storage_name))


def forget_unsaved(storage_names: Sequence[str]) -> None:
    """After a rolled-back transaction: remove what ``write_attachment`` wrote for it.
    A transactional store rolled back with the rows; anything else is removed here."""
    store = attachment_store()
    if not store.transactional:
        store.delete(storage_names)


def delete_with_rows(storage_names: Sequence[str]) -> None:
    """In the transaction that deletes the attachment rows, before its commit."""
    store = attachment_store()
    if store.transactional:
        store.delete(storage_names)


def delete_after_commit(storage_names: Sequence[str]) -> None:
    """After that transaction committed (a crash in between leaves strays for the sweep)."""
    store = attachment_store()
    if not store.transactional:
        store.delete(storage_names)


# --- pending uploads -------------------------------------------------------


def new_pending_token() -> str:
    return secrets.token_urlsafe(24)


def is_valid_token(token: str | None) -> bool:
    return token is not None and 16 <= len(token) <= 64 and set(token) <= _TOKEN_CHARS


def _valid_file_id(file_id: str) -> bool:
    return 0 < len(file_id) <= 16 and all(c in "0123456789abcdef" for c in file_id)


def _pending_meta(clean: CleanFile) -> dict[str, Any]:
    return {
        "name": clean.original_name,
        "content_type": clean.content_type,
        "kind": clean.kind,
        "size": clean.size,
        "sent_size": clean.sent_size or clean.size,
    }


def prepare_pending(clean: CleanFile, output: EncryptedOutput | None = None) -> PreparedUpload:
    """Encrypt a cleaned upload and its description, ready for ``keep_pending``.

    With ``output`` the encrypted content is written there (in 1 MB steps) and the
    output itself is the prepared upload's ``encrypted_data``: the cleaning process
    passes memory it shares with the worker (intake/isolation.py).
    """
    meta = _pending_meta(clean)
    encrypted: bytes | bytearray | memoryview | EncryptedOutput
    if output is None:
        # The cleaned pieces are encrypted as they are (file format v2), never joined first.
        encrypted = crypto.encrypt_file(clean.pieces)
    else:
        crypto.encrypt_file_to(clean.pieces, output.write)
        encrypted = output
    return PreparedUpload(
        file_id=secrets.token_hex(8),
        meta=meta,
        encrypted_meta=crypto.encrypt_json(meta),
        encrypted_data=encrypted,  # type: ignore[arg-type]  # a memoryview once in the worker
    )


def keep_pending(token: str, prepared: PreparedUpload) -> PendingFile:
    if not is_valid_token(token):
        raise ValueError("invalid pending-upload token")
    pending_store().add(token, prepared)
    return PendingFile(file_id=prepared.file_id, **prepared.meta)


def add_pending(token: str, clean: CleanFile) -> PendingFile:
    """Encrypt and keep a cleaned upload. Files are encrypted straight into the file, in
    1 MB steps: no 20 MB buffer (and its page faults) for a phone photo."""
    if not is_valid_token(token):
        raise ValueError("invalid pending-upload token")
    store = pending_store()
    if not isinstance(store, FilesystemPending):
        return keep_pending(token, prepare_pending(clean))
    meta, file_id = _pending_meta(clean), secrets.token_hex(8)
    store.add_written(
        token, file_id, crypto.encrypt_json(meta), lambda write: crypto.encrypt_file_to(clean.pieces, write)
    )
    return PendingFile(file_id=file_id, **meta)


def kept_by_cleaning_process() -> bool:
    """Whether the process that cleans a file (intake/isolation.py) may keep it itself.

    A file is written by the child, so the worker never holds its bytes; a database
    connection must not be used from a forked child, so there the worker keeps it.
    """
    return pending_store().kind == "filesystem"


def list_pending(token: str) -> list[PendingFile]:
    if not is_valid_token(token):
        return []
    files = []
    for file_id, encrypted_meta in pending_store().entries(token):
        try:
            meta = crypto.decrypt_json(encrypted_meta)
        except (crypto.InvalidToken, ValueError):
            continue
        files.append(PendingFile(file_id=file_id, **meta))
    return files


def read_pending(token: str, file_id: str) -> bytes | None:
    """A pending upload's encrypted content, or None."""
    if not is_valid_token(token) or not _valid_file_id(file_id):
        return None
    return pending_store().get(token, file_id)


def remove_pending(token: str, file_id: str) -> None:
    if is_valid_token(token) and _valid_file_id(file_id):
        pending_store().remove(token, file_id)


def discard_pending(token: str) -> None:
    if is_valid_token(token):
        pending_store().discard(token)


def purge_stale_pending(now: datetime | None = None) -> int:
    """Remove pending uploads older than an hour; returns how many upload sets went."""
    now = now or datetime.now(UTC)
    return pending_store().purge_stale(now - timedelta(seconds=PENDING_MAX_AGE_SECONDS))
