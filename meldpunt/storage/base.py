"""The storage interface: what every attachment store and pending-upload store offers.

Two stores exist (docs/adr/0009-attachment-storage.md): files in the data directory
(``files.py``, the embedded SQLite default) and tables in the database
(``database.py``, the default on PostgreSQL, so several machines need no shared
disk). An S3-compatible object store would be a third ``AttachmentStore`` with
``transactional = False``: it behaves like the filesystem (written before the commit,
deleted after it, strays swept up by age), which is why the interface says which
kind a store is instead of hiding it.

Everything a store keeps is already encrypted (file format v2 for contents, Fernet
tokens for descriptions; meldpunt/crypto.py):
stores move opaque bytes and never see a key.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class MissingBlob(LookupError):
    """The store holds nothing under this name."""


@dataclass(frozen=True)
class PendingFile:
    file_id: str
    name: str
    content_type: str
    kind: str
    size: int
    # The size the reporter sent (the total upload limit counts what was sent).
    sent_size: int = 0


class EncryptedOutput(Protocol):
    """Where an upload's encrypted content can be written instead of a new buffer."""

    def write(self, data: memoryview) -> int: ...


@dataclass(frozen=True)
class PreparedUpload:
    """A cleaned upload, encrypted and ready to keep: made where the file was cleaned
    (a child process, intake/isolation.py), kept by whoever may write to the store."""

    file_id: str
    meta: dict
    encrypted_meta: bytes
    # A memoryview when it comes from the cleaning process's shared memory (intake/isolation.py).
    encrypted_data: bytes | bytearray | memoryview


class AttachmentStore(Protocol):
    """Encrypted attachment contents under their random storage names."""

    kind: str
    # True: put/replace/delete happen in the caller's database transaction and commit or
    # roll back with it. False: they happen at once, so the caller writes before its
    # commit, removes what it wrote after a failed one, deletes only after a committed
    # one, and a stray sweep removes what a crash left behind.
    transactional: bool

    def put(self, name: str, encrypted: bytes | bytearray) -> None:
        """Keep a new blob (a name is never reused)."""

    def replace(self, name: str, encrypted: bytes | bytearray) -> None:
        """Overwrite an existing blob in one step (key rotation); MissingBlob if absent."""

    def get(self, name: str) -> bytes:
        """The encrypted bytes; MissingBlob if absent."""

    def exists(self, name: str) -> bool: ...

    def delete(self, names: Sequence[str]) -> None:
        """Remove these blobs; names that are absent are ignored."""

    def names(self, older_than: datetime | None = None) -> Iterator[str]:
        """Every stored name (written before ``older_than``, if given), in batches from the
        store: for the stray sweep and the migration tool, never all loaded at once."""


class PendingStore(Protocol):
    """Uploads waiting under a token for the form to be sent (at most an hour)."""

    kind: str

    def add(self, token: str, prepared: PreparedUpload) -> None: ...

    def entries(self, token: str) -> list[tuple[str, bytes]]:
        """(file_id, encrypted meta) of each complete upload, oldest first."""

    def get(self, token: str, file_id: str) -> bytes | None:
        """The encrypted content, or None."""

    def replace(self, token: str, file_id: str, encrypted_meta: bytes, encrypted_data: bytes | bytearray) -> None:
        """Overwrite one upload's meta and content (key rotation), keeping its age."""

    def remove(self, token: str, file_id: str) -> None: ...

    def discard(self, token: str) -> None: ...

    def purge_stale(self, cutoff: datetime) -> int:
        """Remove every token whose newest upload is older than ``cutoff``; returns how many."""

    def tokens(self) -> Iterator[str]: ...
