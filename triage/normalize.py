"""Text normalisation and tokenisation shared by the lexicon, the language
detector and the statistical model.

Everything that looks at report text goes through `normalize` first, so a
lexicon entry written as "gokautomaat" also matches "Gok-automaat" or
"GOKAUTOMAAT", and an entry written with diacritics ("broń", "çalıntı")
matches text typed on a keyboard without them. The training code uses the
same functions, so the model never sees text the classifier would not produce.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Characters NFKD does not decompose but reporters type with or without the
# diacritic (Polish ł, Turkish dotless ı, Scandinavian ø ...).
_EXTRA_FOLD = str.maketrans(
    {
        "ł": "l",
        "ı": "i",
        "ø": "o",
        "đ": "d",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        # Arabic: unify spelling variants that writers mix freely.
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ـ": "",  # tatweel (decorative elongation)
        # Typographic apostrophes and quotes.
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
    }
)

# "auto's", "boa's", "don't": drop the apostrophe so the word stays one token.
_APOSTROPHE_IN_WORD = re.compile(r"(?<=\w)'(?=\w)")
# "heeeeel", "stinkttt": reporters stretch words; two of a letter is enough
# (letters only: "1000 euro" must stay a thousand).
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
_TRIPLE = re.compile(r"(.)\1\1", re.DOTALL)
# A token is a run of letters/digits; punctuation such as . , ; ? closes a
# clause, which limits how far a negation such as "geen" reaches.


def _build_fold_table() -> dict[int, str]:
    """One str.translate table that lower-cases nothing but removes diacritics
    from Latin letters and vowel marks from Arabic: C speed instead of a
    per-character NFKD loop in Python."""
    table: dict[int, str] = {}
    # Latin-1 Supplement, Latin Extended-A/B, Arabic letters (hamza forms),
    # Latin Extended Additional.
    ranges = [(0x00C0, 0x024F), (0x0620, 0x06FF), (0x1E00, 0x1EFF)]
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            stripped = "".join(c for c in unicodedata.normalize("NFKD", ch)
                               if not unicodedata.combining(c))
            if stripped != ch:
                table[cp] = stripped
    for cp in range(0x0300, 0x0370):  # combining diacritical marks
        table[cp] = ""
    for cp in [*range(0x064B, 0x0660), 0x0670]:  # Arabic harakat, superscript alef
        table[cp] = ""
    for key, value in _EXTRA_FOLD.items():
        table[key] = value
    return table


_FOLD = _build_fold_table()
_LATIN_ARABIC_MAX = 0x06FF


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower-case, fold diacritics and spelling variants, squeeze stretched letters."""
    text = text.lower()
    if "`" in text:  # the one ASCII character the fold table changes
        text = text.replace("`", "'")
    if not text.isascii():  # every other key of the fold table is non-ASCII
        text = text.translate(_FOLD)
        # Characters the table does not cover (rare scripts, ligatures such
        # as "ﬁ") still get the full Unicode decomposition.
        if not text.isascii() and any(ord(ch) > _LATIN_ARABIC_MAX for ch in text):
            text = _strip_marks(text).translate(_FOLD)
    if "'" in text:
        text = _APOSTROPHE_IN_WORD.sub("", text)
    # The cheap pattern finds every stretch candidate (and a few others such
    # as "..." or "000"); the exact substitution only runs when it matches.
    if _TRIPLE.search(text) is None:
        return text
    return _STRETCHED.sub(r"\1\1", text)


class Tokens(NamedTuple):
    """Words of a normalised text plus, per word, the index of its clause."""

    words: list[str]
    clauses: list[int]


_CLAUSE_BREAK = re.compile(r"[.!?;:()\[\]\n,]+")
_WORD = re.compile(r"[^\W_]+")


def tokenize(normalized: str) -> Tokens:
    """Split normalised text into words, remembering clause boundaries."""
    words: list[str] = []
    clauses: list[int] = []
    for number, clause in enumerate(_CLAUSE_BREAK.split(normalized)):
        found = _WORD.findall(clause)
        if found:
            words.extend(found)
            clauses.extend([number] * len(found))
    return Tokens(words, clauses)


def words(normalized: str) -> list[str]:
    """Only the words (used where clause boundaries do not matter)."""
    return _WORD.findall(normalized)
