"""Re-encrypting everything under the newest key, while the site keeps running.

Rotation without downtime works in three steps (README, "Key rotation"):
1. put the new key first in ``MELDPUNT_ENCRYPTION_KEY`` and keep the old ones
   after it, then reload the workers: they encrypt with the new key and still
   decrypt everything old;
2. run ``flask rotate-keys``: every token is re-encrypted under the new key, in
   small committed batches, files replaced atomically — it can be interrupted
   and run again;
3. remove the old key from the configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import select

from meldpunt import crypto, storage
from meldpunt.extensions import db
from meldpunt.models import Attachment, Report, StaffUser

# (model, encrypted column) pairs: every encrypted value in the database.
ENCRYPTED_COLUMNS = (
    (Report, "contact_encrypted"),
    (Attachment, "name_encrypted"),
    (StaffUser, "totp_secret_encrypted"),
)


@dataclass
class RotationSummary:
    values: int = 0
    files: int = 0


def _rotate_column(model, column: str, batch: int, summary: RotationSummary) -> None:
    attribute = getattr(model, column)
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(model).where(model.id > last_id, attribute.is_not(None)).order_by(model.id).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            setattr(row, column, crypto.rotate(getattr(row, column)))
            summary.values += 1
        last_id = rows[-1].id
        db.session.commit()


def _rotate_file(path: Path) -> None:
    """File contents (attachments, pending uploads) end up in the file format (crypto.py)."""
    storage.write_file_atomically(path, crypto.rotate_file(path.read_bytes()))


def _rotate_value_file(path: Path) -> None:
    """A value kept in a file (a pending upload's description) stays a Fernet token."""
    storage.write_file_atomically(path, crypto.rotate(path.read_bytes()))


def rotate_all(batch: int = 500) -> RotationSummary:
    summary = RotationSummary()
    for model, column in ENCRYPTED_COLUMNS:
        _rotate_column(model, column, batch, summary)
    names = db.session.scalars(select(Attachment.storage_name).order_by(Attachment.id)).all()
    folder = storage.upload_dir()
    for name in names:
        path = folder / name
        if path.exists():
            _rotate_file(path)
            summary.files += 1
    # Uploads waiting for a form correction are short-lived but encrypted all the same.
    for path in storage.pending_root().glob("*/*"):
        if path.suffix == ".bin":
            _rotate_file(path)
            summary.files += 1
        elif path.suffix == ".meta":
            _rotate_value_file(path)
            summary.files += 1
    return summary


def add_key_to_key_file() -> str:
    """For the embedded setup: put a fresh key first in the generated key file.

    Production supplies keys from its environment instead; there the operator
    edits ``MELDPUNT_ENCRYPTION_KEY`` and reloads the workers.
    """
    path = Path(current_app.config["DATA_DIR"]) / "encryption_keys"
    if not path.exists():
        raise FileNotFoundError(path)
    new_key = Fernet.generate_key().decode()
    old = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    storage.write_file_atomically(path, ("\n".join([new_key, *old]) + "\n").encode())
    current_app.config["ENCRYPTION_KEYS"] = [new_key, *old]
    return new_key
