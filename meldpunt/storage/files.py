"""The filesystem store: encrypted files in the data directory (the embedded default).

A stored attachment file exists only if its database row does: files are
written before the commit and removed again if the commit fails (intake/reports.py),
deleted only after the commit that removed their rows (jobs/retention.py), and
the cleanup job removes strays left by a crash.

Pending uploads live in one folder per token, ``<file_id>.bin`` (content) and
``<file_id>.meta`` (encrypted JSON) side by side; the folder's modification time
is the age the stale purge looks at.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from meldpunt.storage.base import MissingBlob, PreparedUpload

Content = bytes | bytearray | memoryview | Callable[[Callable[[memoryview], object]], object]


def write_file_atomically(path: Path, data: Content) -> None:
    """Write via a temporary name and rename, so a crash never leaves half a file.

    ``data`` may also be a function that writes the content itself through the write
    function it is given (an encryption in 1 MB steps: no buffer of the file's size).

    The temporary name is unique (several workers may write the same file at once) and
    ends in ``.part``, which the cleanup job recognises. mkstemp creates it owner-only
    from the first byte: these files hold encrypted reporter data, keys and settings.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(data):
                data(handle.write)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        # A full disk must not leave half a file behind next to the stored ones.
        tmp.unlink(missing_ok=True)
        raise


def _folder(path: str) -> Path:
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class FilesystemAttachments:
    kind = "filesystem"
    transactional = False

    def __init__(self, folder: str, pending_folder: str | None = None) -> None:
        self.folder = _folder(folder)
        self.pending_folder = Path(pending_folder) if pending_folder else None

    def copy_from_pending(self, name: str, token: str, file_id: str) -> bool:
        """Store a pending upload as this attachment's content; False when it is gone.

        Both are the same encrypted file, so it gets a second name (a hard link) instead
        of being read and written again (26 MB for a phone photo). The pending name
        stays until the report is committed, so a failed commit loses nothing; on
        separate file systems the file is copied.
        """
        if self.pending_folder is None:
            return False
        source = self.pending_folder / token / f"{file_id}.bin"
        target = self._path(name)
        try:
            os.link(source, target)
        except FileNotFoundError:
            return False  # removed meanwhile (the reporter unticked it in another tab)
        except OSError:
            try:
                data = source.read_bytes()
            except FileNotFoundError:
                return False
            write_file_atomically(target, data)
        return True

    def _path(self, name: str) -> Path:
        # One plain file name in the folder, never a path out of it.
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise MissingBlob(name)
        return self.folder / name

    def put(self, name: str, encrypted: bytes | bytearray) -> None:
        write_file_atomically(self._path(name), encrypted)

    def replace(self, name: str, encrypted: bytes | bytearray) -> None:
        if not self.exists(name):
            raise MissingBlob(name)
        write_file_atomically(self._path(name), encrypted)

    def get(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError as exc:
            raise MissingBlob(name) from exc

    def exists(self, name: str) -> bool:
        try:
            return self._path(name).is_file()
        except MissingBlob:
            return False

    def delete(self, names: Sequence[str]) -> None:
        for name in names:
            try:
                self._path(name).unlink(missing_ok=True)
            except MissingBlob:
                continue

    def names(self, older_than: datetime | None = None) -> Iterator[str]:
        limit = older_than.timestamp() if older_than is not None else None
        # scandir streams the folder: a million attachments are never one list.
        with os.scandir(self.folder) as entries:
            for entry in entries:
                # Every file counts, ``.part`` leftovers of an interrupted write too: the
                # stray sweep removes what has no row once it is older than its grace period.
                try:
                    if not entry.is_file() or (limit is not None and entry.stat().st_mtime >= limit):
                        continue
                except FileNotFoundError:
                    continue
                yield entry.name


class FilesystemPending:
    kind = "filesystem"

    def __init__(self, folder: str) -> None:
        self.root = _folder(folder)

    def _dir(self, token: str) -> Path:
        return self.root / token

    def add(self, token: str, prepared: PreparedUpload) -> None:
        directory = self._dir(token)
        directory.mkdir(parents=True, exist_ok=True)
        write_file_atomically(directory / f"{prepared.file_id}.bin", prepared.encrypted_data)
        write_file_atomically(directory / f"{prepared.file_id}.meta", prepared.encrypted_meta)

    def add_written(self, token: str, file_id: str, encrypted_meta: bytes, write_content: Content) -> None:
        """As ``add``, with the content written by a function (see write_file_atomically)."""
        directory = self._dir(token)
        directory.mkdir(parents=True, exist_ok=True)
        write_file_atomically(directory / f"{file_id}.bin", write_content)
        write_file_atomically(directory / f"{file_id}.meta", encrypted_meta)

    def entries(self, token: str) -> list[tuple[str, bytes]]:
        directory = self._dir(token)
        if not directory.is_dir():
            return []
        found = []
        for meta_path in sorted(directory.glob("*.meta"), key=lambda p: p.stat().st_mtime):
            try:
                meta = meta_path.read_bytes()
            except OSError:
                continue
            if (directory / f"{meta_path.stem}.bin").exists():
                found.append((meta_path.stem, meta))
        return found

    def get(self, token: str, file_id: str) -> bytes | None:
        try:
            return (self._dir(token) / f"{file_id}.bin").read_bytes()
        except FileNotFoundError:
            return None

    def replace(self, token: str, file_id: str, encrypted_meta: bytes, encrypted_data: bytes | bytearray) -> None:
        directory = self._dir(token)
        age = directory.stat()
        write_file_atomically(directory / f"{file_id}.bin", encrypted_data)
        write_file_atomically(directory / f"{file_id}.meta", encrypted_meta)
        # Re-encrypting is no new upload: the folder keeps its age for the stale purge.
        os.utime(directory, ns=(age.st_atime_ns, age.st_mtime_ns))

    def remove(self, token: str, file_id: str) -> None:
        directory = self._dir(token)
        (directory / f"{file_id}.bin").unlink(missing_ok=True)
        (directory / f"{file_id}.meta").unlink(missing_ok=True)

    def discard(self, token: str) -> None:
        directory = self._dir(token)
        if directory.is_dir():
            shutil.rmtree(directory, ignore_errors=True)

    def purge_stale(self, cutoff: datetime) -> int:
        limit = cutoff.timestamp()
        removed = 0
        for directory in self.root.iterdir():
            try:
                stale = directory.is_dir() and directory.stat().st_mtime < limit
            except FileNotFoundError:
                continue
            if stale:
                shutil.rmtree(directory, ignore_errors=True)
                removed += 1
        return removed

    def tokens(self) -> Iterator[str]:
        for directory in self.root.iterdir():
            if directory.is_dir():
                yield directory.name
