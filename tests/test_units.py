"""Unit tests of small services: receipt codes and plain-text handling."""

from __future__ import annotations

from meldpunt.intake import receipts
from meldpunt.intake.identifying import find_contact_details
from meldpunt.plaintext import location_key, normalise_postcode, sanitise


def test_receipt_codes_are_80_bits_grouped_and_forgiving(app):
    codes = {receipts.new_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    assert len(code) == 19 and [len(g) for g in code.split("-")] == [4, 4, 4, 4]
    assert len(receipts.ALPHABET) ** receipts.CODE_LENGTH >= 2**80
    with app.app_context():
        assert receipts.hash_code(code) == receipts.hash_code(code.lower().replace("-", " "))
        looks_alike = code.replace("0", "O").replace("1", "I")
        assert receipts.hash_code(looks_alike) == receipts.hash_code(code)
        assert receipts.hash_code("not a code") is None


def test_receipt_hash_depends_on_the_secret_key(app_factory):
    one = app_factory(RECEIPT_KEY="a" * 40)
    two = app_factory(RECEIPT_KEY="b" * 40)
    with one.app_context():
        first = receipts.hash_code("K7QM-2XWD-9FHT-R4CP")
    with two.app_context():
        second = receipts.hash_code("K7QM-2XWD-9FHT-R4CP")
    assert first != second


def test_sanitise_keeps_text_and_drops_markup():
    assert sanitise("a < b & c > d") == "a < b & c > d"
    assert sanitise("<b>vet</b> <script>x()</script>") == "vet x()"
    assert sanitise("&lt;script&gt;x()&lt;/script&gt; ok") == "x() ok"
    assert sanitise("regel\r\nregel\x00\x07") == "regel\nregel"
    assert sanitise("\ud800 kapot") == "? kapot"


def test_contact_details_in_text_are_found():
    found = find_contact_details("mail jan@voorbeeld.nl of bel 06-12345678 / +31 20 123 4567")
    assert found == ["jan@voorbeeld.nl", "06-12345678", "+31 20 123 4567"]
    assert find_contact_details("huisnummer 12, sinds 2019, 3 auto's") == []


def test_places_are_normalised_for_matching():
    assert normalise_postcode("1234 ab") == ("1234AB", "1234")
    assert normalise_postcode("1234") == ("1234", "1234")
    assert normalise_postcode("abc") == (None, None)
    assert location_key("Dorpsstraat 12a, Utrecht") == ("dorpsstraat 12a", "12a")
    assert location_key("  dorpsstraat  12A ") == ("dorpsstraat 12a", "12a")
    assert location_key("Café De Hoek") == ("cafe de hoek", None)
