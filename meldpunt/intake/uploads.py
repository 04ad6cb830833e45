"""Turning the files of one form post into pending uploads, with reasons for rejections.

Shared by the report form and the follow-up form: files that pass are kept
under the form's upload token, so a correction or confirmation step never
asks the reporter to choose them again.

The number of files and their sizes as sent are checked first, before any file is
decoded; then each file is cleaned in its own short-lived process
(isolation.py) with a time and memory cap, which also encrypts and keeps it,
and the photos of one request share a budget of decoded pixels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _

from meldpunt import storage
from meldpunt.intake import isolation
from meldpunt.intake.attachments import (
    AttachmentRejected,
    clean_upload,
    display_name,
    too_big,
    took_too_long,
)
from meldpunt.upload_request import kept_content, sent_size

log = logging.getLogger(__name__)


@dataclass
class UploadState:
    token: str
    files: list[storage.PendingFile]
    rejected: list[AttachmentRejected]
    # False when the token was made for this request and nothing was kept under it: then
    # there is nothing to attach or discard, and the store need not be asked.
    may_hold_files: bool = True

    @property
    def pending_token(self) -> str | None:
        """The token to attach from and discard after storing, or None when nothing can be there."""
        return self.token if self.may_hold_files else None

    @property
    def file_ids(self) -> list[str]:
        return [f.file_id for f in self.files]


def collect(form, field_name: str = "files") -> UploadState:
    """Apply the reporter's choices to earlier uploads and check the new ones."""
    config = current_app.config
    token = form.upload_token.data or ""
    from_form = storage.is_valid_token(token)
    if not from_form:
        token = storage.new_pending_token()
    # A token made just now holds nothing yet: no query to the store (a text-only report
    # used to pay a connection, a query and a rollback for it).
    existing = storage.list_pending(token) if from_form else []
    # Earlier uploads are shown as ticked boxes; an unticked box removes the file.
    keep = set(request.form.getlist(form.keep_files.name))
    if request.form.get("files_shown") == "1":
        for pending in existing:
            if pending.file_id not in keep:
                storage.remove_pending(token, pending.file_id)
        existing = [p for p in existing if p.file_id in keep]

    rejected: list[AttachmentRejected] = []
    max_bytes = int(config["MAX_ATTACHMENT_BYTES"])
    # 1. How many and how large, as sent: decided before anything is decoded.
    total = sum(max(p.size, p.sent_size) for p in existing)
    count = len(existing)
    accepted = []
    for upload in request.files.getlist(field_name):
        if not upload or not upload.filename:
            continue
        name = display_name(upload.filename)
        if count >= config["MAX_ATTACHMENTS"]:
            rejected.append(
                AttachmentRejected(
                    name,
                    _("U kunt hooguit %(n)d bestanden meesturen.", n=config["MAX_ATTACHMENTS"]),
                )
            )
            continue
        size = _size_as_sent(upload)
        if size > max_bytes:
            rejected.append(AttachmentRejected(name, too_big(max_bytes)))
            continue
        if total + size > config["MAX_TOTAL_ATTACHMENT_BYTES"]:
            rejected.append(
                AttachmentRejected(
                    name,
                    _(
                        "Alle bestanden samen mogen niet groter zijn dan %(mb)d MB.",
                        mb=config["MAX_TOTAL_ATTACHMENT_BYTES"] // (1024 * 1024),
                    ),
                )
            )
            continue
        accepted.append(upload)
        total += size
        count += 1

    # 2. Clean and keep them, one at a time, each in its own process.
    pixel_budget = int(config["MAX_REQUEST_PIXELS"])
    for upload in accepted:
        try:
            pending, decoded_pixels = _clean_isolated(upload, token, max_bytes, pixel_budget)
        except AttachmentRejected as exc:
            rejected.append(exc)
            continue
        pixel_budget -= decoded_pixels
        existing.append(pending)
    return UploadState(token=token, files=existing, rejected=rejected, may_hold_files=from_form or bool(existing))


def _size_as_sent(upload) -> int:
    """The size of a file part as sent, without reading it into memory."""
    counted = sent_size(upload.stream)
    if counted is not None:
        return counted
    stream = upload.stream
    position = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(position)
    return size


def _clean_and_keep(
    upload, token: str, max_bytes: int, pixel_budget: int, keep: bool
) -> tuple[storage.PendingFile | storage.PreparedUpload, int]:
    """Read, clean and encrypt one file, and keep it if ``keep`` (runs in the child process).

    The child reads the part from the request's temporary file and, with the
    filesystem store, writes the encrypted result itself, so the worker never holds
    the file's bytes. The database store is written by the worker: a forked child
    must not use the parent's database connections. Then the child encrypts into
    memory it shares with the worker (isolation.shared_output), which the worker
    passes to the database as it is.
    """
    data = kept_content(upload.stream, max_bytes + 1)
    clean = clean_upload(upload.filename, data, max_bytes, pixel_budget)
    del data
    if keep:
        return storage.add_pending(token, clean), clean.decoded_pixels
    return storage.prepare_pending(clean, isolation.shared_output()), clean.decoded_pixels


def _clean_isolated(upload, token: str, max_bytes: int, pixel_budget: int) -> tuple[storage.PendingFile, int]:
    config = current_app.config
    name = display_name(upload.filename)
    keep_in_child = storage.kept_by_cleaning_process()
    try:
        kept, pixels = isolation.run(
            lambda: _clean_and_keep(upload, token, max_bytes, pixel_budget, keep_in_child),
            seconds=float(config["CLEAN_SECONDS"]),
            memory_bytes=int(config["CLEAN_MEMORY_BYTES"]),
        )
    except isolation.TimedOut as exc:
        raise AttachmentRejected(name, took_too_long()) from exc
    except isolation.OutOfMemory as exc:
        raise AttachmentRejected(
            name, _("Dit bestand is te groot om te verwerken. Probeer een kleiner bestand.")
        ) from exc
    except isolation.Failed as exc:
        log.warning("cleaning a file failed: %s", exc)
        raise AttachmentRejected(
            name, _("Dit bestand kunnen we niet verwerken. Misschien is het beschadigd.")
        ) from exc
    if isinstance(kept, storage.PreparedUpload):
        return storage.keep_pending(token, kept), pixels
    return kept, pixels
