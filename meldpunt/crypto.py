"""Encryption at rest for reporter contact details, attachments and TOTP secrets.

Fernet (AES-128-CBC + HMAC-SHA256) from the ``cryptography`` package, through a
``MultiFernet`` so keys can rotate: the first configured key encrypts, every
configured key decrypts, and ``rotate`` re-encrypts a token under the newest key.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

__all__ = ["InvalidToken", "decrypt", "decrypt_json", "encrypt", "encrypt_json", "rotate"]


def _fernet() -> MultiFernet:
    keys = current_app.config["ENCRYPTION_KEYS"]
    cache = current_app.extensions.setdefault("meldpunt_fernet", {})
    cache_key = tuple(keys)
    if cache_key not in cache:
        cache.clear()
        cache[cache_key] = MultiFernet([Fernet(k.encode()) for k in keys])
    return cache[cache_key]


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def rotate(token: bytes) -> bytes:
    """Re-encrypt ``token`` under the newest key (no-op in meaning, new ciphertext)."""
    return _fernet().rotate(token)


def encrypt_json(value: Any) -> bytes:
    return encrypt(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def decrypt_json(token: bytes) -> Any:
    return json.loads(decrypt(token).decode("utf-8"))
