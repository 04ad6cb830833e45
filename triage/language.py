"""Language detection for the languages the meldpunt receives reports in.

The triage reads six languages (`LANGUAGES`: nl, en, pl, tr, ar, ro). It must
know the language of a report for two reasons: a report in a language it
cannot read must not be classified by accident (its words are not matched
against the lexicon, and the result is flagged for review with a low
confidence), and the explanation names the language for staff.

A small, fast detector based on function words, letters that belong to one
language and the script is enough and needs no model file; it also handles
what general detectors get wrong here: Polish, Turkish and Romanian typed
without diacritics (function words carry them) and Arabic written in Latin
letters with digits ("Arabizi": "3ando sla7"). Dutch is the default: a short
or ambiguous text is far more likely to be Dutch on a Dutch municipal form.
Another language must win clearly; an unsupported one more clearly still,
because its consequence (no automatic reading) is heavier.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain

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
        tym tutaj zawsze codziennie noca wieczorem co wieczor moze troche czasem przy przed
        zeby wiem widza widzi sprzedaje sprzedaja chlopak kobieta dziecko dzieci sasiad
        sasiadka mieszkaniu mieszkanie sklep sklepie wczoraj jutro dzis dzisiaj
        w z po jestem jestesmy mam caly cala cale calej czuc zglosic moge mozna bylo
        beda bedzie ktos cos tam teraz wszedzie kolo obok facet kolega zeby wiec bo albo
        lub takze dlaczego dzieki prosze piwnicy garazu ulicy ulica portfel zgubilem
        zgubilam""".split()
    ),
    "tr": frozenset(
        """ve bir bu icin ile cok var yok ben biz onlar ama gibi daha her gece ev evde
        adam kadin para degil olarak oldu olan sey burada orada sonra kadar butun hep
        benim bizim diye mi mu ne ki surekli insanlar dukkan calisiyor geliyor
        gidiyor komsu komsum evin evinde arabalar geceleri sabah aksam bize bana
        onun iki aydir yildir gundur beni bizi onu simdi hic abi yasinda yasindaki kahvede
        masalarinda arkada oynuyor cocuk cocuklar yarin dun bugun
        nereye lazim gun gunu ayni duruyorlar gidiyorlar ediyor yapiyor oluyor icinde
        sey bunu ona sana nasil neden nerede dakika saat kat sokak sokakta mahalle
        bildirmem bildirmek istiyorum lutfen tesekkurler biri birisi kimse hepsi
        kaybettim herkes yine kesin sanki cunku galiba belki artik zaten sadece hemen
        yapiyorlar yapiyordu yaziyorum diyor dedi dediler verdiler aldilar tuttu gordum
        duydum biliyorum bilmiyorum arabam arabamin otoparkta evimiz evimizin yerde koku""".split()
    ),
    "ro": frozenset(
        """si nu este sunt un mai pe cu ce care pentru din sau foarte aici acolo oameni
        casa bani munca lucram noi ei lor fost dar doar toti fara zi zile noapte
        nostru noastra lucreaza locuim mereu fiecare acesta aceasta asta lui ne au
        vecin vecinii poate uneori stiu sigur unde putin putina copil copii azi maine
        ieri mi raportez trebuie vreau pot fac altul spre tren toata acoperit geamul
        cineva ceva nimic acum dupa inainte cand daca sa ca cu eram vazut auzit
        miroase strada blocul apartamentul vecinul vecina multumesc rog langa noaptea
        seara dimineata gunoi camioane masina masini niste inca patronul seful aruncat
        arunca""".split()
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


# Function words of frequent Latin-script languages the triage does NOT read.
# Words shared with a supported language ("die", "in", "de", "en") are left out.
_UNSUPPORTED_WORDS: dict[str, frozenset[str]] = {
    "de": frozenset("""und ist nicht ich sie wir haben auch auf eine einen einem der das dem
        werden wird sehr sind wenn oder aber jetzt schon immer meine unsere nachbar seit
        wohnung jeden hier kann wurde gibt mich mir uns""".split()),
    "fr": frozenset("""le la les des est et je il elle nous vous ils une pour dans avec pas
        qui que sur sont mais cette mon ma mes tres aussi toujours voisin maison tous
        chaque depuis""".split()),
    "es": frozenset("""el los las y es que por con una para pero muy hay esta estan mi yo
        nosotros siempre todos cuando donde vecino casa todas cada desde""".split()),
    "vi": frozenset("""toi cua va la khong co nguoi nha rat cho nhung duoc mot cac trong
        nay ban chung ho khi""".split()),
}
# Arabic written in Latin letters: frequent words, and digits used as letters
# (3 = ain, 7 = haa, 2 = hamza, 5 = khaa, 9 = qaf) inside a word.
_ARABIZI_WORDS = frozenset("""ana enta inta enti howa hiya ahna e7na fi fih mesh mish msh bas
    wallah walla yalla 3la 3ala ma3 ely elly kaman 3shan 3ashan lazem keda dah dih
    shwaya ktir kteer wa7ed wahed inshallah habibi 3ndi 3andi 3ando 3and fein feen leh
    lesh ezay izzay bta3 momken ya3ni yani 7aga 7aja shi eh ah akhi mn kol dyal dyali
    dyalna dyalo machi wla chi ghi kayn kayna kaynin bzaf drari 3lach wach hadi hada
    daba bghit m3a rah khoya""".split())
# A word with a digit used as a letter: at least two letters, digits 2/3/5/7/9
# only ("sla7", "3ando", "l7fla"); "co2", "mp3", "a2" (a motorway) are not.
_ARABIZI_DIGIT_WORD = re.compile(r"^(?=(?:.*[a-z]){2})(?=.*[23579])[a-z23579]+$")
_NOT_ARABIZI = frozenset("co2 mp3 h2o ps5 x5 x3 mp5 a2 m2 m3 b2 c2 2de 3de 5de 2e 3e 5e".split())

# Scripts the triage cannot read -> ISO 639-1 code reported (und: undetermined).
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("zh", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("ti", re.compile(r"[\u1200-\u137f]")),  # Ethiopic: Tigrinya / Amharic
    ("und", re.compile(r"[\u0530-\u058f\u10a0-\u10ff\u0980-\u0dff\u1000-\u109f]")),
)
_UKRAINIAN = re.compile(r"[іїєґ]")
_PERSIAN = re.compile(r"[پچژگکی]")
# Vietnamese letters (never folded by normalize: see KEEP_DIACRITICS).
_VIETNAMESE = re.compile("[\u01a1\u01b0\u0111\u1ea0-\u1ef9]")

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")
_LATIN_END = "\u024f"  # the last letter of Latin Extended-B
_NON_LATIN = re.compile("[\u0370-\u058f\u0590-\u06ff\u0750-\u077f\u0900-\u0dff\u0e00-\u0e7f"
                        "\u1000-\u137f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")
_BEYOND_LATIN = re.compile(f"[^\x00-{_LATIN_END}]")
_MARKED_LETTER = re.compile("[" + "".join(_SPECIFIC_LETTERS.values()) + "".join(_SHARED_LETTERS)
                            + "]")
# word -> languages it is a function word of (one dict lookup per word).
_WORD_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _vocab in _FUNCTION_WORDS.items():
    for _word in _vocab:
        _WORD_LANGS[_word] = (*_WORD_LANGS.get(_word, ()), _lang)
# Function words of unsupported languages join the same table (words shared
# with a supported language are left out: they prove nothing).
_SHARED = set(_WORD_LANGS)
for _lang, _vocab in _UNSUPPORTED_WORDS.items():
    for _word in _vocab - _SHARED:
        _WORD_LANGS[_word] = (*_WORD_LANGS.get(_word, ()), _lang)
_NO_UNSUPPORTED = dict.fromkeys(_UNSUPPORTED_WORDS, 0.0)
# The Turkish present tense ("duruyor", "odenmiyor", "calisiyorlar"): typed
# without diacritics, a short Turkish report may hold only one or two function
# words, but its verbs end like this; no word of the other five languages does.
_TR_PROGRESSIVE = re.compile(r"\b[a-z]{2,}[iu]yor[a-z]{0,6}\b")


def supported(language: str) -> bool:
    """Whether the triage reads reports in this language."""
    return language in LANGUAGES


def detect_language(text: str, normalized_words: list[str] | None = None) -> str:
    """Return the ISO 639-1 code of the report's language (default "nl").

    One of `LANGUAGES` for a language the triage reads; another code ("vi",
    "zh", "ru", "de", "fa", "und", ...) for one it does not. Arabic written in
    Latin letters is "ar" (see `is_arabizi`). `normalized_words` (the words of
    `normalize(text)`) saves a second normalisation when the caller has them.
    """
    if not text or not text.strip():
        return "nl"
    lowered = text.lower()
    scores = dict.fromkeys(LANGUAGES, 0.0)
    ascii_only = lowered.isascii()
    # Regex searches (in C) instead of max() over every character.
    if not ascii_only and _BEYOND_LATIN.search(lowered) is not None:
        other = _other_script(lowered)  # something beyond the Latin letters: maybe another script
        if other is not None:
            return other
    if not ascii_only and (letters := _MARKED_LETTER.findall(lowered)):
        # Adding 0.0 for a letter that does not occur changes no score, so
        # only the letters found are counted (one pass over the text).
        found = Counter(letters)
        for lang, alphabet in _SPECIFIC_LETTERS.items():
            hits = sum(found[ch] for ch in alphabet)
            scores[lang] += min(hits, 6) * 1.5
        for ch, langs in _SHARED_LETTERS.items():
            hits = found[ch]
            for lang in langs:
                scores[lang] += min(hits, 6) * 0.75

    if normalized_words is None:
        normalized_words = words(normalize(text))
    scores.update(_NO_UNSUPPORTED)
    # Count function words in C (Counter over the languages of known words);
    # the scores are small multiples of 0.25, so adding counts at once gives
    # exactly the floats that adding 1.0 per word did.
    known = filter(None, map(_WORD_LANGS.get, normalized_words))
    for lang, count in Counter(chain.from_iterable(known)).items():
        scores[lang] += count
    if "yor" in lowered:
        scores["tr"] += min(len(_TR_PROGRESSIVE.findall(" ".join(normalized_words))), 4)
    if not ascii_only and _VIETNAMESE.search(lowered) is not None:
        scores["vi"] += 2.0 * min(len(_VIETNAMESE.findall(lowered)), 10)

    # Arabic in Latin letters counts with its own evidence before any verdict on
    # an unsupported language: Moroccan Darija borrows French words ("les",
    # "client"), and a report must not go unread because of them.
    # (the raw text is searched first: most reports have no digit next to a letter)
    arabizi = (arabizi_strength(normalized_words)
               if _ANY_DIGIT_LETTER.search(lowered) is not None else 0.0)
    if arabizi:
        scores["ar"] += arabizi
    best = max(LANGUAGES, key=lambda lang: (scores[lang], lang == "nl"))
    top = scores[best]
    # An unsupported language must win clearly over every supported one.
    foreign = max(_UNSUPPORTED_WORDS, key=lambda lang: scores[lang])
    if scores[foreign] >= 3.0 and scores[foreign] > 1.5 * max(top, 1.0):
        return foreign
    if top < 3.0 and arabizi:
        return "ar"
    # Another language must clearly beat Dutch: one English word in a Dutch
    # sentence ("echt een no-go") must not change the language.
    if best != "nl" and scores[best] >= 2.0 and scores[best] > 1.3 * scores["nl"]:
        return best
    return "nl"


def is_arabizi(normalized_words: list[str]) -> bool:
    """Arabic in Latin letters: at least two Arabizi words, one with a digit
    used as a letter ("sla7", "3ando")."""
    return arabizi_strength(normalized_words) > 0


def arabizi_strength(normalized_words: list[str]) -> float:
    """How many Arabizi words the text has (0 unless `is_arabizi` holds)."""
    if _ANY_DIGIT_LETTER.search(" ".join(normalized_words)) is None:
        return 0.0
    digit_words = len({w for w in normalized_words if _ARABIZI_DIGIT_WORD.match(w)
                       and w not in _NOT_ARABIZI and not _ORDINAL.match(w)})
    if not digit_words:
        return 0.0
    known = sum(1 for w in normalized_words if w in _ARABIZI_WORDS)
    if digit_words + known >= 3 and (known >= 1 or digit_words >= 3):
        return float(digit_words + known)
    return 0.0


# A letter next to a digit 2/3/5/7/9. Written to start with the digit, so the
# search skips ahead in C to the (rare) digits instead of trying two branches
# at every character.
_ANY_DIGIT_LETTER = re.compile(r"[23579](?:(?<=[a-z][23579])|(?=[a-z]))")
_ORDINAL = re.compile(r"^\d+(e|ste|de|th|st|nd|rd|x|h|m|km|min|uur|jarige?|jarigen)$")


def _other_script(lowered: str) -> str | None:
    """The code of a script the triage cannot read, when most letters are in it."""
    if _NON_LATIN.search(lowered) is None:  # typographic quotes, euro sign, emoji ...
        return None
    letters = len(_LETTER.findall(lowered))
    if not letters:
        return None
    arabic = len(_ARABIC.findall(lowered))
    if arabic / letters > 0.3:
        persian = len(_PERSIAN.findall(lowered))
        return "fa" if persian >= 3 and persian / arabic > 0.04 else "ar"
    for code, pattern in _SCRIPTS:
        found = pattern.findall(lowered)
        if found and len(found) / letters > 0.3:
            if code == "ru" and _UKRAINIAN.search(lowered):
                return "uk"
            return code
    return None
