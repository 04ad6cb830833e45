"""Wording of the explanation lines staff read (short Dutch).

All staff-facing text lives here so that it stays consistent and can be
reviewed in one place. Lines name the concrete reason: which words matched
which theme, which rule changed the route, why a report is acute.
"""

from __future__ import annotations

from .lexicon import Match

MAX_SURFACE_WORDS = 6



def _p(probability: float) -> str:
    """A probability with two decimals, rounded to four first: the single and
    batched paths sum in a different float32 order (differences ~1e-6), and a
    value at a rounding edge (0.995) must read the same on both."""
    return f"{round(probability, 4):.2f}"

def quote(match: Match) -> str:
    words = match.surface.split()
    if len(words) > MAX_SURFACE_WORDS:
        words = words[:MAX_SURFACE_WORDS] + ["…"]
    return "'" + " ".join(words) + "'"


def indicator(match: Match, theme: str) -> str:
    return f"{quote(match)} -> {theme}"


def harmless(setting: Match, reassurance: Match) -> str:
    return (f"geen_ondermijning: wapenwoorden in een onschuldige context ({quote(setting)}) en "
            f"melder zegt dat er geen gevaar is ({quote(reassurance)})")


def review_harmless() -> str:
    return "onschuldige context gaat voor het tekstmodel -> handmatige controle"


def negation(match: Match) -> str:
    target = match.surface
    return f"'{match.negator}' voor '{target}' genegeerd (ontkenning)"


def model_theme(theme: str, probability: float, had_indicators: bool) -> str:
    if had_indicators:
        return f"tekstmodel: {theme} ({_p(probability)})"
    return f"geen trefwoorden herkend; tekstmodel: {theme} ({_p(probability)})"


def acute_trigger(reason: str, match: Match) -> str:
    return f"acuut: {reason} ({quote(match)})"


def acute_danger(reason: str, match: Match, context: Match) -> str:
    return f"acuut: {reason} ({quote(match)}) en nu of mensen in gevaar ({quote(context)})"


def acute_reporter() -> str:
    return "acuut: melder zegt dat er nu iemand in gevaar is ('Is er nu iemand in gevaar?': ja)"


def acute_reporter_denied() -> str:
    return ("melder antwoordde 'nee' op 'Is er nu iemand in gevaar?'; "
            "de tekst wijst wel op acuut gevaar, dus acuut blijft staan")


SIGNAL_NAMES = {"dreiging": "dreiging", "wapen": "wapen of explosief", "lab": "labspullen",
                "papieren": "papieren afgepakt", "plan": "plan", "tijdstip": "tijdstip",
                "schoten": "schoten of explosie"}


def acute_model_signal(probability: float, family: str, match: Match) -> str:
    name = SIGNAL_NAMES.get(family, family)
    return f"acuut: tekstmodel ziet acuut gevaar ({_p(probability)}), signaal {name} ({quote(match)})"


def acute_model(probability: float) -> str:
    return f"acuut: tekstmodel ziet acuut gevaar ({_p(probability)})"


def urgency_cue(urgency: str, reason: str, match: Match) -> str:
    return f"{urgency}: {reason} ({quote(match)})"


def urgency_ongoing(theme: str) -> str:
    return f"hoog: nog gaande volgens de melder ('nog gaande: ja') bij {theme}"


def urgency_dumped_lab(dumped: Match, found: Match) -> str:
    return (f"hoog: vermoedelijk drugslab met gedumpt afval ({quote(dumped)} + {quote(found)}) "
            "is minstens hoog")


def urgency_model(urgency: str, probability: float) -> str:
    return f"{urgency}: tekstmodel ({_p(probability)})"


def route_default(route: str, theme: str) -> str:
    return f"route {route}: standaardroute voor {theme}"


def route_split(route: str, theme: str, match_word: str) -> str:
    return f"route {route}: {theme} over {match_word}"


def route_fixed(route: str, theme: str) -> str:
    return f"route {route}: {theme} gaat altijd naar {route}"


def route_acute(route: str) -> str:
    return f"route {route}: acuut gaat altijd eerst naar {route}"


def route_riec(reason: str, match: Match | None = None) -> str:
    if match is None:
        return f"route riec: {reason}"
    return f"route riec: {reason} ({quote(match)})"


def language_note(language: str) -> str:
    return f"taal: {language}"


def review_unsupported(language: str) -> str:
    return (f"taal niet ondersteund ({language}): tekst niet automatisch gelezen, thema is een "
            "gok -> handmatige controle (laat de melding vertalen)")


def review_arabizi() -> str:
    return ("Arabisch in Latijnse letters (Arabizi): tekst maar deels automatisch gelezen "
            "-> handmatige controle")


def review_confidence(confidence: float) -> str:
    return f"lage zekerheid ({_p(confidence)}) -> handmatige controle"


def review_conflict(first: str, second: str) -> str:
    return f"thema's botsen: {first} en {second} -> handmatige controle"
