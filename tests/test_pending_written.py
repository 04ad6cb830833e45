"""Pending uploads encrypted straight into their file in 1 MB steps (storage.add_pending on
the filesystem store), and the same content on both stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from meldpunt import crypto, storage
from meldpunt.intake.attachments import CleanFile
from tests.helpers import both_stores

MB = 1024 * 1024


def _clean(pieces) -> CleanFile:
    return CleanFile(pieces=tuple(pieces), content_type="image/jpeg", kind="image", original_name="foto.jpg",
                     sent_size=sum(len(p) for p in pieces) + 100)


@both_stores
def test_a_pending_upload_decrypts_to_its_pieces_in_either_store(app):
    content = os.urandom(3 * MB + 11)
    pieces = [content[:5], memoryview(content)[5 : 2 * MB], content[2 * MB :]]
    token = storage.new_pending_token()
    with app.app_context():
        kept = storage.add_pending(token, _clean(pieces))
        assert (kept.size, kept.sent_size, kept.name) == (len(content), len(content) + 100, "foto.jpg")
        assert [p.file_id for p in storage.list_pending(token)] == [kept.file_id]
        encrypted = storage.read_pending(token, kept.file_id)
        assert encrypted is not None and len(encrypted) == len(content) + crypto.FILE_OVERHEAD_BYTES
        assert crypto.decrypt(encrypted) == content


@pytest.mark.parametrize("app", ["filesystem"], indirect=True)
def test_a_failed_encryption_leaves_no_file_behind(app, monkeypatch):
    def broken(parts, write):
        write(memoryview(b"half a file"))
        raise OSError("disk full")

    monkeypatch.setattr(crypto, "encrypt_file_to", broken)
    token = storage.new_pending_token()
    with app.app_context():
        with pytest.raises(OSError, match="disk full"):
            storage.add_pending(token, _clean([os.urandom(MB)]))
        folder = Path(app.config["PENDING_UPLOAD_DIR"]) / token
        assert list(folder.iterdir()) == []
        assert storage.list_pending(token) == []
