"""The only place that looks at a client's network address.

Rate limiting needs to tell clients apart for a few minutes, nothing more. The
address is turned into a keyed hash with a salt that is replaced every hour,
so the key cannot be reversed, cannot be linked across hours, and is never
written to the database or logs. The salt lives only in memory: in this
process for the embedded setup, or in Redis (with an expiry, never on disk)
when the limiter storage is Redis, so that every worker and machine agrees on
the same key for the same client.

Behind a reverse proxy, ``MELDPUNT_TRUSTED_PROXIES`` makes the app factory apply
werkzeug's ProxyFix, so ``request.remote_addr`` is the reporter's address taken
from the proxy's X-Forwarded-For header rather than the proxy's own address
(which every reporter would share). It is used here and nowhere else.

Limit windows and salt: when the salt changes, every client gets a new key and
its counters start again from zero. A window longer than the salt's lifetime
(say "30 per day" with an hourly salt) would therefore silently be an hourly
limit. Rather than keep a key linkable for a whole day, every window must fit
within one salt lifetime: ``fitting_limits`` refuses longer ones when the
module defining the limit is imported. A rotation can still fall inside a
window and reset it once, so a client gets at most twice the limit around a
rotation — an accepted price for keys that cannot be linked across hours.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from typing import TypedDict

from flask import current_app, request
from limits import parse_many

SALT_LIFETIME_SECONDS = 3600
# How long a worker trusts its copy of the shared salt before asking Redis again.
_SHARED_SALT_CACHE_SECONDS = 60
_REDIS_SALT_KEY = "meldpunt:ratelimit-salt"


class _LocalSalt(TypedDict):
    salt: bytes
    born: float


class _SharedSalt(TypedDict):
    salt: bytes
    fetched: float


_lock = threading.Lock()
_local: _LocalSalt = {"salt": secrets.token_bytes(32), "born": time.monotonic()}
_shared: _SharedSalt = {"salt": b"", "fetched": 0.0}


def _process_salt() -> bytes:
    with _lock:
        if time.monotonic() - _local["born"] > SALT_LIFETIME_SECONDS:
            _local["salt"] = secrets.token_bytes(32)
            _local["born"] = time.monotonic()
        return _local["salt"]


def _redis_salt(url: str) -> bytes:
    with _lock:
        if _shared["salt"] and time.monotonic() - _shared["fetched"] < _SHARED_SALT_CACHE_SECONDS:
            return _shared["salt"]
    import redis

    clients = current_app.extensions.setdefault("meldpunt_redis", {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = redis.Redis.from_url(url, socket_timeout=2)
    # The first worker to ask sets the salt; it expires by itself after an hour.
    client.set(_REDIS_SALT_KEY, secrets.token_hex(32), nx=True, ex=SALT_LIFETIME_SECONDS)
    salt = client.get(_REDIS_SALT_KEY) or secrets.token_hex(32).encode()
    with _lock:
        _shared["salt"], _shared["fetched"] = salt, time.monotonic()
    return salt


def current_salt() -> bytes:
    storage = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if storage.startswith(("redis://", "rediss://")):
        return _redis_salt(storage)
    return _process_salt()


def anonymous_client_key() -> str:
    """A short-lived, salted, irreversible key for the requesting client."""
    address = (request.remote_addr or "unknown").encode()
    return hmac.new(current_salt(), address, hashlib.sha256).hexdigest()[:24]


def per_worker_warning(workers: int, storage_uri: str) -> str | None:
    """What to say at start-up when several worker processes each count on their own.

    With the in-memory storage every worker keeps its own counters, so a client whose
    requests are spread over ``workers`` processes gets up to that many times every
    limit. None when the counters are shared (Redis) or there is only one worker.
    """
    if workers <= 1 or not storage_uri.startswith("memory://"):
        return None
    return (
        f"rate limits are counted per worker: {workers} workers with the in-memory limiter storage "
        f"give a client up to {workers} times every configured limit (sign-in, reporting, follow-up). "
        "Set MELDPUNT_RATELIMIT_STORAGE_URL to a Redis URL (redis://...) so all workers count together."
    )


def fitting_limits(limits: str) -> str:
    """``limits`` unchanged, or ValueError when a window outlives the salt (see above)."""
    for item in parse_many(limits):
        if item.get_expiry() > SALT_LIFETIME_SECONDS:
            raise ValueError(
                f"rate limit {item} has a window longer than the {SALT_LIFETIME_SECONDS} s salt lifetime: "
                "its counter would be reset by every salt rotation"
            )
    return limits
