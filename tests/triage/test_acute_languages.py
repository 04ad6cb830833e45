"""Acute danger recognised in every reporter language (issue 12, item 1).

Sentences written for this test (not taken from training or evaluation files):
per language at least three that are acute and two that are not - dangers
in the past, denied, or serious but not immediate."""

from __future__ import annotations

import pytest

import triage
from triage.acute import acute_reasons, past_filter
from triage.engine import prepare

ACUTE = {
    "nl": [
        "Mijn neef zegt in de groepsapp dat hij vanavond die jongen van de snackbar gaat "
        "neerschieten, gisteren liet hij me een pistool zien.",
        "Boven de kapsalon zit een meisje opgesloten, ze mag niet naar buiten en haar paspoort "
        "is afgepakt door de man die de huur int.",
        "Een jongen van elf werd net in een busje getrokken omdat hij geen pakketjes meer wilde "
        "rondbrengen.",
        "Ik ben thuiszorgmedewerker; bij mevrouw thuis staan in de badkamer glazen kolven en "
        "blauwe vaten en het stinkt naar aceton. Haar kleinkinderen logeren er.",
        "Zaterdag gaat er iets knallen bij de kapperszaak op de hoek, zeggen ze op TikTok.",
    ],
    "en": [
        "A nine year old girl was dragged into a van outside the community centre.",
        "My flatmate keeps two guns and a box of bullets under his bed, he says they are for "
        "a job on Saturday.",
        "The guys from the car wash wrote that they will kill the owner tonight if he does "
        "not pay.",
        "A woman is locked in the back room of the massage place and they took her passport.",
    ],
    "pl": [
        "Dziś wieczorem chcą zastrzelić właściciela warsztatu, mają już broń palną.",
        "Kobieta jest przetrzymywana w piwnicy, zabrali jej paszport i dokumenty.",
        "Chłopak z sąsiedztwa leży na klatce, jest ranny i krwawi.",
    ],
    "tr": [
        "Yarın akşam dükkan sahibini öldüreceklerini söylediler, ellerinde tabanca var.",
        "Kadın bodrumda kilitli tutuluyor, pasaportunu almışlar.",
        "Dokuz yaşında bir çocuğu zorla arabaya bindirip götürdüler.",
    ],
    "ro": [
        "Mâine seară vor să-l omoare pe patronul barului, au pistoale în mașină.",
        "O fată este sechestrată în pivniță, i-au luat pașaportul și buletinul.",
        "Un băiat de zece ani a fost tras într-o dubă albă de doi bărbați.",
    ],
    "ar": [
        "قالوا إنهم سيقتلون صاحب المطعم غدا، ومعهم مسدس في السيارة.",
        "فتاة محبوسة في القبو وأخذوا جواز سفرها.",
        "شاب مصاب وينزف على الدرج بعد شجار مع التجار.",
    ],
}

NOT_ACUTE = {
    "nl": [
        "Twee jaar geleden is hier een keer geschoten; nu wordt er alleen nog gedeald bij het "
        "bankje.",
        "Er is geen wapen gezien en niemand is gewond, het gaat om een gokkast achterin het café.",
        "Op zolder bij de buren staat al maanden een wietplantage, je ruikt het op de trap.",
    ],
    "en": [
        "Years ago there was a stabbing on this corner, but now it is only dealing.",
        "The barber shop is always empty, yet the owner just bought a third house in cash.",
    ],
    "pl": [
        "Kilka lat temu była tu strzelanina, teraz jest tylko handel narkotykami.",
        "Pracujemy po dwanaście godzin, szef nie płaci za nadgodziny.",
    ],
    "tr": [
        "Yıllar önce burada silahlı kavga olmuş, şimdi sadece uyuşturucu satılıyor.",
        "Patron dört aydır maaşımızı ödemiyor ve on kişi bir evde kalıyoruz.",
    ],
    "ro": [
        "Anul trecut a fost o bătaie aici, acum doar se vinde iarbă.",
        "Șeful nu ne plătește orele suplimentare și stăm zece într-o cameră.",
    ],
    "ar": [
        "منذ سنوات كان هناك شجار بالسكاكين هنا، أما الآن فهناك بيع مخدرات فقط.",
        "صاحب العمل لا يدفع لنا منذ ثلاثة أشهر ونسكن عشرة في غرفة واحدة.",
    ],
}


def cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(lang, text) for lang, texts in table.items() for text in texts]


def test_every_language_has_enough_cases():
    for lang in ("nl", "en", "pl", "tr", "ro", "ar"):
        assert len(ACUTE[lang]) >= 3 and len(NOT_ACUTE[lang]) >= 2


@pytest.mark.parametrize("lang, text", cases(ACUTE))
def test_acute_in_every_language_names_the_signal(lang, text):
    result = triage.classify({"text": text})
    assert result.language == lang
    assert result.urgency == "acuut", result.explanation
    assert result.route == "politie"
    first = next(line for line in result.explanation if line.startswith("acuut: "))
    assert "tekstmodel" not in first, first  # a named signal, not only the model


@pytest.mark.parametrize("lang, text", cases(NOT_ACUTE))
def test_not_acute_in_every_language(lang, text):
    result = triage.classify({"text": text})
    assert result.language == lang
    assert result.urgency != "acuut", result.explanation


def test_threat_with_a_time_is_explained_with_both_words():
    result = triage.classify({"text": "Hij zei dat hij vanavond de eigenaar gaat neerschieten."})
    assert "acuut: dreiging met een tijdstip ('neerschieten' + 'vanavond')" in result.explanation


def signals_of(text: str) -> dict:
    return prepare({"text": text}, triage.get_engine().lexicon).evidence.signal_families


def test_past_only_in_its_own_sentence_part():
    # The weapon belongs to last year; the threat with a time is now.
    text = "Vorig jaar had hij al een pistool, maar vanavond komt hij terug om hem af te maken."
    found = signals_of(text)
    assert "dreiging" in found and "tijdstip" in found
    assert triage.classify({"text": text}).urgency == "acuut"
    # Past all the way: the danger words do not count as current.
    assert "schoten" not in signals_of("Vorig jaar werd er in onze straat geschoten.")


def test_a_past_marker_does_not_reach_past_a_now():
    text = "Jaren geleden was er al gedoe. Nu staat hij met een mes voor de deur en dreigt hem af te maken."
    assert "wapen" in signals_of(text) and "dreiging" in signals_of(text)


def test_habit_is_not_a_time():
    assert "tijdstip" not in signals_of("Elke vrijdag laat hij in de kroeg zijn pistool zien.")
    assert "tijdstip" in signals_of("Vrijdag laat hij in de kroeg zijn pistool zien.")


def test_negated_signal_does_not_fire():
    assert "wapen" not in signals_of("Ik heb geen wapen gezien.")
    assert "letsel" not in signals_of("Niemand is gewond geraakt.")
    assert "wapen" not in signals_of("There were no guns.")


def test_single_signals_are_not_acute_alone():
    assert acute_reasons({"wapen": [object()]}, {}) == []  # type: ignore[list-item]
    assert acute_reasons({"papieren": [object()]}, {}) == []  # type: ignore[list-item]


def test_no_past_marker_means_no_work():
    engine = triage.get_engine()
    from triage.normalize import normalize, tokenize

    text = "Hij heeft een pistool."
    tokens = tokenize(normalize(text))
    assert past_filter(engine.lexicon.scan(tokens), tokens, normalize(text)) is None


@pytest.mark.parametrize("text", [
    "Bij ons in de straat is een filmploeg met nepwapens voor een serie, alles is aangevraagd "
    "en niemand is in gevaar.",
    "Ruhsatlı bir silah dükkanım var, biri şikayet etmiş ama kimse tehlikede değil.",
])
def test_harmless_setting_is_not_acute_and_never_a_confident_out_of_scope(text):
    result = triage.classify({"text": text})
    assert result.urgency != "acuut"
    if result.theme == "geen_ondermijning":
        assert result.review is True  # a guess never tells the reporter it does not matter
