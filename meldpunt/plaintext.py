"""Free text from reporters: cleaned to plain text, and checked for self-identification."""

from __future__ import annotations

import html
import re
import unicodedata

import bleach

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Dutch mobile and landline numbers in the ways people write them:
# 0612345678, 06-12345678, 06 1234 5678, +31 6 12345678, 0031 20 1234567, 020-1234567.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?(?:31[\s-]?)?\(?0?\)?[1-9](?:[\s-]?\d){8}(?!\d)")
_POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})?\s*$")


def sanitise(text: str | None, max_length: int | None = None) -> str:
    """Plain text only: markup removed, Unicode normalised, control characters dropped.

    Templates escape on output as well; this makes sure no markup is stored at all.
    """
    if not text:
        return ""
    # Lone surrogates cannot be stored in UTF-8 databases; replace rather than fail.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Control characters go first: the HTML parser would turn them into "?".
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"}
    )
    # Decode entities first, so markup typed as "&lt;script&gt;" is stripped like real markup.
    text = bleach.clean(html.unescape(text), tags=set(), attributes={}, strip=True, strip_comments=True)
    # bleach escapes &, < and > for HTML; we store text, so undo that escaping.
    text = html.unescape(text).strip()
    if max_length is not None:
        text = text[:max_length]
    return text


def find_contact_details(text: str) -> list[str]:
    """E-mail addresses and phone numbers in ``text``, for the anonymity warning."""
    found = _EMAIL.findall(text)
    found += [m.group(0).strip() for m in _PHONE.finditer(text)]
    return list(dict.fromkeys(found))


def normalise_postcode(value: str | None) -> tuple[str | None, str | None]:
    """``("1234AB", "1234")`` from what was typed, or ``(None, None)``."""
    if not value:
        return None, None
    match = _POSTCODE.match(value)
    if not match:
        return None, None
    digits, letters = match.group(1), (match.group(2) or "").upper()
    return (digits + letters if letters else digits), digits


def is_valid_postcode(value: str) -> bool:
    match = _POSTCODE.match(value)
    return match is not None and not match.group(1).startswith("0")


_HOUSE = re.compile(r"([^\W\d_][\w' .-]*?)\s+(\d{1,5})\s*([a-zA-Z]{0,2})\b")


def location_key(location: str | None) -> tuple[str | None, str | None]:
    """A normalised key (``"dorpsstraat 12a"``) and house number for matching places.

    Reports about the same address rarely spell it the same way; lower case,
    folded accents and collapsed spaces catch the common variations.
    """
    if not location:
        return None, None
    folded = unicodedata.normalize("NFKD", location.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub(r"[^\w\s-]", " ", folded)
    folded = re.sub(r"\s+", " ", folded).strip()
    match = _HOUSE.search(folded)
    if match:
        street = match.group(1).strip()
        number = match.group(2) + match.group(3).lower()
        return f"{street} {number}"[:120], number
    return folded[:120] or None, None
