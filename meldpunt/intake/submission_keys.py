"""One-time keys that let the report form recognise being sent twice.

Every time the form is shown it carries a fresh random key (a hidden field). A
stored report keeps the SHA-256 of its key; a form that arrives with a key that
was already used — the back button after sending, a double tap, a resend on a
shared device — is answered with "already sent" and stored nothing. The key is
a nonce of the form, not of the person: it says nothing about who sent it and
exists only as part of the report it belongs to.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import exists, select

from meldpunt.extensions import db
from meldpunt.models import Report

_KEY = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


def new_key() -> str:
    return secrets.token_urlsafe(16)


def key_hash(key: str | None) -> str | None:
    """The hash to store, or None for a missing or malformed key (such a form is accepted
    as before: without JavaScript or with an old page, sending must still work)."""
    if not key or not _KEY.match(key):
        return None
    return hashlib.sha256(key.encode()).hexdigest()


def already_used(hashed: str | None) -> bool:
    if hashed is None:
        return False
    return bool(db.session.scalar(select(exists().where(Report.submission_key_hash == hashed))))
