"""Contact details in a report's text: the check behind "U koos anoniem, maar…".

An anonymous reporter who types their own e-mail address or phone number into
the text is asked to confirm before anything is stored. A missed number costs
anonymity; a false alarm costs one click and some trust in the warning, so the
check looks for how people really write phone numbers (spaces, dashes with
spaces around them, dots, brackets, ``+`` or ``00`` and a country code, also
from Turkey, Poland or Belgium) while leaving alone the numbers every report
is full of: postcodes, house numbers, dates, times, amounts and bank accounts.

How: first the things that are certainly not phone numbers (dates, times,
amounts, IBANs) are blanked out; then groups of digits that are separated
only by a short run of spaces, dashes, dots or brackets are read as one
number. A number that starts with ``+`` or ``00`` is a phone number when it
has 8 to 15 digits (the international maximum); one that starts with a single
``0`` when it has 10 digits (every Dutch number, Belgian mobiles) or 11 (a
Turkish mobile written the local way). Digits glued to letters (a licence
plate, an account number) never count.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# Blanked out before the search. The look-arounds keep a dotted or dashed phone
# number ("06-12-34-56-78", "06.12.34.56.78") from being mistaken for a date or time.
_NOT_A_PHONE = [
    # 12-03-2024, 1/3/24, 12.03.2024
    re.compile(r"(?<!\d[-./])(?<!\d)\d{1,2}([-./])\d{1,2}\1(?:\d{4}|\d{2})(?![-./]?\d)"),
    # 2024-03-12
    re.compile(r"(?<![\d-])\d{4}-\d{1,2}-\d{1,2}(?![-\d])"),
    # 23.00, 6:30, 06.00 uur
    re.compile(r"(?<!\d[-./:])(?<!\d)(?:[01]?\d|2[0-3])[:.][0-5]\d(?![-./:]?\d)"),
    # € 1.250.000, EUR 500, 1.250.000 euro, 250,- euro (no spaces inside: a number next to
    # an amount must stay a number)
    re.compile(r"(?:€|\beur(?:o|os)?\b)\s*\d[\d.,']*(?:,-)?", re.IGNORECASE),
    re.compile(r"\d[\d.,']*(?:,-)?\s*(?:€|\beur(?:o|os)?\b)", re.IGNORECASE),
    # NL91 ABNA 0417 1643 00 and other IBANs
    re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", re.IGNORECASE),
]
_DIGITS = re.compile(r"\d+")
# What may stand between two digit groups of one number: "06 - 12", "(020) 123", "06.12".
_SEPARATOR = re.compile(r"[ \t./()-]{1,3}")
_INTERNATIONAL = (8, 15)
_NATIONAL = (10, 11)


def find_contact_details(text: str) -> list[str]:
    """E-mail addresses and phone numbers in ``text``, as typed, for the anonymity warning."""
    if not text:
        return []
    found = [match.group(0) for match in _EMAIL.finditer(text)]
    found += find_phone_numbers(_EMAIL.sub(lambda m: " " * len(m.group(0)), text))
    return list(dict.fromkeys(found))


def find_phone_numbers(text: str) -> list[str]:
    masked = text
    for pattern in _NOT_A_PHONE:
        masked = pattern.sub(lambda m: "#" * len(m.group(0)), masked)
    found: list[str] = []
    for run in _digit_runs(masked):
        found.extend(_numbers_in_run(text, run))
    return found


def _digit_runs(masked: str) -> list[list[re.Match[str]]]:
    """Digit groups joined by short separators, not glued to letters."""
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    for group in _DIGITS.finditer(masked):
        start, end = group.span()
        glued = (start > 0 and masked[start - 1].isalpha()) or (end < len(masked) and masked[end].isalpha())
        if glued:
            if current:
                runs.append(current)
            current = []
            continue
        if current and _SEPARATOR.fullmatch(masked[current[-1].end() : start]):
            current.append(group)
        else:
            if current:
                runs.append(current)
            current = [group]
    if current:
        runs.append(current)
    return runs


def _numbers_in_run(text: str, run: list[re.Match[str]]) -> list[str]:
    """The phone numbers in one run; a run can hold several ("0612345678 0687654321")."""
    found: list[str] = []
    i = 0
    while i < len(run):
        first = run[i]
        start = first.start()
        plus_before = text[max(0, start - 2) : start]
        plus = plus_before.endswith("+") or plus_before == "+("
        digits = first.group(0)
        international = plus or digits.startswith("00")
        if not international and not digits.startswith("0"):
            i += 1
            continue
        low, high = _INTERNATIONAL if international else _NATIONAL
        count = len(digits) - (2 if digits.startswith("00") and not plus else 0)
        j = i
        # Take groups while the number can still grow; stop at the longest length that fits.
        while j + 1 < len(run) and count + len(run[j + 1].group(0)) <= high:
            if not international and count >= low:
                break
            j += 1
            count += len(run[j].group(0))
        if low <= count <= high:
            begin = start - (0 if not plus else 1 if plus_before.endswith("+") else 2)
            if begin > 0 and text[begin - 1] == "(":
                begin -= 1
            found.append(text[begin : run[j].end()].strip())
            i = j + 1
        else:
            i += 1
    return found
