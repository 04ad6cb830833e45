"""Short reports typed without diacritics are read as their own language, and
Moroccan Arabizi that borrows French words is never taken for French (a report
in a language the triage does not read is not read at all)."""

from __future__ import annotations

import pytest

from triage.language import detect_language


@pytest.mark.parametrize("lang, text", [
    ("pl", "zgubilem portfel w tramwaju, gdzie moge to zglosic"),
    ("pl", "caly garaz w folii, czuc trawke na ulicy"),
    ("tr", "cantami kaybettim otobuste, nereye bildirmem lazim"),
    ("tr", "her gun ayni araba geliyor, 5 dakika duruyorlar"),
    ("ro", "geamul de la pivnita e acoperit cu folie, miroase ciudat"),
    ("ro", "unde raportez daca vecinul vinde ceva dubios"),
    ("ar", "kayn wa7d garage f lhay, 3ando bzaf tonobilat luxe walakin ma kayn hta client, les voitures"),
])
def test_short_reports_without_diacritics(lang, text):
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", [
    "Bij de buren ruikt het naar wiet en de ramen zijn afgeplakt.",
    "Ik zie elke dag dezelfde auto bij de snackbar stoppen, z'n motor blijft draaien.",
])
def test_dutch_stays_dutch(text):
    assert detect_language(text) == "nl"


def test_french_is_still_not_read():
    assert detect_language("Mon voisin vend des choses dans la cour, je ne sais pas pour qui "
                           "et il est toujours avec des amis.") == "fr"
