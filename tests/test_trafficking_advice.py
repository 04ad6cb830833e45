"""Finding 8 of the outside test: the advice for human trafficking starts with the bystander.

An acute report of sexual exploitation by a neighbour got "Gaat het om uzelf? Wordt u zelf
uitgebuit in uw werk…" first, with the labour inspectorate and FairWork as the only help.
Now the bystander's advice comes first, and the "is it about yourself" part names the
help for sexual exploitation (CoMensha, the police) before the help for work.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask import render_template, session

from meldpunt.intake.views import _advice_template


def _advice(app, theme: str, urgency: str = "acuut") -> str:
    with app.test_request_context("/melden/bedankt"):
        session["lang"] = "nl"
        receipt = {"code": "K7QM-2XWD-9FHT-R4CP", "theme": theme, "reporter_type": "bewoner", "urgency": urgency}
        html = render_template("public/thanks.html", receipt=receipt, advice_template=_advice_template(theme))
    section = BeautifulSoup(html, "html.parser").select_one("section[aria-labelledby=perspectief-title]")
    section.h2.extract()  # the section's heading; what follows is the advice itself
    return " ".join(section.get_text().split())


def test_trafficking_advice_puts_the_bystander_first(app):
    text = _advice(app, "mensenhandel")
    assert text.index("Zo blijft u veilig") < text.index("Gaat het om uzelf?")
    assert text.index("Bel direct 112") < text.index("Gaat het om uzelf?")


def test_trafficking_self_help_names_the_help_for_sexual_exploitation_first(app):
    text = _advice(app, "mensenhandel")
    own = text[text.index("Gaat het om uzelf?"):]
    assert "gedwongen tot seks" in own
    assert own.index("CoMensha") < own.index("Arbeidsinspectie")
    assert own.index("Bel de politie") < own.index("Arbeidsinspectie")
    assert "Wordt u zelf uitgebuit in uw werk" not in own


def test_labour_exploitation_advice_still_starts_with_the_worker(app):
    text = _advice(app, "arbeidsuitbuiting", urgency="normaal")
    assert text.startswith("Gaat het om uzelf? Wordt u zelf uitgebuit in uw werk")
