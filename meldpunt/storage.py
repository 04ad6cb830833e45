"""Encrypted files on disk: stored attachments and uploads waiting for a report.

A stored attachment file exists only if its database row does: files are
written before the commit and removed again if the commit fails (see
reports.py), and the cleanup job removes strays left by a crash.

Pending uploads are files a reporter already sent while the form still needs a
correction or a confirmation. They are cleaned and encrypted exactly like
stored attachments and kept under a random token (carried in a hidden form
field) for at most an hour, so a reporter never has to choose a file twice.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from flask import current_app

from meldpunt import crypto

if TYPE_CHECKING:  # the cleaned upload's type only; cleaning itself belongs to the intake
    from meldpunt.intake.attachments import CleanFile

PENDING_MAX_AGE_SECONDS = 3600
_TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def pending_root() -> Path:
    path = Path(current_app.config["PENDING_UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_file_atomically(path: Path, data: bytes | bytearray | Callable[[BinaryIO], object]) -> None:
    """Write via a temporary name and rename, so a crash never leaves half a file.

    The temporary name is unique (several workers may write the same file at once) and
    ends in ``.part``, which the cleanup job recognises. mkstemp creates it owner-only
    from the first byte: these files hold encrypted reporter data, keys and settings.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(data):
                data(handle)  # writes the contents itself (e.g. encrypting as it goes)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        # A full disk must not leave half a file behind next to the stored ones.
        tmp.unlink(missing_ok=True)
        raise


def new_storage_name() -> str:
    return secrets.token_hex(20)


def write_attachment(storage_name: str, encrypted: bytes) -> Path:
    path = upload_dir() / storage_name
    write_file_atomically(path, encrypted)
    return path


def adopt_pending(token: str, file_id: str, storage_name: str) -> bool:
    """Store a pending upload as attachment ``storage_name``; False when it is gone.

    Both are the same encrypted file, so it gets a second name (a hard link) in the
    attachment folder instead of being read and written again (26 MB for a phone
    photo). The pending name stays until the report is committed, so a failed
    commit loses nothing; on separate file systems the file is copied.
    """
    source = pending_blob_path(token, file_id)
    if source is None:
        return False
    target = upload_dir() / storage_name
    try:
        os.link(source, target)
    except OSError:
        write_attachment(storage_name, source.read_bytes())
    return True


def read_attachment(storage_name: str) -> bytes:
    """The decrypted content of a stored attachment."""
    return crypto.decrypt((upload_dir() / storage_name).read_bytes())


def delete_attachment(storage_name: str) -> None:
    (upload_dir() / storage_name).unlink(missing_ok=True)


# --- pending uploads -------------------------------------------------------


@dataclass(frozen=True)
class PendingFile:
    file_id: str
    name: str
    content_type: str
    kind: str
    size: int
    # The size the reporter sent (the total upload limit counts what was sent).
    sent_size: int = 0


def new_pending_token() -> str:
    return secrets.token_urlsafe(24)


def is_valid_token(token: str | None) -> bool:
    return token is not None and 16 <= len(token) <= 64 and set(token) <= _TOKEN_CHARS


def _pending_dir(token: str) -> Path | None:
    if not is_valid_token(token):
        return None
    return pending_root() / token


def add_pending(token: str, clean: CleanFile) -> PendingFile:
    directory = _pending_dir(token)
    if directory is None:
        raise ValueError("invalid pending-upload token")
    directory.mkdir(parents=True, exist_ok=True)
    file_id = secrets.token_hex(8)
    meta: dict[str, Any] = {
        "name": clean.original_name,
        "content_type": clean.content_type,
        "kind": clean.kind,
        "size": clean.size,
        "sent_size": clean.sent_size or clean.size,
    }
    write_file_atomically(directory / f"{file_id}.bin", lambda handle: crypto.encrypt_file_into(handle, clean.pieces))
    write_file_atomically(directory / f"{file_id}.meta", crypto.encrypt_json(meta))
    return PendingFile(file_id=file_id, **meta)


def list_pending(token: str) -> list[PendingFile]:
    directory = _pending_dir(token)
    if directory is None or not directory.is_dir():
        return []
    files = []
    for meta_path in sorted(directory.glob("*.meta"), key=lambda p: p.stat().st_mtime):
        try:
            meta = crypto.decrypt_json(meta_path.read_bytes())
        except (crypto.InvalidToken, ValueError, OSError):
            continue
        file_id = meta_path.stem
        if (directory / f"{file_id}.bin").exists():
            files.append(PendingFile(file_id=file_id, **meta))
    return files


def pending_blob_path(token: str, file_id: str) -> Path | None:
    directory = _pending_dir(token)
    if directory is None or not all(c in "0123456789abcdef" for c in file_id):
        return None
    path = directory / f"{file_id}.bin"
    return path if path.exists() else None


def remove_pending(token: str, file_id: str) -> None:
    directory = _pending_dir(token)
    if directory is None or not all(c in "0123456789abcdef" for c in file_id):
        return
    (directory / f"{file_id}.bin").unlink(missing_ok=True)
    (directory / f"{file_id}.meta").unlink(missing_ok=True)


def discard_pending(token: str) -> None:
    directory = _pending_dir(token)
    if directory is not None and directory.is_dir():
        shutil.rmtree(directory, ignore_errors=True)


def purge_stale_pending(now: float | None = None) -> int:
    """Remove pending uploads older than an hour; returns how many folders went."""
    now = time.time() if now is None else now
    removed = 0
    for directory in pending_root().iterdir():
        if directory.is_dir() and now - directory.stat().st_mtime > PENDING_MAX_AGE_SECONDS:
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    return removed
