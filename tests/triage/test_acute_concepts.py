"""Acute concepts per language, read from the lexicon alone (no model).

Each concept of triage/acute.py (a person held or tied up, a call for help in
danger, an injury or care refused, a threat with a time, a weapon with a
return announced, an active lab with ordinary gear) in all six reporter
languages, written for this test - not taken from any corpus, dev or blind
file. And the other side: the same words in the past, denied, or in a
harmless sense, and words of one language that must not be read as another's.
"""

from __future__ import annotations

import pytest

import triage
from triage.acute import acute_reasons
from triage.engine import prepare


def evidence(text: str):
    return prepare({"text": text}, triage.get_engine().lexicon).evidence


def reasons(text: str) -> list[str]:
    ev = evidence(text)
    return acute_reasons(ev.signal_families, ev.cues)


HELD = {
    "nl": "Ze houden hem vast in de garage en hij zit met tape aan een stoel.",
    "en": "The man is tied to a chair in the back room of the shop.",
    "pl": "Zamkneli ja w piwnicy i nie wypuszczaja.",
    "tr": "Kadını sandalyeye bağlamışlar, dükkanın arkasında.",
    "ro": "O țin închisă în camera din spate a salonului.",
    "ar": "البنت مربوطة بالكرسي في الغرفة الخلفية.",
}

HELP_IN_DANGER = {
    "nl": "Een meisje riep om hulp uit het raam, ze mag de deur niet uit van die man.",
    "en": "She was screaming for help, he is not allowed out and they never let him out.",
    "pl": "Słyszałem jak krzyczała o pomoc, nie wolno jej wychodzić z domu.",
    "tr": "Kız yardım diye bağırdı, dışarı çıkmasına izin vermiyorlar.",
    "ro": "Fata striga după ajutor, nu are voie să iasă din casă.",
    "ar": "البنت تصرخ وتطلب النجدة، ممنوعة من الخروج من البيت.",
}

INJURED = {
    "nl": "Mijn collega is van de steiger gevallen en de baas zegt dat we geen ambulance mogen bellen.",
    "en": "My coworker fell off the scaffolding, there is blood on his head and the boss says no doctor.",
    "pl": "Kolega spadł z rusztowania, ma krew na twarzy.",
    "tr": "Arkadaşım iskeleden düştü, hareket edemiyor.",
    "ro": "Colegul a căzut de pe schelă și nu se poate mișca.",
    "ar": "زميلي وقع عن السقالة وما بيتحرك.",
}

THREAT_WITH_TIME = {
    "nl": "Ze zeiden: vannacht ben je er geweest.",
    "en": "He texted me tonight: we know where you live.",
    "pl": "Napisali mi, że jutro pożałujesz.",
    "tr": "Yarın akşam pişman olacaksın dediler.",
    "ro": "Mi-au zis că mâine o să regreți.",
    "ar": "قالوا لي بكرا رح تندم.",
}

WEAPON_AND_RETURN = {
    "nl": "Hij liet een pistool zien en zei dat ze met z'n allen terugkomen.",
    "en": "One of them showed a gun and said they are coming back.",
    "pl": "Pokazał pistolet i powiedział, że wrócą.",
    "tr": "Silahını gösterdi ve geri geleceklerini söyledi.",
    "ro": "Mi-a arătat un pistol și a zis că se întorc.",
    "ar": "وراني مسدس وقال رح يرجعوا.",
}

LAB_GEAR = {
    "nl": "In de keuken van de flat staan gasflessen en slangen, het ruikt chemisch.",
    "en": "Next to the caravan there are gas bottles and hoses, they cook every night and we feel dizzy.",
    "pl": "W mieszkaniu obok stoją butle gazowe i węże, czuć opary i mamy zawroty głowy.",
    "tr": "Komşu dairede gaz tüpleri ve hortumlar var, başım dönüyor.",
    "ro": "În apartamentul vecin sunt butelii de gaz și furtunuri, simt amețeală.",
    "ar": "في الشقة جنبنا قناني غاز وخراطيم وأنا دايخ من الريحة.",
}


def table(*tables: dict[str, str]) -> list[tuple[str, str]]:
    return [(lang, text) for t in tables for lang, text in t.items()]


@pytest.mark.parametrize("concept", [HELD, HELP_IN_DANGER, INJURED, THREAT_WITH_TIME,
                                     WEAPON_AND_RETURN, LAB_GEAR])
def test_every_concept_in_all_six_languages(concept):
    assert set(concept) == {"nl", "en", "pl", "tr", "ro", "ar"}


@pytest.mark.parametrize("lang, text", table(HELD, HELP_IN_DANGER, INJURED, THREAT_WITH_TIME,
                                             WEAPON_AND_RETURN, LAB_GEAR))
def test_acute_concept_fires_from_the_words(lang, text):
    assert reasons(text), (lang, evidence(text).signal_families.keys())


def test_each_concept_names_its_own_reason():
    assert any("persoon vastgehouden" in r for r in reasons(HELD["en"]))
    assert any("iemand vraagt om hulp" in r for r in reasons(HELP_IN_DANGER["nl"]))
    assert any("iemand is gewond" in r for r in reasons(INJURED["tr"]))
    assert any("dreiging met een tijdstip" in r for r in reasons(THREAT_WITH_TIME["pl"]))
    assert any("wapen met een plan" in r for r in reasons(WEAPON_AND_RETURN["ro"]))
    assert any("actief lab waar mensen wonen" in r for r in reasons(LAB_GEAR["en"]))


@pytest.mark.parametrize("text", [
    # the same concepts, in the past
    "Vorig jaar hielden ze daar iemand vast, nu staat het pand leeg.",
    "Two years ago a man was tied up in that shed; it has been empty since.",
    "Rok temu ktoś spadł z rusztowania, teraz budowa jest zamknięta.",
    # denied
    "Niemand is gewond en er is geen wapen gezien.",
    # a call for help without any danger: a question to the meldpunt
    "Help me alstublieft, waar moet ik een klacht over de gemeente indienen?",
    "Unde pot cere ajutor pentru o problemă cu proprietarul?",
    # ordinary gear at home
    "The tubes and hoses in the garden are for watering the plants at home.",
    "We hebben een gasfles voor de barbecue in de tuin naast het huis.",
    # holding on, not holding someone
    "Hij houdt zich vast aan de leuning van de trap.",
])
def test_past_denied_or_harmless_is_not_acute(text):
    assert reasons(text) == [], reasons(text)


@pytest.mark.parametrize("text, family", [
    # Dutch "kan" (can) is not Turkish "kan" (blood): no Turkish short word was added
    ("Ik kan morgen niet komen, mijn zoon kan het niet.", "letsel"),
    # Polish "krewni" (relatives) is not "krew" (blood)
    ("Moi krewni mieszkają w Polsce.", "letsel"),
    # Polish "związany z" (connected with) is not tied up
    ("Ten sklep jest związany z firmą z Rotterdamu.", "vastgehouden"),
    # Dutch "vast contract" / "vast adres" is not someone held
    ("Zij heeft een vast contract en een vast adres.", "vastgehouden"),
    # "help" in a helpdesk sense is no call for help in danger
    ("De helpdesk van de gemeente kon mij niet helpen.", "hulpvraag"),
])
def test_normalisation_does_not_invent_matches(text, family):
    assert family not in evidence(text).signal_families


def test_classify_makes_a_concept_acute_with_its_reason():
    result = triage.classify({"text": HELD["nl"]})
    assert result.urgency == "acuut"
    assert result.route == "politie"
    assert any(line.startswith("acuut: persoon vastgehouden") for line in result.explanation)


@pytest.mark.parametrize("text", [
    "Acum cineva ne-a raportat pentru o bombă, dar petrecerea a fost o bombă. Nu e nimic periculos.",
    "Yeni kafenin tatlıları bomba gibi, şimdi biri ihbar etmiş. Gerçek bir şey yok.",
])
def test_figurative_bomb_said_to_be_harmless_is_not_acute(text):
    assert reasons(text) == [], reasons(text)


def test_a_harmless_word_never_excuses_a_threat():
    text = ("Het feest was de bom, niets gevaarlijks zei hij, maar nu staat hij met een pistool "
            "voor de deur en dreigt de buurman af te maken.")
    assert "legaal" in evidence(text).signal_families  # the harmless words were seen
    assert any("wapen met een plan" in r for r in reasons(text)), reasons(text)
