"""Contact details in a text: the check behind "U koos anoniem, maar…", and the masking of
what a reporter added later before a partner reads it (unless the reporter consented).

An anonymous reporter who types their own e-mail address or phone number into
the text is asked to confirm before anything is stored. A missed number costs
anonymity; a false alarm costs one click and some trust in the warning.

Phone numbers are found by Google's libphonenumber (the ``phonenumbers``
package), which knows every country's numbering plan, in the regions our
reporters write from (the Netherlands first, then Belgium, Turkey, Poland,
Romania and Germany for numbers written the local way; anything with ``+`` or
``00`` and a country code anywhere). Only numbers that are valid in their plan
count, and not the public service numbers a report often mentions (0800 toll
free, 0900 and other shared-cost or premium lines). Before the search, the
numbers every report is full of and that a lenient reading could take for a
phone number are blanked out: dates, times, amounts and bank accounts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType, number_type

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
# No valid number in any numbering plan has fewer digits (the shortest national
# significant numbers have 4, e.g. in Germany), so a text with fewer is not searched.
_FEWEST_DIGITS = 4
# Regions whose national way of writing a number is recognised, in order of trust.
_REGIONS = ("NL", "BE", "TR", "PL", "RO", "DE")
# Lines that belong to an organisation, not a person: mentioning them identifies nobody.
_NOT_PERSONAL = frozenset({PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE,
                           PhoneNumberType.SHARED_COST, PhoneNumberType.UAN})


def find_contact_details(text: str) -> list[str]:
    """E-mail addresses and phone numbers in ``text``, as typed, for the anonymity warning."""
    if not text:
        return []
    found = [match.group(0) for match in _EMAIL.finditer(text)]
    found += find_phone_numbers(_EMAIL.sub(lambda m: " " * len(m.group(0)), text))
    return list(dict.fromkeys(found))


def find_phone_numbers(text: str) -> list[str]:
    """Personal phone numbers in ``text``, as typed, in the order they appear."""
    if sum(ch.isdigit() for ch in text) < _FEWEST_DIGITS:
        return []  # most reports: nothing a phone number could be made of
    masked = text
    for pattern in _NOT_A_PHONE:
        masked = pattern.sub(lambda m: "#" * len(m.group(0)), masked)
    spans: dict[tuple[int, int], str] = {}
    for region in _REGIONS:
        for match in PhoneNumberMatcher(masked, region, leniency=Leniency.VALID):
            if number_type(match.number) in _NOT_PERSONAL:
                continue
            if any(match.start < end and start < match.end for start, end in spans):
                continue  # already found, read the way of an earlier region
            spans[(match.start, match.end)] = text[match.start : match.end]
    return [spans[span] for span in sorted(spans)]


def mask_contact_details(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with every e-mail address and personal phone number found replaced by
    ``replace(kind)`` (kind "email" or "phone"): what a partner reads of a reporter who
    did not agree to be known."""
    if not text:
        return text
    masked = _EMAIL.sub(lambda m: replace("email"), text)
    for number in sorted(set(find_phone_numbers(masked)), key=len, reverse=True):
        masked = masked.replace(number, replace("phone"))
    return masked
