"""File format v2 (AES-256-GCM) for attachments: old Fernet files still open, rotation moves
everything to the newest key and format, and a stored attachment is the pending file itself."""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from meldpunt import crypto, storage
from meldpunt.extensions import db
from meldpunt.jobs import key_rotation
from meldpunt.models import Attachment
from tests import filemakers
from tests.helpers import submit


def test_file_format_round_trip_from_pieces(app):
    with app.app_context():
        data = os.urandom(100_000)
        pieces = [data[:10], memoryview(data)[10:70_000], bytearray(data[70_000:])]
        token = crypto.encrypt_file(pieces)
        assert crypto.is_file_format(token)
        assert len(token) == len(data) + crypto.FILE_OVERHEAD_BYTES  # no base64, no padding
        assert crypto.decrypt(token) == data
        assert crypto.decrypt(crypto.encrypt_file(b"")) == b""
        # A fresh nonce each time: the same file never gives the same bytes twice.
        assert crypto.encrypt_file(data) != crypto.encrypt_file(data)


@pytest.mark.parametrize("where", ["header", "body", "tag"])
def test_a_changed_byte_is_refused(app, where):
    with app.app_context():
        token = bytearray(crypto.encrypt_file(b"bewijs " * 1000))
        at = {"header": 5, "body": crypto.FILE_HEADER_BYTES + 100, "tag": len(token) - 1}[where]
        token[at] ^= 0x01
        with pytest.raises(crypto.InvalidToken):
            crypto.decrypt(token)
        with pytest.raises(crypto.InvalidToken):
            crypto.decrypt(bytes(token[:20]))  # cut off


def test_a_file_under_an_unknown_key_is_refused(app):
    with app.app_context():
        token = crypto.encrypt_file(b"foto")
        keys = list(app.config["ENCRYPTION_KEYS"])
        app.config["ENCRYPTION_KEYS"] = [Fernet.generate_key().decode()]
        try:
            with pytest.raises(crypto.InvalidToken):
                crypto.decrypt(token)
        finally:
            app.config["ENCRYPTION_KEYS"] = keys


def test_values_stay_fernet_tokens(app):
    """The receipt travels in the session cookie as text: values keep the text-safe format."""
    with app.app_context():
        token = crypto.encrypt_json({"code": "ABCD"})
        assert not crypto.is_file_format(token)
        token.decode("ascii")
        assert crypto.decrypt_json(token) == {"code": "ABCD"}


def test_uploads_are_stored_in_the_file_format_and_linked_not_copied(app, client):
    response = submit(client, files=[(filemakers.jpeg_with_gps(), "foto.jpg")])
    assert response.status_code == 303
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        path = storage.upload_dir() / attachment.storage_name
        stored = path.read_bytes()
        assert crypto.is_file_format(stored)
        plain = storage.read_attachment(attachment.storage_name)
        assert plain[:2] == b"\xff\xd8" and len(plain) == attachment.size
        assert len(stored) == attachment.size + crypto.FILE_OVERHEAD_BYTES
        # The pending upload was given the attachment's name (no second copy) and then let go.
        assert path.stat().st_nlink == 1
        assert list(storage.pending_root().iterdir()) == []


def test_adopting_a_pending_upload_keeps_it_until_discarded(app):
    from meldpunt.intake.attachments import clean_upload

    with app.test_request_context():
        token = storage.new_pending_token()
        pending = storage.add_pending(token, clean_upload("a.png", filemakers.png_bytes(), 10**7))
        name = storage.new_storage_name()
        assert storage.adopt_pending(token, pending.file_id, name)
        # Both names until the report commits: a failed commit still has the pending upload.
        assert storage.pending_blob_path(token, pending.file_id) is not None
        assert (storage.upload_dir() / name).stat().st_nlink == 2
        storage.discard_pending(token)
        assert storage.read_attachment(name)[:8] == b"\x89PNG\r\n\x1a\n"
        assert not storage.adopt_pending(token, pending.file_id, storage.new_storage_name())


def test_old_fernet_files_still_open_and_rotation_moves_them_to_the_new_format(app, client):
    submit(client, files=[(filemakers.png_bytes(), "kaart.png")])
    old_keys = list(app.config["ENCRYPTION_KEYS"])
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        path = storage.upload_dir() / attachment.storage_name
        plain = storage.read_attachment(attachment.storage_name)
        # As stored before the file format existed: a Fernet token.
        storage.write_file_atomically(path, crypto.encrypt(plain))
        assert not crypto.is_file_format(path.read_bytes())
        assert storage.read_attachment(attachment.storage_name) == plain

        new_key = Fernet.generate_key().decode()
        app.config["ENCRYPTION_KEYS"] = [new_key, *old_keys]
        key_rotation.rotate_all(batch=10)
        assert crypto.is_file_format(path.read_bytes())
        app.config["ENCRYPTION_KEYS"] = [new_key]
        assert storage.read_attachment(attachment.storage_name) == plain
        app.config["ENCRYPTION_KEYS"] = old_keys
        with pytest.raises(crypto.InvalidToken):
            storage.read_attachment(attachment.storage_name)


def test_rotation_reencrypts_pending_uploads(app):
    from meldpunt.intake.attachments import clean_upload

    old_keys = list(app.config["ENCRYPTION_KEYS"])
    with app.test_request_context():
        token = storage.new_pending_token()
        pending = storage.add_pending(token, clean_upload("a.png", filemakers.png_bytes(), 10**7))
        new_key = Fernet.generate_key().decode()
        app.config["ENCRYPTION_KEYS"] = [new_key, *old_keys]
        key_rotation.rotate_all()
        app.config["ENCRYPTION_KEYS"] = [new_key]
        assert [p.file_id for p in storage.list_pending(token)] == [pending.file_id]
        blob = storage.pending_blob_path(token, pending.file_id)
        assert blob is not None and crypto.decrypt(blob.read_bytes())[:4] == b"\x89PNG"
        app.config["ENCRYPTION_KEYS"] = old_keys


def test_writing_a_file_as_it_is_encrypted_gives_the_same_format(app, tmp_path):
    """encrypt_file_into (the upload path: a megabyte at a time, never the whole file in
    memory) writes what encrypt_file returns, for pieces larger and smaller than a step."""
    with app.app_context():
        data = os.urandom(3 * 1024 * 1024 + 123)
        pieces = [data[:5], memoryview(data)[5 : 2 * 1024 * 1024 + 7], data[2 * 1024 * 1024 + 7 :]]
        path = tmp_path / "f.bin"
        storage.write_file_atomically(path, lambda handle: crypto.encrypt_file_into(handle, pieces))
        written = path.read_bytes()
        assert len(written) == len(data) + crypto.FILE_OVERHEAD_BYTES
        assert crypto.is_file_format(written) and crypto.decrypt(written) == data
