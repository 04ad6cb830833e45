"""Normalisation, tokenisation and language detection."""

from __future__ import annotations

import pytest

from triage import detect_language
from triage.normalize import normalize, tokenize


class TestNormalize:
    def test_case_and_diacritics(self):
        assert normalize("Café HÉT Çalıntı broń") == "cafe het calinti bron"

    def test_apostrophes_inside_words(self):
        assert normalize("auto's en boa’s en foto`s") == "autos en boas en fotos"

    def test_stretched_letters_but_not_numbers(self):
        assert normalize("heeeeel veel, 1000 euro") == "heel veel, 1000 euro"

    def test_arabic_spelling_variants(self):
        assert normalize("أسلحة") == normalize("اسلحه")

    def test_tokens_and_clauses(self):
        tokens = tokenize(normalize("Geen wiet, maar hennep! Echt."))
        assert tokens.words == ["geen", "wiet", "maar", "hennep", "echt"]
        assert tokens.clauses[0] == tokens.clauses[1] != tokens.clauses[2]
        assert tokens.clauses[3] != tokens.clauses[4]


@pytest.mark.parametrize("text, language", [
    ("Bij de buren ruikt het al weken naar wiet en de ramen zijn afgeplakt.", "nl"),
    ("There is a strong smell of weed from the house and the windows are covered.", "en"),
    ("Pracujemy po dwanaście godzin, szef zabrał nam paszporty i nie płaci.", "pl"),
    ("Patron iki aydır maaşımızı ödemedi ve pasaportlarımızı aldı.", "tr"),
    ("صاحب العمل أخذ جوازات سفرنا ولم يدفع لنا الراتب", "ar"),
    ("Șeful ne-a luat pașapoartele și nu ne plătește de trei luni.", "ro"),
])
def test_detects_the_report_languages(text, language):
    assert detect_language(text) == language


def test_short_or_mixed_text_defaults_to_dutch():
    assert detect_language("ok") == "nl"
    assert detect_language("") == "nl"
    assert detect_language("Ik vind dit echt een no-go, de buurman dealt") == "nl"
