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
from collections.abc import Callable
from itertools import chain, count, repeat
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


# Letters that are never folded: Vietnamese horn and stroke letters and the
# stacked-diacritic block (U+1EA0..U+1EF9: "rất", "ạ", "ở"). None of the
# supported languages (nl, en, pl, tr, ro, ar) uses them, and folding them
# invents words: "rất" (very) would become the Dutch/English "rat" and match an
# extortion indicator. Left as they are, they can only match themselves.
KEEP_DIACRITICS = frozenset(
    "ơưđƠƯĐ" + "".join(chr(cp) for cp in range(0x1EA0, 0x1EFA)))
# Arabic-Indic and Persian digits are ordinary digits ("١١٢" is 112).
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}


def _build_fold_table() -> dict[int, str]:
    """One str.translate table that lower-cases nothing but removes diacritics
    from the Latin letters of the supported languages and vowel marks from
    Arabic: C speed instead of a per-character NFKD loop in Python."""
    table: dict[int, str] = dict(_DIGITS)
    # Latin-1 Supplement, Latin Extended-A/B, Arabic letters (hamza forms).
    # Latin Extended Additional (U+1E00..) is Vietnamese and Welsh: not folded.
    ranges = [(0x00C0, 0x024F), (0x0620, 0x06FF)]
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if ch in KEEP_DIACRITICS:
                continue
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
_COMBINING = re.compile("[\u0300-\u036f]")
_LATIN_ARABIC_MAX = 0x06FF
# Any character beyond the fold table's ranges (a regex search runs in C; a
# generator over the characters of a long text did not).
_BEYOND_LATIN_ARABIC = re.compile(f"[^\x00-{chr(_LATIN_ARABIC_MAX)}]")


def _strip_marks(text: str) -> str:
    """Full decomposition for characters the table does not cover, except the
    letters that must keep their marks (KEEP_DIACRITICS) and the marks that
    follow them (a decomposed "rất" stays "rất")."""
    out: list[str] = []
    keep_marks = False
    for ch in text:
        if ch in KEEP_DIACRITICS:
            out.append(ch)
            keep_marks = True
            continue
        if unicodedata.combining(ch):
            if keep_marks:
                out.append(ch)
            continue
        keep_marks = False
        decomposed = unicodedata.normalize("NFKD", ch)
        if decomposed == ch:
            out.append(ch)
            continue
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if any(c in KEEP_DIACRITICS for c in unicodedata.normalize("NFC", ch)):
            out.append(ch)
        else:
            out.append(base)
    return "".join(out)


# `_strip_marks` carries state only from a kept letter to the marks after it;
# an ASCII character ends that state, so a run of non-ASCII characters can be
# handled on its own.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_RUN_CACHE_MAX = 100_000


def _cached_per_run(fold: Callable[[str], str]) -> Callable[[re.Match[str]], str]:
    """A replacement function for `_NON_ASCII_RUN.sub` that folds each run with
    `fold`, remembering the result per run (its own cache, emptied when full)."""
    cache: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        run = match.group()
        out = cache.get(run)
        if out is None:
            if len(cache) > _RUN_CACHE_MAX:
                cache.clear()
            out = cache[run] = fold(run)
        return out

    return replace


_fold_run = _cached_per_run(lambda run: run.translate(_FOLD))
_strip_run = _cached_per_run(lambda run: _strip_marks(run).translate(_FOLD))


def normalize(text: str) -> str:
    """Lower-case, fold diacritics and spelling variants, squeeze stretched letters."""
    text = text.lower()
    if "`" in text:  # the one ASCII character the fold table changes
        text = text.replace("`", "'")
    if not text.isascii():  # every other key of the fold table is non-ASCII
        if _COMBINING.search(text) is not None:
            # Decomposed input ("a" + U+0302 + U+0301) is composed first, so a
            # letter that keeps its marks is recognised whatever the keyboard sent.
            text = unicodedata.normalize("NFC", text)
            if "`" in text:  # composing can make one (U+1FEF is a grave accent)
                text = text.replace("`", "'")
        # Folding works on each run of non-ASCII characters (mostly whole
        # words, or a lone quote or accented letter), cached per run: the
        # same output as translating the whole text, since the table maps
        # character by character and leaves ASCII alone.
        text = _NON_ASCII_RUN.sub(_fold_run, text)
        # Characters the table does not cover (rare scripts, ligatures such
        # as "ﬁ") still get the full Unicode decomposition.
        if not text.isascii() and _BEYOND_LATIN_ARABIC.search(text) is not None:
            text = _NON_ASCII_RUN.sub(_strip_run, text)
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


_CLAUSE_BREAK = re.compile(r"[.!?;:()\[\]\n,،؛؟]+")
# A word is a run of letters and digits of ONE script: Arabic letters never
# join Latin ones ("wapenسلاح" is two words), so an entry in one script can
# never match inside a word of the other.
_ARABIC_LETTERS = "\u0620-\u064a\u066e-\u06d3\u06d5\u06ee-\u06ff\u0750-\u077f"
_WORD = re.compile(rf"[{_ARABIC_LETTERS}]+|[^\W_{_ARABIC_LETTERS}]+")


def tokenize(normalized: str) -> Tokens:
    """Split normalised text into words, remembering clause boundaries."""
    # map/chain/repeat keep the loop over clauses and words in C.
    found = list(map(_WORD.findall, _CLAUSE_BREAK.split(normalized)))
    return Tokens(list(chain.from_iterable(found)),
                  list(chain.from_iterable(map(repeat, count(), map(len, found)))))


def words(normalized: str) -> list[str]:
    """Only the words (used where clause boundaries do not matter)."""
    return _WORD.findall(normalized)


# Romanian "acum" is "now", but "acum cinci ani" is "five years ago": the
# number and unit that follow turn it into a past marker.
_RO_AGO_FILLER = frozenset("""un o doi doua trei patru cinci sase sapte opt noua zece unsprezece
    doisprezece douasprezece cincisprezece douazeci treizeci cativa cateva multi multe vreo
    aproape peste mai bine de cam circa""".split())
_RO_AGO_UNIT = frozenset("an ani anul luna luni lunile saptamana saptamani zi zile".split())


def romanian_ago(tokens: Tokens) -> Tokens:
    """"acum cinci ani" -> "cinci ani in urma" (the same words as "cu ani in
    urma"): "acum" must not count as "now" when it means "ago"."""
    if "acum" not in tokens.words:
        return tokens
    words, clauses = list(tokens.words), list(tokens.clauses)
    i = 0
    while i < len(words):
        if words[i] == "acum":
            j = i + 1
            while (j < len(words) and j - i <= 4 and clauses[j] == clauses[i]
                   and (words[j] in _RO_AGO_FILLER or words[j].isdigit())):
                j += 1
            if j > i + 1 and j < len(words) and clauses[j] == clauses[i] \
                    and words[j] in _RO_AGO_UNIT:
                words[i:j + 1] = [*words[i + 1:j + 1], "in", "urma"]
                clauses[i:j + 1] = [clauses[i]] * (j - i + 2)
                i = j + 2
                continue
        i += 1
    return Tokens(words, clauses)


# Arabic "الحين" is "now", but "منذ ذلك الحين" is "since then": after a
# demonstrative it is "that time", never the present.
_AR_THAT = frozenset(("ذلك", "ذاك", "هذاك", "داك", "ديك", "دلك"))


def arabic_since_then(tokens: Tokens) -> Tokens:
    """"ذلك الحين" (that time) -> "ذلك الوقت": only a bare "الحين" is "now"."""
    if "الحين" not in tokens.words:
        return tokens
    words = list(tokens.words)
    for i in range(1, len(words)):
        if words[i] == "الحين" and words[i - 1] in _AR_THAT:
            words[i] = "الوقت"
    return Tokens(words, tokens.clauses)


# Turkish privative suffix -siz/-sız/-suz/-süz ("without"), folded to siz/suz,
# optionally followed by a copula or plural ("silahsızdı": he was unarmed).
_TR_PRIVATIVE = re.compile(r"^([a-z]{3,}?)(siz|suz)(dir|dur|di|du|lar|ler|diler|dular)?$")


def split_turkish_privative(tokens: Tokens) -> Tokens:
    """"silahsız" (unarmed) -> "silah yok": the stem must not count as an
    indicator on its own, and "yok" is a post-negation in the lexicon, so it
    cancels the stem exactly as "silah yok" would."""
    if not any(("siz" in w or "suz" in w) for w in tokens.words):
        return tokens
    out_words: list[str] = []
    out_clauses: list[int] = []
    for word, clause in zip(tokens.words, tokens.clauses, strict=True):
        m = _TR_PRIVATIVE.match(word)
        if m is None:
            out_words.append(word)
            out_clauses.append(clause)
        else:
            out_words.extend((m.group(1), "yok"))
            out_clauses.extend((clause, clause))
    return Tokens(out_words, out_clauses)
