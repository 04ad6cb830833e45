"""Words a frightened reporter can trust, in every language (issue 19).

- Promises: every reporter-facing sentence that says something about anonymity or what
  we store is on a reviewed list, backed by the privacy page (or SECURITY.md), and no
  page claims more ("anonymous reporting is safe", "and that stays so").
- Glossary: the receipt code has one name per language, on every page; the professionals'
  protocol (Meldcode huiselijk geweld en kindermishandeling) and the error reference
  (kenmerk) are never called by it; the meldpunt has one English name.
- Plain language: no jargon without an explanation, short sentences in the Dutch source.
- Grammar checks for what native readers noticed (Arabic, Turkish, English dates).
- The exploitation advice speaks to the exploited worker too.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import render_template, session

import triage
from tests.test_translations import extract, load

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["en", "pl", "ro", "tr", "ar"]
PAGES = ["/", "/melden", "/opvolgen", "/privacy", "/toegankelijkheid", "/resultaten"]


@pytest.fixture(scope="module")
def reporter_ids(tmp_path_factory) -> set[str]:
    return extract("babel-reporter.cfg", tmp_path_factory.mktemp("pot"))


@pytest.fixture(scope="module")
def catalogues() -> dict:
    """Per language: msgid (the singular for plurals) -> the translation (plural forms joined)."""
    found: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        found[language] = {}
        for message in load(language):
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found[language][key] = " ".join(strings)
    return found


def translate(catalogues: dict, language: str, msgid: str) -> str:
    return msgid if language == "nl" else catalogues[language][msgid]


def page_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for element in soup(["script", "style", "textarea", "option", "title"]):
        element.decompose()
    return " ".join(soup.body.get_text("").split())


def privacy_msgids() -> set[str]:
    source = (ROOT / "templates" / "public" / "privacy.html").read_text(encoding="utf-8")
    return {" ".join(m.split()) for m in re.findall(r"{% trans[^%]*%}(.*?){% (?:endtrans|pluralize) %}", source, re.S)}


# ---------------------------------------------------------------------------------------
# Promises (item 2)
# ---------------------------------------------------------------------------------------

# A sentence "talks about anonymity or what we keep" when it matches this.
CLAIM = re.compile(
    r"anoniem|wie u bent|IP-adres|apparaat|versleutel|herken|uw naam|cameragegevens|afleiden wie",
    re.IGNORECASE,
)
# Sentences about other organisations' anonymity (their promise, not ours).
OTHERS = re.compile(r"Meld Misdaad Anoniem|Kindertelefoon|verslavingszorg|aangifte onder nummer")
SECURITY = (ROOT / "SECURITY.md").read_text(encoding="utf-8")

# Privacy-page sentences that back the promises below.
P_INTRO = (
    "U kunt bij dit meldpunt anoniem melden. Wij gaan zorgvuldig om met alles wat u ons vertelt. Op deze "
    "pagina leest u wat wij bewaren, wie uw melding ziet, hoe lang wij die bewaren en welke rechten u heeft."
)
P_IP = "Uw IP-adres. Dat is het adres van uw internetverbinding."
P_DEVICE = "Gegevens over uw browser, telefoon of computer."
P_PHOTO = (
    "In een foto zit vaak informatie die u niet ziet, zoals de plek waar de foto is gemaakt, de datum en het "
    "soort telefoon. Die informatie halen wij er automatisch uit, voordat de foto wordt opgeslagen."
)
P_ENCRYPTED = (
    "Uw naam, telefoonnummer en e-mailadres en de bijlagen slaan wij versleuteld op. Zonder de juiste "
    "sleutel kan niemand ze lezen."
)
P_READABLE = (
    "De tekst van uw melding, de plek en de postcode, en de berichten die u later stuurt, slaan wij niet "
    "versleuteld op. De medewerkers van het meldpunt moeten die kunnen lezen en doorzoeken. Wilt u anoniem "
    "blijven? Schrijf dan in de tekst niets waaraan iemand u kan herkennen."
)
P_STAFF = "Medewerkers van de gemeente die hiervoor zijn opgeleid. Alleen zij kunnen meldingen lezen."
P_PARTNER = "Uw naam en contactgegevens geven wij niet aan een partner, tenzij u daar ja op heeft gezegd."
P_ANONYMOUS = (
    "Heeft u anoniem gemeld? Dan regelt u dit met uw meldcode. Wij weten dan niet wie u bent, en wij vragen "
    "daar ook niet naar."
)

# Every reporter-facing promise outside the privacy page, with what backs it: privacy-page
# sentences, or a phrase of SECURITY.md (the threat model).
PROMISES: dict[str, list[str]] = {
    "Ziet u iets wat niet klopt? Bijvoorbeeld een woning waar wiet wordt gekweekt, een winkel die nooit "
    "klanten heeft maar toch open blijft, of mensen die worden uitgebuit? Meld het bij de gemeente. Dat kan "
    "anoniem.": [P_INTRO],
    "U kunt anoniem melden. Wij bewaren geen IP-adres en uit foto's halen wij locatie- en cameragegevens "
    "weg.": [P_IP, P_PHOTO],
    "U kunt anoniem melden. Wij bewaren geen IP-adres en geen gegevens over uw apparaat. Na het versturen "
    "krijgt u een meldcode. Daarmee kunt u later zien wat er met uw melding gebeurt, vragen beantwoorden en "
    "iets toevoegen.": [P_IP, P_DEVICE],
    "Als u anoniem meldt, weten wij niet wie u bent. Schrijf dan niets op waaraan iemand u kan herkennen, "
    "zoals uw huisnummer, uw werk of wie u bent voor de mensen om wie het gaat. Met contactgegevens kunnen "
    "wij u bellen of mailen als we een vraag hebben.": [P_READABLE, P_ANONYMOUS],
    "Alleen invullen als u niet anoniem meldt. Wij versleutelen uw gegevens. Alleen de medewerkers van het "
    "meldpunt kunnen ze zien, en een partner alleen als u daar hieronder ja op zegt.": [
        P_ENCRYPTED, P_STAFF, P_PARTNER
    ],
    "Als u nee kiest, geven wij alleen de melding door, zonder uw naam.": [P_PARTNER],
    "Foto's, PDF's, video's (MP4, MOV) of tekstbestanden. Hooguit %(n)d bestanden, elk hooguit %(mb)d MB en "
    "samen hooguit %(total)d MB. Wij halen locatie- en cameragegevens uit foto's en video's weg.": [
        P_PHOTO, "Videos are re-muxed by ffmpeg"
    ],
    "Heeft u anoniem gemeld? Dan geven wij nooit door wie u bent, want dat weten wij niet. Heeft u uw "
    "gegevens gegeven, dan geven wij die alleen door als u daar ja op zei.": [P_ANONYMOUS, P_PARTNER],
    "Een melding over witwassen wordt vaak samen met andere diensten bekeken, zoals de politie en de "
    "Belastingdienst. Zij krijgen uw naam alleen als u daar ja op heeft gezegd.": [P_PARTNER],
    "Uw meldcode wordt maar één keer getoond, zodat niemand anders hem later op dit apparaat kan "
    "terugvinden.": ["the receipt code is shown once"],
    "Op dit apparaat kunt u deze pagina nog %(minutes)d minuten opnieuw openen. Heeft u de code bewaard? "
    "Druk dan op de knop: daarna kan niemand de code hier nog zien.": ["until the\n  reporter presses"],
    "Wij tonen alleen opgetelde aantallen. Kleine groepen tellen we samen op, en een verdeling van weinig "
    "meldingen tonen we niet. Zo kan niemand uit deze cijfers afleiden wie er heeft gemeld of waarover "
    "precies.": ["Statistics cannot single out a reporter"],
    "Kleine groepen tellen we samen op, zodat niemand een melder kan herkennen.": [
        "Statistics cannot single out a reporter"
    ],
}
# Sentences that mention anonymity or recognisability but promise nothing (questions,
# warnings, choices); reviewed like the promises.
NOT_PROMISES = {
    "Wilt u anoniem melden?",
    "Ja, ik meld anoniem",
    "U koos anoniem, maar…",
    "In uw tekst staat iets wat u herkenbaar kan maken:",
    "Is dit uw eigen e-mailadres of telefoonnummer? Haal het dan weg uit de tekst als u anoniem wilt blijven. "
    "Gaat het om iemand anders, dan kunt u de melding zo versturen.",
    "Schrijf geen gegevens waaraan iemand u kan herkennen, tenzij u dat zelf wilt.",
    "Anoniem",
    "Anoniem of met naam",
    "Mogen wij uw naam en contactgegevens doorgeven aan de politie of een andere partner?",
    "U koos voor melden met contactgegevens. Vul een e-mailadres of telefoonnummer in, of kies voor anoniem "
    "melden.",
    # The choice when contact fields were filled in after choosing anonymous (the outside test).
    "U koos anoniem, maar u vulde ook contactgegevens in:",
    "Wilt u anoniem blijven? Dan sturen wij deze gegevens niet mee. U kunt ook melden met deze gegevens.",
    "Anoniem melden, zonder deze gegevens",
}
# Claims no page may make, in any language: anonymity as a guarantee.
OVERCLAIMS = {
    "nl": r"\bis veilig\b|volledig anoniem|100 ?%|dat blijft zo|onherkenbaar|altijd anoniem|geen enkel risico",
    "en": r"\bis safe\b|fully anonymous|completely anonymous|stays that way|no risk",
    "pl": r"jest bezpieczn|całkowicie anonimow|i tak zostanie",
    "ro": r"este sigură|complet anonim|așa rămâne",
    "tr": r"güvenlidir|tamamen isimsiz|böyle kalır",
    "ar": r"آمن:|سيبقى الأمر كذلك|مجهول تمامًا",
}


def claims(reporter_ids: set[str]) -> set[str]:
    on_privacy_page = privacy_msgids()
    return {
        i for i in reporter_ids
        if CLAIM.search(i) and not OTHERS.search(i) and " ".join(i.split()) not in on_privacy_page
    }


def test_every_promise_outside_the_privacy_page_is_reviewed(reporter_ids):
    unreviewed = sorted(claims(reporter_ids) - set(PROMISES) - NOT_PROMISES)
    assert unreviewed == [], "a new promise about anonymity: check it against the privacy page, add it here"
    assert set(PROMISES) | NOT_PROMISES <= reporter_ids, sorted((set(PROMISES) | NOT_PROMISES) - reporter_ids)


def test_every_promise_is_backed_by_the_privacy_page_or_the_threat_model():
    on_privacy_page = privacy_msgids()
    for promise, backing in PROMISES.items():
        for sentence in backing:
            assert sentence in on_privacy_page or sentence in SECURITY, (promise, sentence)


@pytest.mark.parametrize("language", ["nl", *LANGUAGES])
def test_no_page_promises_more_than_the_privacy_page(reporter_ids, catalogues, language):
    overclaim = re.compile(OVERCLAIMS[language], re.IGNORECASE)
    for msgid in claims(reporter_ids) | (privacy_msgids() & reporter_ids):
        text = translate(catalogues, language, msgid)
        assert not overclaim.search(text), (language, text)


@pytest.mark.parametrize("language", ["nl", *LANGUAGES])
def test_the_privacy_page_states_what_the_promises_rest_on(client, catalogues, language):
    client.get(f"/taal/{language}?next=/")
    text = page_text(client.get("/privacy").get_data(as_text=True))
    backing = {s for sentences in PROMISES.values() for s in sentences if s in privacy_msgids()}
    for sentence in backing:
        assert " ".join(translate(catalogues, language, sentence).split()) in text, (language, sentence)


# ---------------------------------------------------------------------------------------
# Glossary (item 4): one name for the receipt code per language
# ---------------------------------------------------------------------------------------

PROTOCOL = "Meldcode huiselijk geweld en kindermishandeling"
RECEIPT_CODE = {
    "nl": r"meldcode",
    "en": r"report code",
    "pl": r"kod\w* zgłoszenia",
    "ro": r"cod\w*( dumneavoastră)? de sesizare",
    "tr": r"ihbar kod",
    "ar": r"رمز البلاغ",
}
# Other names a translator might reach for: never used for the receipt code.
NOT_THE_NAME = {
    "nl": r"volgcode|ontvangstcode|inlogcode",
    "en": r"receipt code|reporting code|tracking code|follow-up code|reference code",
    "pl": r"kod śledzenia|kod dostępu|numer zgłoszenia",
    "ro": r"cod de urmărire|codul de raportare|cod de acces",
    "tr": r"takip kodu|başvuru kodu|erişim kodu",
    "ar": r"رمز المتابعة|رمز التتبع|كود",
}


def receipt_code_ids(reporter_ids: set[str]) -> set[str]:
    return {i for i in reporter_ids if re.search("meldcode", i.replace(PROTOCOL, ""), re.IGNORECASE)}


def test_the_protocol_is_always_named_in_full_as_a_proper_name(reporter_ids):
    """Dutch uses "meldcode" for the reporter's code; the professionals' protocol is always
    "Meldcode huiselijk geweld en kindermishandeling", capitalised, never plain "meldcode"."""
    for msgid in reporter_ids:
        assert "meldcode huiselijk" not in msgid, msgid
        if "Meldcode huiselijk" in msgid:
            assert PROTOCOL in msgid, msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_receipt_code_has_one_name_in_every_string(reporter_ids, catalogues, language):
    name = re.compile(RECEIPT_CODE[language], re.IGNORECASE)
    other = re.compile(NOT_THE_NAME[language], re.IGNORECASE)
    ids = receipt_code_ids(reporter_ids)
    assert len(ids) >= 10
    for msgid in ids:
        assert name.search(catalogues[language][msgid]), (language, msgid)
    for msgid in reporter_ids:
        text = catalogues[language][msgid]
        assert not other.search(text), (language, text)
        if PROTOCOL in msgid or msgid.startswith("Kenmerk") or "kenmerk %(ref)s" in msgid:
            # The protocol and the error reference are something else: never the receipt code's name.
            assert not name.search(text), (language, text)


@pytest.mark.parametrize("language", ["nl", *LANGUAGES])
def test_the_receipt_code_has_the_same_name_on_every_page(app, client, catalogues, language):
    """Every page that speaks of the code (in Dutch) uses the language's one name for it."""
    name = re.compile(RECEIPT_CODE[language], re.IGNORECASE)
    client.get(f"/taal/{language}?next=/")
    pages = {path: client.get(path).get_data(as_text=True) for path in PAGES}
    with app.test_request_context("/melden/bedankt"):
        session["lang"] = language
        receipt = {"code": "K7QM-2XWD-9FHT-R4CP", "theme": "hennep", "reporter_type": "bewoner", "urgency": "normaal"}
        pages["bedankt"] = render_template(
            "public/thanks.html", receipt=receipt, advice_template="public/perspectief/hennep.html"
        )
        pages["al getoond"] = render_template("public/thanks_gone.html")
    mentioning = 0
    for where, html in pages.items():
        text = page_text(html).replace(PROTOCOL, "")
        if where in ("/resultaten", "/toegankelijkheid"):
            continue  # these pages do not speak of the code
        mentioning += 1
        assert name.search(text), (language, where)
    assert mentioning == len(pages) - 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_name_for_the_meldpunt_and_no_snitches(catalogues, language):
    for text in catalogues[language].values():
        if language == "en":
            assert "reporting point" not in text.lower(), text
        if language == "tr":
            # "muhbir" is an informer, a snitch: a whistleblower is a "bilgi uçuran".
            assert "muhbir" not in text.lower(), text


# ---------------------------------------------------------------------------------------
# Plain Dutch (item 6) and the explanation of ondermijning (item 4)
# ---------------------------------------------------------------------------------------

# Words a B1 reader does not know: allowed only as the name in brackets after a plain one.
JARGON = [
    "meldroute", "signaleringsroute", "aansprakelijk", "ongebruikelijke transacties", "benadeling",
    "Algemene verordening gegevensbescherming", "Blijkt er meer aan de hand, dan",
    "Daarvan leidde tot",
]
NAMED_IN_BRACKETS = ["functionaris gegevensbescherming", "aandachtsfunctionaris"]
EXPLANATION = (
    "Ondermijning betekent: criminelen gebruiken gewone woningen, bedrijven of mensen voor hun misdaad, "
    "bijvoorbeeld om drugs te maken, geld wit te wassen of mensen uit te buiten."
)


def test_no_jargon_without_a_plain_word_first(reporter_ids):
    for msgid in reporter_ids:
        for word in JARGON:
            assert word.lower() not in msgid.lower(), (word, msgid)
        for word in NAMED_IN_BRACKETS:
            if word in msgid:
                assert re.search(rf"\((de )?{word}\)", msgid), (word, msgid)


def test_dutch_sentences_stay_short(reporter_ids):
    for msgid in reporter_ids:
        for sentence in re.split(r"(?<=[.?!:])\s+", msgid):
            assert len(sentence.split()) <= 27, sentence


@pytest.mark.parametrize("language", ["nl", *LANGUAGES])
def test_home_and_form_say_what_ondermijning_is(client, catalogues, language):
    client.get(f"/taal/{language}?next=/")
    for path in ("/", "/melden"):
        text = page_text(client.get(path).get_data(as_text=True))
        assert translate(catalogues, language, EXPLANATION) in text, (language, path)
    if language != "nl":
        assert "ondermijning" in catalogues[language][EXPLANATION]  # the Dutch word, explained


# ---------------------------------------------------------------------------------------
# Grammar native readers noticed (item 5)
# ---------------------------------------------------------------------------------------


def test_arabic_questions_and_dual_numbers(app, catalogues):
    for text in catalogues["ar"].values():
        assert "هل لا" not in text, text
    from meldpunt.stats.display import duration_text

    with app.test_request_context("/"):
        session["lang"] = "ar"
        # The dual is a number by itself: "يومان" is "two days"; never "2 يومان".
        assert duration_text(2) == "ساعتان"
        assert duration_text(50) == "يومان"
        assert duration_text(24 * 7 * 10) == "10 أسابيع"
        assert duration_text(1) == "ساعة واحدة"


def test_romanian_consent_does_not_point_at_a_missing_question(catalogues):
    for text in catalogues["ro"].values():
        assert "la această întrebare" not in text, text
        assert "ștergeți-l din text" not in text, text


def test_polish_form_labels_speak_to_the_reader(catalogues):
    label = catalogues["pl"]["Wat heeft u gezien of gehoord?"]
    assert "było widać" not in label and "było słychać" not in label


def test_english_dates_are_british(app, client):
    from meldpunt.formatting import format_date_local, format_datetime_local

    with app.test_request_context("/"):
        session["lang"] = "en"
        # One short format everywhere (issue 15), in British order: day, month, year.
        assert str(format_date_local(datetime(2026, 12, 7, 10, tzinfo=UTC))) == "<bdi>7 Dec 2026</bdi>"
        assert "7 Dec 2026" in str(format_datetime_local(datetime(2026, 12, 7, 10, tzinfo=UTC)))
    with app.test_request_context("/"):
        session["lang"] = "nl"
        assert str(format_date_local(date(2026, 12, 7))) == "<bdi>7 dec 2026</bdi>"
    client.get("/taal/en?next=/")
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    assert page.html["lang"] == "en"  # the language, not the formatting locale (en_GB)
    assert page.select_one('.language-switch a[hreflang="en"]').has_attr("aria-current")


# ---------------------------------------------------------------------------------------
# Advice for the people it is about (item 7)
# ---------------------------------------------------------------------------------------

SELF_HELP = [
    "Gaat het om uzelf?",
    "Bel de Nederlandse Arbeidsinspectie: 0800-5151. U kunt daar zelf melden, in verschillende talen.",
    "FairWork helpt werknemers die worden uitgebuit, gratis en in hun eigen taal. Kijk op fairwork.nu.",
    "CoMensha helpt slachtoffers van mensenhandel en uitbuiting aan opvang en hulp: 033-448 11 86.",
]


@pytest.mark.parametrize("language", ["nl", *LANGUAGES])
@pytest.mark.parametrize("theme", ["arbeidsuitbuiting", "mensenhandel"])
def test_exploitation_advice_tells_the_worker_what_they_can_do(app, catalogues, language, theme):
    assert theme in triage.THEMES
    with app.test_request_context("/melden/bedankt"):
        session["lang"] = language
        receipt = {"code": "K7QM-2XWD-9FHT-R4CP", "theme": theme, "reporter_type": "bewoner", "urgency": "normaal"}
        advice = f"public/perspectief/{theme}.html"
        html = render_template("public/thanks.html", receipt=receipt, advice_template=advice)
    text = page_text(html)
    for sentence in SELF_HELP:
        assert translate(catalogues, language, sentence) in text, (language, theme, sentence)
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one('a[href="tel:08005151"]') is not None
    assert page.select_one('a[href="tel:0334481186"]') is not None
