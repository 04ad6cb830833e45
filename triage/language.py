"""Language detection for the languages the meldpunt receives reports in.

The triage only needs to know "Dutch or not" (non-Dutch reports always get a
human look) plus a code for the explanation, so a small, fast detector based
on function words and letters that belong to one language is enough and needs
no model file. Dutch is the default: a short or ambiguous text is far more
likely to be Dutch on a Dutch municipal form.
"""

from __future__ import annotations

import re

from .normalize import normalize, words

LANGUAGES: tuple[str, ...] = ("nl", "en", "pl", "tr", "ar", "ro")

# Frequent function words and report words per language, written in normalised
# form (lower case, no diacritics). Words shared between languages ("in",
# "de", "die", "na", "to") are left out on purpose: they prove nothing.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "nl": frozenset(
        """het een en van ik je is dat niet er op te zijn met voor maar ook wel naar
        al bij nog heb hebben wordt worden zij ze hij mijn onze ons deze dit daar hier
        geen om uit dan als waren zag gezien steeds elke iedere veel mensen straat
        buren woning pand achter tegenover naast sinds weken nacht komen gaan wat
        wie hun haar hem heeft had kan kunnen zou zouden weet denk lijkt vaak altijd
        nooit soms elk welke waar toen omdat of ben bent zien komt gaat doet staat
        buurman buurvrouw avond laatste tijd jaar maanden dagen auto's autos wordt""".split()
    ),
    "en": frozenset(
        """the and are was were of it that this there they he she my we our with for
        but not have has been at on from every people house street neighbour neighbor
        night smell always which who what someone some about very would could should
        because they're their them his her you your been into than when where why
        seen saw see lot lots many also just only car cars building shop business""".split()
    ),
    "pl": frozenset(
        """nie jest sie ale jak sa byl byla przez tylko bardzo ludzie pracy praca
        mieszkamy mieszka juz jeszcze oni mnie nam nas jego ich od dla oraz czy gdzie
        kiedy pieniadze szef godzin dni domu pracujemy pracuje nikt tez mamy maja
        wszyscy nasz nasze sa tego jej ktory ktora ktore sobie moj moja mojego naszym
        tym tutaj zawsze codziennie noca wieczorem""".split()
    ),
    "tr": frozenset(
        """ve bir bu icin ile cok var yok ben biz onlar ama gibi daha her gece ev evde
        adam kadin para degil olarak oldu olan sey burada orada sonra kadar butun hep
        benim bizim diye mi mu ne ki surekli insanlar dukkan calisiyor geliyor
        gidiyor komsu komsum evin evinde arabalar geceleri sabah aksam bize bana
        onun""".split()
    ),
    "ro": frozenset(
        """si nu este sunt un mai pe cu ce care pentru din sau foarte aici acolo oameni
        casa bani munca lucram noi ei lor fost dar doar toti fara zi zile noapte
        nostru noastra lucreaza locuim mereu fiecare acesta aceasta asta lui ne au
        vecin vecinii""".split()
    ),
}

# Letters (before diacritics are folded) that point at one language only.
_SPECIFIC_LETTERS: dict[str, str] = {
    "pl": "ąęśźżćńł",
    "tr": "ığ",
    "ro": "ăâțș",
}
# Letters shared by Turkish and Romanian (ş, ç, ö, ü also occur in names).
_SHARED_LETTERS = {"ş": ("tr", "ro"), "ç": ("tr",), "ţ": ("ro",)}


_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_LETTER = re.compile(r"[^\W\d_]")
# word -> languages it is a function word of (one dict lookup per word).
_WORD_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _vocab in _FUNCTION_WORDS.items():
    for _word in _vocab:
        _WORD_LANGS[_word] = (*_WORD_LANGS.get(_word, ()), _lang)


def detect_language(text: str, normalized_words: list[str] | None = None) -> str:
    """Return the ISO 639-1 code of the report's language (default "nl").

    `normalized_words` (the words of `normalize(text)`) saves a second
    normalisation when the caller already has them.
    """
    if not text or not text.strip():
        return "nl"
    lowered = text.lower()
    scores = dict.fromkeys(LANGUAGES, 0.0)
    if not lowered.isascii():
        if _ARABIC.search(lowered):
            letters = len(_LETTER.findall(lowered))
            if letters and len(_ARABIC.findall(lowered)) / letters > 0.3:
                return "ar"
        for lang, alphabet in _SPECIFIC_LETTERS.items():
            hits = sum(lowered.count(ch) for ch in alphabet)
            scores[lang] += min(hits, 6) * 1.5
        for ch, langs in _SHARED_LETTERS.items():
            hits = lowered.count(ch)
            for lang in langs:
                scores[lang] += min(hits, 6) * 0.75

    if normalized_words is None:
        normalized_words = words(normalize(text))
    for word in normalized_words:
        for lang in _WORD_LANGS.get(word, ()):
            scores[lang] += 1.0

    best = max(LANGUAGES, key=lambda lang: (scores[lang], lang == "nl"))
    # Another language must clearly beat Dutch: one English word in a Dutch
    # sentence ("echt een no-go") must not send the report to manual review.
    if best != "nl" and scores[best] >= 2.0 and scores[best] > 1.3 * scores["nl"]:
        return best
    return "nl"
