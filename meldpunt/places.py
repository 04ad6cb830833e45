"""Place keys: several normalised keys per report location, for finding related reports.

Reporters describe one place in many ways: "Kapsalon Figaro, Dorpsstraat 12",
"kapsalon figaro in Dorpsstraat", "Dorpsstr. 12", "nr 12" with the postcode in
its own field. One normalised copy of the whole field only matches when the
wording is the same, so a location is split into keys, and two reports are
candidates when they share any key (meldpunt/casework/related.py ranks them by how many):

``a:dorpsstraat 12a``
    street + house number. Abbreviations are expanded ("Dorpsstr." is
    "dorpsstraat"), articles dropped ("aan de Dorpsstraat"), and the house
    letter kept: 12 and 12a are different addresses (often a shop and the flat
    above it), so they are *not* the same key.
``p:3311ab 12a``
    six-character postcode (from the postcode field, or written in the
    location) + house number.
``w:figaro``
    one distinctive word of a name ("Kapsalon Figaro", "Figaro"). Words in the
    stop lists below never become a key: function words, words for a kind of
    building or place, and kinds of business ("kapsalon" alone says nothing
    about which one). A place name after the address ("…, Utrecht") is left
    out; related.py also ignores a word key that too many reports share.
``n:kapsalon figaro``
    the whole name of two or more words, so that the same full name counts
    twice (word and name) in the ranking.

A street without a house number ("in de Dorpsstraat") gives no key: one street
holds too many addresses. Everything here is pure string handling; the keys are
stored in ``report_place_key`` at intake (models.py) and removed by the
retention purge together with the location itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

KEY_LENGTH = 140

# Parts of a separate location description: commas, brackets, slashes, line breaks, " - ".
_SEPARATORS = re.compile(r"[,;:/()\[\]|\n\r\t]+|\s[-\u2013\u2014]\s")
# "'t Hoekje", "'s-Hertogenbosch": the clipped article is dropped; other apostrophes join ("auto's").
_CLIPPED_ARTICLE = re.compile(r"(?<![^\W_])['\u2019`]\s?[ts](?![^\W_])")
_APOSTROPHE = re.compile(r"['\u2019`]")
_TOKEN = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"^([1-9][0-9]{0,4})([a-z]{0,2})$")
_POSTCODE_JOINED = re.compile(r"^([1-9][0-9]{3})([a-z]{2})$")
_POSTCODE_DIGITS = re.compile(r"^[1-9][0-9]{3}$")
_LETTERS_2 = re.compile(r"^[a-z]{2}$")

ARTICLES = frozenset({"de", "het", "een", "t", "s", "den", "der", "des", "the"})
NUMBER_MARKERS = frozenset({"nr", "nummer", "huisnummer", "no", "num", "number"})
# Words that may stand before the street word in a street name ("Oude Gracht", "Burgemeester de Withstraat").
STREET_PREFIXES = frozenset({
    "van", "von", "ter", "ten", "oude", "nieuwe", "korte", "lange", "hoge", "lage", "grote",
    "kleine", "noord", "zuid", "oost", "west", "burgemeester", "burg", "dokter", "dr", "prins", "prinses",
    "koning", "koningin", "graaf", "gravin", "hertog", "sint", "st", "pastoor", "kapelaan", "generaal",
    "president", "professor", "prof", "mr", "meester", "jonkheer", "jhr", "ridder", "baron",
}) | ARTICLES
# Endings of Dutch street names (also the bare word: "Markt 5", "Oude Gracht 12").
STREET_ENDINGS = (
    "straat", "laan", "weg", "plein", "singel", "gracht", "kade", "dijk", "dreef", "pad", "steeg", "hof",
    "markt", "park", "plantsoen", "ring", "allee", "baan", "boulevard", "wal", "haven", "veld", "akker",
    "kamp", "brink", "dam", "plaats", "poort", "erf", "hout", "weide", "vaart", "polder", "gang",
)
ABBREVIATIONS = {"str": "straat", "ln": "laan", "pln": "plein", "sngl": "singel", "gr": "gracht"}

# Never a key on their own: function words and words people write around a place.
FUNCTION_WORDS = ARTICLES | NUMBER_MARKERS | frozenset({
    "in", "op", "aan", "bij", "naast", "achter", "voor", "tegenover", "boven", "onder", "tussen", "nabij",
    "langs", "rond", "om", "over", "uit", "met", "en", "of", "te", "ter", "ten", "tot", "na", "via", "vanaf",
    "van", "richting", "schuin", "vlakbij", "dichtbij", "ongeveer", "ergens", "hier", "daar", "waar", "er",
    "die", "dat", "dit", "deze", "zijn", "is", "zit", "zitten", "staat", "staan", "woont", "wonen", "wordt",
    "gevestigd", "bevindt", "zich", "ik", "wij", "we", "mijn", "onze", "ons", "hun", "hem", "haar", "zelfde",
    "hetzelfde", "ook", "nog", "weet", "niet", "geen", "wel", "naam", "adres", "onbekend", "ca", "circa",
    "at", "near", "behind", "next", "to", "on", "and", "or", "by", "opposite", "street", "road",
})
# Words for a kind of building or place: part of a name, never a key on their own.
PLACE_WORDS = frozenset({
    "huis", "woning", "woningen", "pand", "panden", "gebouw", "flat", "flats", "appartement", "portiek",
    "etage", "verdieping", "bovenwoning", "benedenwoning", "souterrain", "zolder", "kelder", "schuur",
    "loods", "loodsen", "hal", "garage", "garagebox", "garageboxen", "box", "boxen", "opslag", "opslagruimte",
    "bedrijfspand", "bedrijfsunit", "unit", "bedrijventerrein", "industrieterrein", "terrein", "parkeerplaats",
    "parkeergarage", "station", "haven", "jachthaven", "boerderij", "erf", "stal", "kas", "kassen", "bos",
    "veld", "weiland", "park", "vakantiepark", "camping", "chalet", "chalets", "woonwagen", "woonboot",
    "buurt", "wijk", "centrum", "dorp", "stad", "straat", "weg", "laan", "plein", "markt", "hoek", "kant",
    "zijde", "overkant", "achterkant", "voorkant", "achterom", "achteringang", "ingang", "steeg", "einde",
    "eind", "begin", "midden", "links", "rechts", "eerste", "tweede", "derde", "grote", "kleine", "oude",
    "nieuwe", "witte", "zwarte", "rode", "blauwe", "groene", "gele", "grijze", "bruine", "lege", "leegstaande",
    "buren", "buurman", "buurvrouw", "bovenburen", "onderburen", "noord", "zuid", "oost", "west", "school",
    "kerk", "moskee", "speeltuin", "sportpark", "zwembad", "bushalte", "viaduct", "tunnel", "brug", "sloot",
    "water", "kanaal", "rivier", "bosje", "akker", "fietspad", "parkeerterrein", "galerij", "manege",
    "kwekerij", "stallen", "bungalow", "caravan", "container", "keet", "kantoorpand", "winkelcentrum",
    "winkelpand", "fabriek", "werkplaats", "perceel", "kavel", "tuin", "achtertuin", "voortuin", "schuurtje",
})
# Kinds of business: they make a segment a name ("Kapsalon Figaro"), but are no key on their own.
BUSINESS_WORDS = frozenset({
    "kapsalon", "kapper", "kappers", "barbershop", "barbier", "nagelstudio", "nagelsalon", "nails",
    "schoonheidssalon", "massagesalon", "massage", "salon", "cafe", "bar", "kroeg", "restaurant", "snackbar",
    "cafetaria", "shoarma", "shoarmazaak", "pizzeria", "lunchroom", "eethuis", "grillroom", "broodjeszaak",
    "bakkerij", "bakker", "slagerij", "slager", "supermarkt", "toko", "winkel", "shop", "store", "zaak",
    "belwinkel", "telefoonwinkel", "phoneshop", "telecom", "autohandel", "autobedrijf", "garagebedrijf",
    "autoverhuur", "verhuur", "wasstraat", "autowasstraat", "carwash", "bandenhandel", "tankstation",
    "groothandel", "handel", "import", "export", "bv", "vof", "nv", "holding", "bedrijf", "firma",
    "onderneming", "uitzendbureau", "makelaar", "makelaardij", "notaris", "accountant", "administratiekantoor",
    "kantoor", "coffeeshop", "smartshop", "growshop", "headshop", "tabakszaak", "sigarenwinkel",
    "wisselkantoor", "geldwissel", "goudhandel", "juwelier", "pandjeshuis", "kringloop", "kringloopwinkel",
    "bouwbedrijf", "transportbedrijf", "transport", "logistiek", "opslagbedrijf", "club", "clubhuis",
    "sportschool", "gym", "fitness", "hotel", "pension", "hostel", "motel", "casino", "speelhal", "gokhal",
    "shisha", "shishalounge", "lounge", "sauna", "wellness", "escort", "privehuis", "seksclub", "avondwinkel",
    "nachtwinkel", "minimarkt", "slijterij", "drogisterij", "stomerij", "wasserette", "fietsenwinkel",
    "fietsenmaker", "klusbedrijf", "schoonmaakbedrijf", "bezorgdienst", "koeriersdienst", "taxibedrijf",
    "reisbureau", "geldtransfer", "money", "transfer", "exchange", "internetcafe", "belhuis", "company",
    "services", "service", "trading", "group", "international",
})
STOP_WORDS = FUNCTION_WORDS | PLACE_WORDS | BUSINESS_WORDS
# Two-letter words that follow a four-digit number without being postcode letters.
_NOT_POSTCODE_LETTERS = frozenset({"in", "op", "en", "te", "de", "of", "is", "al", "nu", "na", "zo", "ze", "we",
                                   "om", "bij", "er", "st", "nr"})


def fold(text: str) -> str:
    """Lower case, accents removed, clipped articles dropped, apostrophes joined."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _CLIPPED_ARTICLE.sub(" ", text)
    return _APOSTROPHE.sub("", text)


def _expand(token: str) -> str:
    if token in ABBREVIATIONS:
        return ABBREVIATIONS[token]
    if token.endswith("str") and len(token) > 4:
        return token + "aat"
    return token


def is_street_word(word: str) -> bool:
    return word.isalpha() and any(word.endswith(ending) for ending in STREET_ENDINGS)


@dataclass
class Place:
    """What ``parse`` read from a location: addresses, house numbers, a postcode and name words."""

    addresses: list[tuple[str, str]] = field(default_factory=list)  # (street, number) e.g. ("dorpsstraat", "12a")
    numbers: list[str] = field(default_factory=list)  # every house number, also without a street ("nr 12")
    postcode: str | None = None  # "3311ab", when written in the location
    name_words: list[str] = field(default_factory=list)  # words of a name, business words included


def _postcodes(tokens: list[str], used: set[int]) -> str | None:
    found = None
    for i, token in enumerate(tokens):
        if _POSTCODE_JOINED.match(token):
            found = found or token
            used.add(i)
        elif (
            _POSTCODE_DIGITS.match(token)
            and i + 1 < len(tokens)
            and _LETTERS_2.match(tokens[i + 1])
            and tokens[i + 1] not in _NOT_POSTCODE_LETTERS
        ):
            found = found or token + tokens[i + 1]
            used.update((i, i + 1))
    return found


def _street_before(words: list[str]) -> list[str]:
    """The street in the words just before a house number (articles left out), or nothing."""
    while words and words[-1] in NUMBER_MARKERS:
        words = words[:-1]
    if not words:
        return []
    ends = [k for k, word in enumerate(words) if is_street_word(word)]
    if ends and all(word in FUNCTION_WORDS for word in words[ends[-1] + 1 :]):
        k = ends[-1]
        start = k
        while start > 0 and words[start - 1] in STREET_PREFIXES:
            start -= 1
        return [w for w in words[start : k + 1] if w not in ARTICLES]
    # No street ending ("Vlasakker 7" has one, "Kortjakje 7" not): the last words, unless they are stop words.
    run: list[str] = []
    for word in reversed(words):
        if word in STOP_WORDS or len(run) == 3:
            break
        run.insert(0, word)
    return run


def parse(location: str | None) -> Place:
    place = Place()
    if not location:
        return place
    segments = [[_expand(t) for t in _TOKEN.findall(part)] for part in _SEPARATORS.split(fold(location))]
    segments = [tokens for tokens in segments if tokens]
    names: list[list[str]] = []  # name words per segment
    address_segment: int | None = None
    for index, tokens in enumerate(segments):
        used: set[int] = set()  # postcode, house numbers and their letters
        postcode = _postcodes(tokens, used)
        place.postcode = place.postcode or postcode
        street_at: set[int] = set()  # words of a street found by its ending
        previous_end = -1
        tail_start = None
        for i, token in enumerate(tokens):
            match = _NUMBER.match(token) if i not in used else None
            if not match:
                continue
            before = [t for j, t in enumerate(tokens) if previous_end < j < i and j not in used]
            after_postcode = (i - 1) in used and i > 0
            end = previous_end = i
            if not before and not after_postcode:
                continue  # "2e Helmersstraat": an ordinal, not a house number
            number, letters = match.group(1), match.group(2)
            used.add(i)
            if len(letters) != 1:
                letters = ""  # "12hs", "12bg": a floor, not part of the address
            if not letters and i + 1 < len(tokens) and len(tokens[i + 1]) == 1 and tokens[i + 1].isalpha():
                letters = tokens[i + 1]  # "12 a", "12-A"
                end = i + 1
            if end + 1 < len(tokens) and tokens[end + 1].isdigit() and len(tokens[end + 1]) <= 3:
                end += 1  # "12-2": the apartment number is left out
            used.update(range(i, end + 1))
            previous_end = end
            house = number + letters
            place.numbers.append(house)
            street = _street_before(before)
            if street:
                place.addresses.append((" ".join(street), house))
                address_segment = index if address_segment is None else address_segment
                tail_start = end + 1
            # The street's words are no name, whether its ending or its place identified them.
            street_at.update(j for j in range(i) if tokens[j] in street and j not in used)
        kept = [j for j in range(len(tokens)) if j not in used and j not in street_at and tokens[j].isalpha()]
        if tail_start is not None:
            # Words after the address are a place name ("Dorpsstraat 12 Utrecht"), unless they name a business.
            tail = [j for j in kept if j >= tail_start]
            if not any(tokens[j] in BUSINESS_WORDS for j in tail):
                kept = [j for j in kept if j < tail_start]
        words = [tokens[j] for j in kept]
        if postcode and not any(w in BUSINESS_WORDS for w in words):
            words = []  # "3311 AB Utrecht"
        names.append([w for w in words if not is_street_word(w) or w in BUSINESS_WORDS])
    # A short last segment without a business word is the town ("Kapsalon Figaro, Utrecht").
    last = len(names) - 1
    if last >= 1 and (address_segment is None or last > address_segment):
        words = names[last]
        if len(words) <= 2 and not any(w in BUSINESS_WORDS for w in words):
            names[last] = []
    for words in names:
        for word in words:
            if word not in FUNCTION_WORDS and word not in place.name_words:
                place.name_words.append(word)
    return place


def _distinctive(word: str) -> bool:
    return len(word) >= 3 and word not in STOP_WORDS


def keys(location: str | None, postcode: str | None = None) -> list[str]:
    """The place keys of a report (see the module docstring), without duplicates."""
    place = parse(location)
    found: list[str] = [f"a:{street} {number}" for street, number in place.addresses]
    code = (postcode or "").replace(" ", "").lower()
    if not _POSTCODE_JOINED.match(code):
        code = place.postcode or ""
    if code and place.numbers:
        found.append(f"p:{code} {place.numbers[0]}")
    words = place.name_words
    distinctive = [w for w in words if _distinctive(w)]
    found += [f"w:{w}" for w in distinctive]
    # The whole name: "kapsalon figaro", and also "cafe hoek" (a kind of business and a word).
    business = [w for w in words if w in BUSINESS_WORDS]
    if len(words) >= 2 and (distinctive or business) and len(business) < len(words):
        found.append("n:" + " ".join(words))
    return list(dict.fromkeys(k[:KEY_LENGTH] for k in found))


def key_kind(key: str) -> str:
    """``"adres"``, ``"postcode_huisnummer"`` or ``"naam"`` for a stored key."""
    return {"a": "adres", "p": "postcode_huisnummer"}.get(key[:1], "naam")


def is_name_key(key: str) -> bool:
    return key[:2] in ("w:", "n:")
