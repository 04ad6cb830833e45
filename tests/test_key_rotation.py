"""flask rotate-keys: everything encrypted moves to the newest key, nothing is lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from meldpunt import crypto, storage
from meldpunt.extensions import db
from meldpunt.jobs import key_rotation
from meldpunt.models import Attachment, Report
from meldpunt.staff import accounts as staff
from tests import filemakers
from tests.helpers import both_stores, submit


@both_stores
def test_rotation_reencrypts_values_and_files(app, client):
    submit(
        client,
        anonymity="contact",
        email="ria@example.org",
        files=[(filemakers.png_bytes(), "kaart.png")],
    )
    old_keys = list(app.config["ENCRYPTION_KEYS"])
    with app.app_context():
        account = staff.create_user("coordinator@gemeente.example", "coordinator")
        secret = account.totp_secret
        attachment = db.session.scalar(select(Attachment))
        plain_file = storage.read_attachment(attachment.storage_name)

        new_key = Fernet.generate_key().decode()
        app.config["ENCRYPTION_KEYS"] = [new_key, *old_keys]
        summary = key_rotation.rotate_all(batch=1)
        assert summary.values == 3 and summary.files == 1

        # Only the new key is needed now; the old key alone opens nothing.
        app.config["ENCRYPTION_KEYS"] = [new_key]
        report = db.session.scalar(select(Report))
        assert crypto.decrypt_json(report.contact_encrypted)["email"] == "ria@example.org"
        assert storage.read_attachment(attachment.storage_name) == plain_file
        assert crypto.decrypt(attachment.name_encrypted) == b"kaart.png"
        assert staff.totp_secret(staff.find_by_email("coordinator@gemeente.example")) == secret
        app.config["ENCRYPTION_KEYS"] = old_keys
        with pytest.raises(InvalidToken):
            storage.read_attachment(attachment.storage_name)


@both_stores
def test_cli_adds_a_key_and_rotates(app, client):
    submit(client, files=[(filemakers.png_bytes(), "kaart.png")])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rotate-keys", "--new-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 values and 1 files" in result.output
    key_file = Path(app.config["DATA_DIR"]) / "encryption_keys"
    keys = key_file.read_text().split()
    assert len(keys) == 2 and keys[0] == app.config["ENCRYPTION_KEYS"][0]
    assert key_file.stat().st_mode & 0o077 == 0
    with app.app_context():
        app.config["ENCRYPTION_KEYS"] = [keys[0]]
        attachment = db.session.scalar(select(Attachment))
        assert storage.read_attachment(attachment.storage_name).startswith(b"\x89PNG")


@both_stores
def test_rotation_reencrypts_pending_uploads_and_keeps_their_age(app, client):
    """A form waiting for a correction keeps its files across a rotation, in either store."""
    from meldpunt.intake.attachments import CleanFile

    old_keys = list(app.config["ENCRYPTION_KEYS"])
    with app.app_context():
        token = storage.new_pending_token()
        kept = storage.add_pending(token, CleanFile(filemakers.png_bytes(), "image/png", "image", "kaart.png"))
        new_key = Fernet.generate_key().decode()
        app.config["ENCRYPTION_KEYS"] = [new_key, *old_keys]
        assert key_rotation.rotate_all().files == 1
        app.config["ENCRYPTION_KEYS"] = [new_key]
        assert storage.list_pending(token) == [kept]
        assert crypto.decrypt(storage.read_pending(token, kept.file_id)).startswith(b"\x89PNG")
        # Re-encrypting is no new upload: the hour still counts from the upload.
        assert storage.purge_stale_pending(datetime.now(UTC) + timedelta(minutes=61)) == 1
        assert storage.list_pending(token) == []
