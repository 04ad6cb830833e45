"""Acute concepts added in issue 12's third round, per language, read from
the lexicon alone (no model): an arson ultimatum with a deadline ("pay or
burn ... until Sunday"), prayer times and weekday forms as times, a person
kept somewhere until a ransom is paid, papers or phones taken, a plea to be
let go, injuries and refused care, fume symptoms next to lab gear, and a
device with a fuse or wires that is still there. Sentences written for this
test, in the six reporter languages; and the other side: the same words in
the past, in a harmless sense, or alone where they are no danger."""

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


ARSON_ULTIMATUM = {
    "nl": "Op de ruit stond: betaal of brand. We moeten voor zondag betalen.",
    "en": "They sprayed pay or burn on the door and gave us until Sunday.",
    "pl": "Powiedzieli, że jak nie zapłacę do niedzieli, to sklep się spali.",
    "tr": "Kepenge öde ya da yan yazdılar, cumaya kadar süre verdiler.",
    "ro": "Au scris plătești sau arzi și ne-au dat timp până vineri.",
    "ar": "كتبوا على المحل ادفع او تحترق، وعندنا مهلة حتى الجمعة.",
}

HELD_FOR_RANSOM_OR_LOCKED = {
    "nl": "Hij blijft daar tot we betalen, zeggen ze.",
    "en": "They have kept him in the back room of the garage since yesterday.",
    "pl": "Zamknęli ją w kontenerze na farmie.",
    "ro": "Îl țin acolo până plătim datoria.",
    "ar": "المدير قفل علينا باب المستودع.",
}

PAPERS_TAKEN_AND_CANNOT_LEAVE = {
    "nl": "Hij neemt hun telefoons mee en ze mogen volgens mij de deur niet uit.",
    "en": "The boss took our phones and we cant get out of the yard.",
    "pl": "Zabrali nam telefony i nie możemy wyjść.",
    "tr": "Kağıtlarımı aldılar, gidemiyorum.",
    "ro": "Ne-a luat actele și nu ne lasă să plecăm.",
    "ar": "المدير اخذ جوازات السفر وقال ما في خروج.",
}

INJURED_OR_CARE_REFUSED = {
    "nl": "Een man is zwaar verbrand en de baas zegt dat niemand een ambulance mag bellen.",
    "en": "He texted that he cant feel his hand after they hit him with a pipe.",
    "pl": "Kolega leży i nie reaguje, jest dużo krwi.",
    "tr": "Arkadaşın parmakları kopmuş, çok kan var, patron hastaneye götürmüyor.",
    "ro": "Colegul s-a prăbușit lângă bandă și nu mai răspunde.",
    "ar": "رجله مكسورة والمعلم ما بدو يجيب دكتور.",
}

LAB_WITH_SYMPTOMS = {
    "nl": "Uit de garage komt een witte damp en een sissend geluid, de kinderen hoesten in huis.",
    "en": "Hissing and bubbling next door, white fumes under the door and my kids are coughing at home.",
    "pl": "Z piwnicy bulgotanie i opary, dzieci kaszlą w mieszkaniu.",
    "tr": "Komşu bodrumda bir şey pişiriyor, buhar çıkıyor, yaşlı komşum fenalaştı ve kusuyor, evde.",
    "ro": "În baie are oale, un reșou și un arzător, mi s-a făcut rău, locuiește acolo cu un bebeluș.",
    "ar": "في الحمام قدور وموقد غاز وقناني زجاج، دخت من الريحة، ساكنة هناك امرأة مع رضيع.",
}

DEVICE_STILL_THERE = {
    "nl": "Er is een doos met draden en een buis tegen de deur gezet, hij staat er nog.",
    "en": "There is a bag with wires and a pipe at the entrance, it is still there.",
    "pl": "Przy drzwiach leży torba z kablami i rurą, nadal tam leży.",
    "tr": "Girişe kabloları olan bir kutu bırakmışlar, hala orada.",
    "ro": "Cineva a lipit ceva cu fitil de ușa frizeriei, e încă acolo.",
    "ar": "في شنطة فيها اسلاك عند الباب، لسا هناك.",
}


@pytest.mark.parametrize("lang,text", sorted(ARSON_ULTIMATUM.items()))
def test_arson_ultimatum_with_a_deadline_is_acute(lang, text):
    found = reasons(text)
    assert any("dreiging met een tijdstip" in line for line in found), (lang, found)


@pytest.mark.parametrize("lang,text", sorted(HELD_FOR_RANSOM_OR_LOCKED.items()))
def test_person_kept_or_locked_in_is_acute(lang, text):
    assert any("vastgehouden" in line for line in reasons(text)), lang


@pytest.mark.parametrize("lang,text", sorted(PAPERS_TAKEN_AND_CANNOT_LEAVE.items()))
def test_papers_or_phones_taken_are_a_signal(lang, text):
    families = evidence(text).signal_families
    assert "papieren" in families, (lang, sorted(families))


@pytest.mark.parametrize("lang,text", sorted(INJURED_OR_CARE_REFUSED.items()))
def test_injury_or_refused_care_is_acute(lang, text):
    assert any("gewond" in line for line in reasons(text)), lang


@pytest.mark.parametrize("lang,text", sorted(LAB_WITH_SYMPTOMS.items()))
def test_lab_gear_with_fume_symptoms_where_people_live_is_acute(lang, text):
    assert any("actief lab" in line for line in reasons(text)), (lang, reasons(text))


@pytest.mark.parametrize("lang,text", sorted(DEVICE_STILL_THERE.items()))
def test_device_that_is_still_there_is_acute(lang, text):
    assert any("explosief" in line for line in reasons(text)), (lang, reasons(text))


@pytest.mark.parametrize("text", [
    "After prayers we drink tea together every Friday.",
    "Co niedzielę chodzimy do kościoła.",
])
def test_times_alone_are_not_acute(text):
    assert reasons(text) == []


@pytest.mark.parametrize("text", [
    "Vorig jaar hebben ze gedreigd: betaal of brand. Sindsdien niets meer gehoord.",
    "Mijn buurman hoest veel en rookt op het balkon, de kinderen spelen beneden.",
    "The fuse box in our flat keeps tripping, the landlord does nothing.",
    "The roof of the shed collapsed last winter and nobody repaired it.",
    "Hij zet zijn fiets altijd met een kettingslot vast aan ons hek.",
    "Geçen yıl bacağı kırıldı, şimdi iyi.",
    "Anul trecut i s-a făcut rău la serviciu, acum e bine.",
    "Mam w kuchni garnki i kuchenkę gazową, sąsiedzi czasem kaszlą.",
    "نطبخ في القدور على موقد غاز في المطبخ.",
])
def test_past_harmless_or_single_words_are_not_acute(text):
    assert reasons(text) == [], reasons(text)
