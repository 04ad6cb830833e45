"""Turning the files of one form post into pending uploads, with reasons for rejections.

Shared by the report form and the follow-up form: files that pass are kept
under the form's upload token, so a correction or confirmation step never
asks the reporter to choose them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _

from meldpunt import storage
from meldpunt.intake.attachments import AttachmentRejected, clean_upload, display_name


@dataclass
class UploadState:
    token: str
    files: list[storage.PendingFile]
    rejected: list[AttachmentRejected]

    @property
    def file_ids(self) -> list[str]:
        return [f.file_id for f in self.files]


def collect(form, field_name: str = "files") -> UploadState:
    """Apply the reporter's choices to earlier uploads and check the new ones."""
    config = current_app.config
    token = form.upload_token.data or ""
    if not storage.is_valid_token(token):
        token = storage.new_pending_token()
    existing = storage.list_pending(token)
    # Earlier uploads are shown as ticked boxes; an unticked box removes the file.
    keep = set(request.form.getlist(form.keep_files.name))
    if request.form.get("files_shown") == "1":
        for pending in existing:
            if pending.file_id not in keep:
                storage.remove_pending(token, pending.file_id)
        existing = [p for p in existing if p.file_id in keep]

    rejected: list[AttachmentRejected] = []
    total = sum(p.size for p in existing)
    count = len(existing)
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
        # Read one byte more than allowed, so an oversized file is recognised
        # without reading all of it into memory.
        data = upload.stream.read(config["MAX_ATTACHMENT_BYTES"] + 1)
        try:
            clean = clean_upload(upload.filename, data, config["MAX_ATTACHMENT_BYTES"])
        except AttachmentRejected as exc:
            rejected.append(exc)
            continue
        # The limit counts what the reporter sent, not the (smaller) cleaned result.
        if total + max(len(data), len(clean.data)) > config["MAX_TOTAL_ATTACHMENT_BYTES"]:
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
        existing.append(storage.add_pending(token, clean))
        total += len(clean.data)
        count += 1
    return UploadState(token=token, files=existing, rejected=rejected)
