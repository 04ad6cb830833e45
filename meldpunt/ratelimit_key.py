"""The only place that looks at a client's network address.

Rate limiting needs to tell clients apart for a few minutes, nothing more. The
address is turned into a keyed hash with a salt that lives only in this
process's memory and is replaced every hour, so the key cannot be reversed,
cannot be linked across hours, and is never written to the database or logs.
The limiter storage (memory, or Redis in production) keeps these keys only for
the length of the rate-limit window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

from flask import request

_SALT_LIFETIME_SECONDS = 3600
_lock = threading.Lock()
_salt = secrets.token_bytes(32)
_salt_born = time.monotonic()


def _current_salt() -> bytes:
    global _salt, _salt_born
    with _lock:
        if time.monotonic() - _salt_born > _SALT_LIFETIME_SECONDS:
            _salt = secrets.token_bytes(32)
            _salt_born = time.monotonic()
        return _salt


def anonymous_client_key() -> str:
    """A short-lived, salted, irreversible key for the requesting client."""
    address = (request.remote_addr or "unknown").encode()
    digest = hmac.new(_current_salt(), address, hashlib.sha256).hexdigest()
    return digest[:24]
