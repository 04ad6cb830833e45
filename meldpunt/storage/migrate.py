"""``flask storage-migrate --to database|filesystem``: move every blob to the other store.

Idempotent and resumable: each batch is copied, committed, read back from the target
and decrypted before its source copies are deleted, so an interruption anywhere
leaves every blob in at least one store, and a second run finishes the job (a blob
already in the target is copied again from the source if the source still has it,
and counted as already moved if not). Reads fall back to the other store meanwhile
(storage.read_encrypted), so the site keeps serving attachments during the move.

Only blobs with an attachment row are moved; files without one are strays for the
sweep (jobs/retention.py). Pending uploads move too: a reporter halfway through a
form keeps their files across the switch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from meldpunt import crypto
from meldpunt.extensions import db
from meldpunt.models import Attachment
from meldpunt.storage import (
    KINDS,
    AttachmentStore,
    MissingBlob,
    PendingStore,
    PreparedUpload,
    attachment_store,
    pending_store,
)

# Attachments per committed batch: a few photos' worth of memory at most.
BATCH = 20


@dataclass
class MigrationSummary:
    source: str
    target: str
    moved: int = 0
    # In the target only: moved by an earlier, interrupted run.
    already: int = 0
    # In neither store: a row whose content is lost (listed by id, for the operator).
    missing_ids: list[int] = field(default_factory=list)
    # Copied but not readable back: the source copy is kept, the bad copy removed.
    failed: int = 0
    pending: int = 0

    @property
    def missing(self) -> int:
        return len(self.missing_ids)


def _readable(store: AttachmentStore, name: str) -> bool:
    try:
        crypto.decrypt(store.get(name))
    except (MissingBlob, crypto.InvalidToken):
        return False
    return True


def _copy_batch(
    rows: list[tuple[int, str]], source: AttachmentStore, target: AttachmentStore, summary: MigrationSummary
) -> list[str]:
    copied = []
    for attachment_id, name in rows:
        in_target = target.exists(name)
        try:
            data = source.get(name)
        except MissingBlob:
            if in_target:
                summary.already += 1
            else:
                summary.missing_ids.append(attachment_id)
            continue
        if in_target:
            target.replace(name, data)
        else:
            target.put(name, data)
        del data  # one blob in memory at a time
        copied.append(name)
    return copied


def move_attachments(source: AttachmentStore, target: AttachmentStore, summary: MigrationSummary,
                     batch: int = BATCH, progress: Callable[[MigrationSummary], None] | None = None) -> None:
    last_id = 0
    while True:
        rows = [
            (row[0], row[1])
            for row in db.session.execute(
                select(Attachment.id, Attachment.storage_name)
                .where(Attachment.id > last_id)
                .order_by(Attachment.id)
                .limit(batch)
            )
        ]
        if not rows:
            return
        last_id = rows[-1][0]
        copied = _copy_batch(rows, source, target, summary)
        # The copies are durable (committed rows, or files written with fsync) before
        # they are checked and before any source copy goes.
        db.session.commit()
        verified = []
        for name in copied:
            if _readable(target, name):
                verified.append(name)
            else:
                summary.failed += 1
                target.delete([name])
        source.delete(verified)
        db.session.commit()
        summary.moved += len(verified)
        if progress is not None:
            progress(summary)


def move_pending(source: PendingStore, target: PendingStore, summary: MigrationSummary) -> None:
    for token in list(source.tokens()):
        complete = True
        for file_id, meta in source.entries(token):
            data = source.get(token, file_id)
            if data is None:
                continue
            if target.get(token, file_id) is None:
                target.add(token, PreparedUpload(file_id=file_id, meta={}, encrypted_meta=meta, encrypted_data=data))
            copy = target.get(token, file_id)
            try:
                crypto.decrypt(copy or b"")
            except crypto.InvalidToken:
                complete = False
                target.remove(token, file_id)
                continue
            source.remove(token, file_id)
            summary.pending += 1
        if complete:
            source.discard(token)


def migrate(to: str, batch: int = BATCH,
            progress: Callable[[MigrationSummary], None] | None = None) -> MigrationSummary:
    if to not in KINDS:
        raise ValueError(f"unknown store {to!r}")
    source_kind = next(kind for kind in KINDS if kind != to)
    summary = MigrationSummary(source=source_kind, target=to)
    move_attachments(attachment_store(source_kind), attachment_store(to), summary, batch, progress)
    move_pending(pending_store(source_kind), pending_store(to), summary)
    return summary
