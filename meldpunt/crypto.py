"""Encryption at rest for reporter contact details, attachments and TOTP secrets.

Two formats, told apart by their first bytes, both under the same configured keys
(``MELDPUNT_ENCRYPTION_KEY``: Fernet keys, newest first; the first encrypts, every
key decrypts, ``rotate`` re-encrypts under the newest):

- **Fernet** (AES-128-CBC + HMAC-SHA256, base64 text) for values: contact details,
  file names, TOTP secrets, the receipt in the session cookie (which must be text).
- **File format v2** (``encrypt_file``) for attachment and pending-upload contents:
  AES-256-GCM over the whole file, binary. A 20 MB photo costs a few milliseconds
  instead of Fernet's 60-70 ms (CBC, a separate HMAC pass and base64, each a full
  copy of the file), and the stored file is the photo's size plus 40 bytes instead
  of a third larger. Files written before it (Fernet tokens) still decrypt, and
  ``rotate`` turns them into the new format.

File format v2, all in one piece::

    b"\\xa5MP2"  key id (8)  nonce (12)  ciphertext  tag (16)

The header (magic, key id, nonce) is authenticated as associated data. The key id
names the configured key without revealing it, so decrypting never tries keys in
turn. The AES key is derived from the Fernet key with HKDF (its own purpose label),
so the same secret never serves two algorithms directly. A random 96-bit nonce per
file is safe far beyond the number of files a meldpunt stores under one key.

Why not a chunked (streaming) format: every file is held whole in memory anyway
(the cleaner needs all of a photo to rewrite it, a download sends the decrypted
file in one response), and the upload path already encrypts the cleaned pieces
straight into the output buffer without joining them first (``encrypt_file``
takes a list of pieces). The version in the magic leaves room for a chunked
format if downloads are ever streamed.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = [
    "InvalidToken",
    "decrypt",
    "decrypt_json",
    "encrypt",
    "encrypt_file",
    "encrypt_file_to",
    "encrypt_json",
    "is_file_format",
    "rotate",
    "rotate_file",
]

FILE_MAGIC = b"\xa5MP2"  # 0xA5 never starts a Fernet token (those are base64 text)
_KEY_ID_BYTES = 8
_NONCE_BYTES = 12
_TAG_BYTES = 16
FILE_HEADER_BYTES = len(FILE_MAGIC) + _KEY_ID_BYTES + _NONCE_BYTES
FILE_OVERHEAD_BYTES = FILE_HEADER_BYTES + _TAG_BYTES
# cryptography's update_into wants room for one block more than it writes.
_UPDATE_SLACK = 15


@dataclass(frozen=True)
class _FileKey:
    key_id: bytes
    aes_key: bytes


@dataclass(frozen=True)
class _Keys:
    fernet: MultiFernet
    files: tuple[_FileKey, ...]  # newest first

    def file_key(self, key_id: bytes) -> _FileKey:
        for key in self.files:
            if key.key_id == key_id:
                return key
        raise InvalidToken


def _derive(raw: bytes, label: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(raw)


def _file_key(fernet_key: str) -> _FileKey:
    raw = base64.urlsafe_b64decode(fernet_key.encode())
    return _FileKey(
        key_id=_derive(raw, b"meldpunt file key id v2", _KEY_ID_BYTES),
        aes_key=_derive(raw, b"meldpunt file encryption v2 (AES-256-GCM)", 32),
    )


def _keys() -> _Keys:
    keys = current_app.config["ENCRYPTION_KEYS"]
    cache = current_app.extensions.setdefault("meldpunt_fernet", {})
    cache_key = tuple(keys)
    if cache_key not in cache:
        cache.clear()
        cache[cache_key] = _Keys(
            fernet=MultiFernet([Fernet(k.encode()) for k in keys]),
            files=tuple(_file_key(k) for k in keys),
        )
    return cache[cache_key]


def encrypt(data: bytes) -> bytes:
    """A Fernet token (text-safe) for a small value."""
    return _keys().fernet.encrypt(data)


def is_file_format(token: bytes | bytearray | memoryview) -> bool:
    return bytes(token[: len(FILE_MAGIC)]) == FILE_MAGIC


Piece = bytes | bytearray | memoryview
def _pieces(parts: Piece | Sequence[Piece]) -> list[Piece]:
    return [parts] if isinstance(parts, (bytes, bytearray, memoryview)) else list(parts)


def encrypt_file(parts: Piece | Sequence[Piece]) -> bytearray:
    """File contents (one buffer, or pieces in order) in file format v2 under the newest key.

    The pieces are encrypted straight into the output, so a cleaned photo made of
    slices of the upload is never joined into one more copy first.
    """
    pieces = _pieces(parts)
    encryptor, header = _encryptor()
    out = bytearray(FILE_HEADER_BYTES + sum(len(piece) for piece in pieces) + _TAG_BYTES + _UPDATE_SLACK)
    out[:FILE_HEADER_BYTES] = header
    position = FILE_HEADER_BYTES
    with memoryview(out) as view:
        for piece in pieces:
            position += encryptor.update_into(piece, view[position:])
        encryptor.finalize()
        view[position : position + _TAG_BYTES] = encryptor.tag
    del out[position + _TAG_BYTES :]
    return out


_WRITE_STEP = 1024 * 1024


def encrypt_file_to(parts: Piece | Sequence[Piece], write: Callable[[memoryview], object]) -> int:
    """As ``encrypt_file``, handed to ``write`` in steps of 1 MB (through one reused
    buffer, so no buffer of the file's size is made); returns the number of bytes."""
    encryptor, header = _encryptor()
    buffer = bytearray(_WRITE_STEP + _UPDATE_SLACK)
    total = FILE_OVERHEAD_BYTES
    with memoryview(buffer) as out:
        write(memoryview(header))
        for piece in _pieces(parts):
            with memoryview(piece) as view, view.cast("B") as octets:
                for start in range(0, octets.nbytes, _WRITE_STEP):
                    done = encryptor.update_into(octets[start : start + _WRITE_STEP], out)
                    write(out[:done])
                    total += done
        encryptor.finalize()
        write(memoryview(encryptor.tag))
    return total


def _encryptor() -> tuple[Any, bytes]:
    """A new AES-GCM encryptor under the newest key, and the file header it authenticates."""
    key = _keys().files[0]
    nonce = os.urandom(_NONCE_BYTES)
    header = FILE_MAGIC + key.key_id + nonce
    encryptor = Cipher(algorithms.AES(key.aes_key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(header)
    return encryptor, header


def _decrypt_file(token: bytes | bytearray | memoryview, keys: _Keys) -> bytes:
    if len(token) < FILE_OVERHEAD_BYTES:
        raise InvalidToken
    with memoryview(token) as view:
        header = bytes(view[:FILE_HEADER_BYTES])
        key = keys.file_key(header[len(FILE_MAGIC) : len(FILE_MAGIC) + _KEY_ID_BYTES])
        nonce = header[-_NONCE_BYTES:]
        try:
            return AESGCM(key.aes_key).decrypt(nonce, view[FILE_HEADER_BYTES:], header)
        except InvalidTag as exc:
            raise InvalidToken from exc


def decrypt(token: bytes | bytearray | memoryview) -> bytes:
    """The plain bytes of a Fernet token or a v2 file; InvalidToken when no key opens it."""
    keys = _keys()
    if is_file_format(token):
        return _decrypt_file(token, keys)
    return keys.fernet.decrypt(bytes(token))


def rotate(token: bytes) -> bytes:
    """Re-encrypt a value's Fernet token under the newest key (no-op in meaning, new ciphertext)."""
    return _keys().fernet.rotate(token)


def rotate_file(token: bytes | bytearray | memoryview) -> bytearray:
    """Re-encrypt file contents under the newest key, in file format v2.

    A file stored before the v2 format (a Fernet token) comes out in v2 as well.
    """
    return encrypt_file(decrypt(token))


def encrypt_json(value: Any) -> bytes:
    return encrypt(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def decrypt_json(token: bytes) -> Any:
    return json.loads(decrypt(token).decode("utf-8"))
