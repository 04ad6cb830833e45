"""Receipt codes: the reporter's only key to their report.

A code is 16 symbols of Crockford's base-32 alphabet (no I, L, O or U), which
gives 80 bits of randomness, shown in groups of four (``K7QM-2XWD-9FHT-R4CP``)
for copying by hand. Typing is forgiving: case, spaces and dashes do not matter
and the look-alikes O, I and L are read as 0, 1 and 1.

Only a keyed hash (HMAC-SHA256 with a key that is not in the database) is
stored, so a leaked database does not let anyone open a report.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from flask import current_app

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh receipt code, formatted for display."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise(code: str) -> str | None:
    """The canonical form of what a person typed, or None if it cannot be a code."""
    # NFKC turns full-width letters and digits into plain ones; digits of other scripts
    # (an Arabic phone keyboard types ٨ for 8) are read by their value.
    typed = unicodedata.normalize("NFKC", code).upper()
    cleaned = "".join(_ascii_digit(ch) for ch in typed if ch.isalnum()).translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def _ascii_digit(ch: str) -> str:
    return str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch


def hash_code(code: str) -> str | None:
    """The stored form of a code: the one place receipt codes are hashed."""
    canonical = normalise(code)
    if canonical is None:
        return None
    key = current_app.config["RECEIPT_KEY"].encode()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
