"""The "U koos anoniem, maar…" check: phone numbers as people write them, and no false alarms."""

from __future__ import annotations

import pytest

from meldpunt.intake.identifying import find_contact_details

PHONE_NUMBERS = [
    "0612345678",
    "06-12345678",
    "06 - 12 34 56 78",
    "06 1234 5678",
    "06-123 456 78",
    "06.12.34.56.78",
    "06-12-34-56-78",
    "020-1234567",
    "010 - 123 45 67",
    "(020) 123 45 67",
    "+31612345678",
    "+31 6 12345678",
    "+31 (0)6 12345678",
    "+31-6-12345678",
    "0031 20 1234567",
    "0031612345678",
    "+90 532 123 45 67",  # Turkey
    "0532 123 45 67",  # Turkey, written the local way
    "+48 512 345 678",  # Poland
    "+40 721 234 567",  # Romania
    "0471 12 34 56",  # Belgian mobile
]

NOT_PHONE_NUMBERS = [
    "Polderweg 14, 3311 AB Dordrecht",
    "postcode 1234 AB, huisnummer 5",
    "Hoofdstraat 10 - 12",
    "huisnummer 12, sinds 2019, 3 auto's",
    "nummers 10 12 14 16 en 18",
    "op 12-03-2024 om 23.00 uur",
    "op 01-02-2023 10.30 uur",
    "06-12-2023 10:30",
    "sinds 01/03/2024 elke nacht",
    "2024-03-12",
    "van 2019 tot 2023",
    "tussen 22.00 en 06.00 uur",
    "22.00-06.00",
    "06:00 - 07:30",
    "om 0.30 uur",
    "€ 1.250.000 contant",
    "1.250.000 euro",
    "€ 250,- per maand",
    "1 kilo voor 2500 euro",
    "betaalde 0,50 per stuk",
    "IBAN NL91 ABNA 0417 1643 00",
    "nl91abna0417164300",
    "kenteken 12-ABC-3",
    "KvK 12345678",
    "pand 0612 achter nummer 4",
    "bel 112 of 0800-7000 of 0900-8844",
]


@pytest.mark.parametrize("number", PHONE_NUMBERS)
def test_phone_numbers_are_found_as_typed(number):
    assert find_contact_details(f"Bel mij gerust op {number} na zessen.") == [number]


@pytest.mark.parametrize("text", NOT_PHONE_NUMBERS)
def test_ordinary_numbers_are_not_taken_for_phone_numbers(text):
    assert find_contact_details(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "mail jan@voorbeeld.nl of bel 06-12345678 / +31 20 123 4567",
            ["jan@voorbeeld.nl", "06-12345678", "+31 20 123 4567"],
        ),
        ("0612345678 0687654321", ["0612345678", "0687654321"]),
        ("0612345678, en nog eens 0612345678", ["0612345678"]),
        ("op 12-03-2024 - 06 12345678 gebeld", ["06 12345678"]),
        ("om 10.00 uur 06 12 34 56 78 gebeld", ["06 12 34 56 78"]),
        ("bel 0612345678 voor 50 euro", ["0612345678"]),
        ("huis 12 06-12345678 3 keer", ["06-12345678"]),
        ("", []),
    ],
)
def test_mixed_text(text, expected):
    assert find_contact_details(text) == expected


def test_text_with_too_few_digits_for_any_number_is_not_searched(monkeypatch):
    from meldpunt import contact_details as identifying

    def no_search(*args, **kwargs):
        raise AssertionError("searched a text that cannot hold a phone number")

    monkeypatch.setattr(identifying, "PhoneNumberMatcher", no_search)
    assert identifying.find_phone_numbers("Bij nummer 14 aan de Polderweg, 3 keer per week.") == []
    monkeypatch.undo()
    assert identifying.find_phone_numbers("Bel mij op 0612345678 als het kan.") == ["0612345678"]


def test_masking_replaces_every_contact_detail_and_keeps_the_rest():
    from meldpunt.contact_details import mask_contact_details

    masked = mask_contact_details(
        "Bel mij gerust op 06-98765432 of +31 6 12345678, mail karel@example.nl. Om 23.00 uur, "
        "huisnummer 40, groet Karel",
        lambda kind: f"[{kind}]",
    )
    assert masked == ("Bel mij gerust op [phone] of [phone], mail [email]. Om 23.00 uur, "
                      "huisnummer 40, groet Karel")
