"""Fourth round of the acute rules: what is serious but not "call 112 now".

Written from the false alarms of the cross-validation (training data only; the
frozen blind set is never read): a reporter who says nobody is in danger now or
that it has been calm since an old incident, burning waste (environmental
crime), and drug waste dumped away from homes. In every case an acute
combination (a weapon with a plan, a fire in a home with people) still wins.
"""

from __future__ import annotations

import pytest

import triage

CALM = {
    "nl": "Vorig jaar is er op ons portiek geschoten. Sindsdien is het rustig en niemand is in "
          "gevaar, maar ik zag de auto van toen weer staan.",
    "en": "Two years ago someone fired shots at the house across the road. It has been quiet ever "
          "since, nobody is in danger now, but I saw the same car again last week.",
    "pl": "Dwa lata temu ktos strzelal do drzwi sasiada. Od tamtej pory jest spokoj, nikt nie jest "
          "w niebezpieczenstwie, ale widzialem znowu tych samych ludzi.",
    "tr": "Iki yil once karsi eve ates edildi. O zamandan beri sakin, kimse tehlikede degil ama "
          "ayni arabayi gecen hafta yine gordum.",
    "ro": "Acum doi ani cineva a tras cu arma in usa vecinului. De atunci e liniste, nimeni nu e "
          "in pericol, dar am vazut din nou aceeasi masina.",
    "ar": "قبل سنتين صار اطلاق نار على بيت جيراننا. من وقتها الوضع هادي وما في خطر، بس شفت نفس "
          "السيارة مرة ثانية.",
}


@pytest.mark.parametrize("lang", sorted(CALM))
def test_an_old_shooting_the_reporter_calls_calm_now_is_not_acute(lang):
    result = triage.classify({"text": CALM[lang]})
    assert result.theme == "wapens_explosieven"
    assert result.urgency != "acuut"


@pytest.mark.parametrize("text", [
    "Nobody is in danger right now, but he showed a gun and said he will shoot the owner "
    "tonight when the bar closes.",
    "Niemand is nu in gevaar, maar hij heeft een pistool en zei dat hij vanavond om tien uur "
    "komt schieten bij de shishabar.",
])
def test_a_reassurance_does_not_cancel_a_weapon_with_a_plan(text):
    assert triage.classify({"text": text}).urgency == "acuut"


@pytest.mark.parametrize("text", [
    "The scrapyard behind our street burns cables and tyres every night, thick black smoke "
    "drifts over the houses and my kids cough.",
    "Rolnik obok pali opony i plastik z firm, dym wchodzi do domow, dzieci kaszla.",
])
def test_burning_waste_is_environmental_crime_not_acute(text):
    result = triage.classify({"text": text})
    assert result.theme == "milieu"
    assert result.urgency != "acuut"


def test_smoke_from_a_home_with_children_stays_acute():
    result = triage.classify({"text": "Er komt rook uit de woning naast ons waar de wietkwekerij "
                                      "zit, de kinderen van de bovenburen zijn thuis."})
    assert result.urgency == "acuut"
    assert any("brand of rook waar mensen zijn" in line for line in result.explanation)


@pytest.mark.parametrize("text", [
    "In het bos bij de parkeerplaats liggen sinds vanochtend twaalf blauwe vaten en jerrycans "
    "gedumpt, sterke anijslucht, een paar lekken.",
    "Found about ten jerrycans and two barrels dumped in the reeds along the canal, smells like "
    "nail polish remover, one is leaking.",
])
def test_drug_waste_dumped_in_nature_is_high_not_acute(text):
    result = triage.classify({"text": text})
    assert (result.theme, result.urgency) == ("drugslab", "hoog")
