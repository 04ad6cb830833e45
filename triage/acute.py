"""Acute danger in every reporter language: signals, their time, and the
combinations that make a report `acuut`.

The lexicon's `[signal X]` sections (data/lexicon.txt) hold word families in
nl, en, pl, tr, ro and ar: a threat (`dreiging`), a time soon (`tijdstip`), a
weapon or explosive (`wapen`), a plan (`plan`), a person held
(`vastgehouden`), papers taken (`papieren`), a child (`kind`), someone taken
away (`weggenomen`), drug-lab equipment (`lab`), a place where people live
(`bewoond`), injuries (`letsel`), shots or an explosion (`schoten`), a call
for help (`hulpvraag`) and a past time (`verleden`). One family on
its own is seldom acute ("he has a gun"); acute is a combination:

    letsel                              someone is hurt (or denied care)
    vastgehouden (+ papieren)           a person held (and their papers taken)
    weggenomen (+ kind)                 someone, or a child, taken away
    dreiging + tijdstip                 a threat with a time ("vanavond")
    wapen + plan | dreiging             a weapon with a plan
    explosief + plan | dreiging | tijdstip | nu | kind | mensen
                                        an explosive with a plan, a time or people near
    kind + dreiging | vermist           a child threatened or missing
    hulpvraag + vrijheid | papieren | dreiging | wapen | explosief | kind | brand | lab | weggenomen
                                        someone asks for help in danger
    brand + nu | bewoond | kind         fire or smoke where people are
    lab (two things; gear such as hoses or gas bottles counts 2/3) + bewoond
                                        an active lab where people live

Families that are not acute alone add to the model's score (`PARTIAL`):
"vrijheid" (not allowed to leave: in the corpus mostly labour exploitation,
`hoog`), "papieren", "schoten" (often past), a weapon without a plan.

Time and negation are handled so that recall survives: a negated word
("geen wapen") is dropped by the lexicon scanner, and a signal is set in the
past only when its own sentence part (a sentence, split again at "maar",
"but", "ale", "ama", "dar", "لكن") has a past marker ("vorig jaar", "rok
temu") and no time soon or "now" - "gisteren zag ik een pistool, vanavond
komt hij terug" stays acute. A time after "elke"/"every"/"co"/"her"/"كل" is a
habit, not a time.

`combined_score` is the acute score the threshold is tuned on (training):
the model's probability, raised by single signals that are not acute alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from .lexicon import Match, Scan
from .normalize import Tokens

SIGNAL = "signal"
# Families whose matches can be "in the past" (time and place words cannot).
TIMED = ("dreiging", "wapen", "explosief", "plan", "vastgehouden", "vrijheid", "papieren",
         "weggenomen", "vermist", "lab", "labspul", "letsel", "schoten", "brand", "hulpvraag")
# A call for help is acute together with one of these: someone asks for help
# while held, robbed of their papers, threatened, near a weapon or a fire, or
# a child does ("help me" alone is also what people write to the meldpunt).
HELP_PARTNERS = ("vrijheid", "papieren", "dreiging", "wapen", "explosief", "kind", "brand",
                 "lab", "weggenomen")
HABITUAL = frozenset("""elke iedere ieder every each co kazdy kazda kazdego kazdej her
    fiecare in fiecare كل""".split())
CONTRAST = frozenset("maar but however ale lecz jednak ama fakat ancak dar insa لكن ولكن".split())
_BREAK = re.compile(r"[.!?;:()\[\]\n,،؛؟]+")
_SENTENCE_END = re.compile(r"[.!?\n؟]")

# Families a legal, harmless setting excuses (acute_reasons, partial_score).
HARMLESS_WHEN_LEGAL = frozenset({"wapen", "explosief", "schoten"})
# What one family on its own adds to the model's probability (not acute alone).
PARTIAL = {"dreiging": 0.35, "schoten": 0.3, "explosief": 0.3, "wapen": 0.25, "brand": 0.2,
           "lab": 0.2, "papieren": 0.2, "vrijheid": 0.2, "vermist": 0.2, "hulpvraag": 0.2,
           "plan": 0.1, "tijdstip": 0.05}


def segments(tokens: Tokens, normalized: str) -> tuple[list[int], dict[int, tuple[int, bool]]]:
    """Per word, the number of its sentence part: a clause, split again at a
    contrastive word. Also, per part, (its sentence, whether it starts at a
    contrastive word)."""
    separators = _BREAK.findall(normalized)
    sentence_of_clause = [0]
    for sep in separators:
        sentence_of_clause.append(sentence_of_clause[-1] + (1 if _SENTENCE_END.search(sep) else 0))
    out: list[int] = []
    parts: dict[int, tuple[int, bool]] = {}
    part = -1
    last_clause = -1
    for word, clause in zip(tokens.words, tokens.clauses, strict=True):
        contrast = word in CONTRAST
        if clause != last_clause or contrast:
            part += 1
            last_clause = clause
            sentence = sentence_of_clause[clause] if clause < len(sentence_of_clause) else clause
            parts[part] = (sentence, contrast)
        out.append(part)
    return out, parts


def past_filter(scan: Scan, tokens: Tokens, normalized: str) -> Callable[[Match], bool] | None:
    """A test `in_past(match)` for the matches set in the past, or None when
    the report has no past marker (the common case: nothing to compute).

    Reading the parts of each sentence in order, a past marker ("vorig jaar")
    sets the time to the past until a time soon or "now" marker, a
    contrastive word or the end of the sentence."""
    past = scan.active(SIGNAL).get("verleden")
    if not past:
        return None
    seg, parts = segments(tokens, normalized)
    now_parts = {seg[m.start] for m in scan.active(SIGNAL).get("tijdstip", ())}
    now_parts |= {seg[m.start] for m in scan.active("cue").get("nu", ())}
    past_marks = {seg[m.start] for m in past}
    past_parts: set[int] = set()
    state: str | None = None
    last_sentence = -1
    for part, (sentence, contrast) in parts.items():
        if sentence != last_sentence or contrast:
            state = None
            last_sentence = sentence
        if part in now_parts:
            state = "now"
        elif part in past_marks:
            state = "past"
        if state == "past":
            past_parts.add(part)
    if not past_parts:
        return None
    return lambda m: seg[m.start] in past_parts


def is_habit(match: Match, words: list[str]) -> bool:
    """"elke vrijdag", "every friday", "co piatek", "her cuma": a habit, not a time."""
    return match.start > 0 and words[match.start - 1] in HABITUAL


def quote(match: Match) -> str:
    surface = match.surface.split()
    return "'" + " ".join(surface[:6] + (["…"] if len(surface) > 6 else [])) + "'"


def _line(reason: str, *matches: Match) -> str:
    return f"acuut: {reason} (" + " + ".join(quote(m) for m in matches) + ")"


def acute_reasons(signals: Mapping[str, list[Match]],
                  cues: Mapping[str, list[Match]]) -> list[str]:
    """The acute combinations present, each as an explanation line naming the
    signal(s) that fired, most serious first."""
    s = signals
    if harmless_setting(s) is not None:
        # Weapon or bomb words in a setting the reporter calls legal and
        # harmless ("the cake was the bomb ... nothing dangerous", a licensed
        # fireworks shop): not a weapon with a plan. Threats, injuries and
        # people held are never excused (harmless_setting checks that).
        s = {k: v for k, v in s.items() if k not in HARMLESS_WHEN_LEGAL}
    lines: list[str] = []
    if "letsel" in s:
        lines.append(_line("iemand is gewond", s["letsel"][0]))
    if "vastgehouden" in s:
        if "papieren" in s:
            lines.append(_line("persoon vastgehouden en papieren afgepakt",
                               s["vastgehouden"][0], s["papieren"][0]))
        else:
            lines.append(_line("persoon vastgehouden", s["vastgehouden"][0]))
    if "weggenomen" in s:
        if "kind" in s:
            lines.append(_line("kind meegenomen", s["kind"][0], s["weggenomen"][0]))
        else:
            lines.append(_line("iemand meegenomen of ontvoerd", s["weggenomen"][0]))
    if "dreiging" in s and "tijdstip" in s:
        lines.append(_line("dreiging met een tijdstip", s["dreiging"][0], s["tijdstip"][0]))
    if "wapen" in s:
        for partner in ("plan", "dreiging"):
            if partner in s:
                lines.append(_line("wapen met een plan", s["wapen"][0], s[partner][0]))
                break
    if "explosief" in s:
        now = cues.get("nu")
        people = s.get("kind") or cues.get("mensen_in_gevaar")
        for found in (s.get("plan"), s.get("dreiging"), s.get("tijdstip"), now, people):
            if found:
                lines.append(_line("explosief met een plan, een tijdstip of mensen dichtbij",
                                   s["explosief"][0], found[0]))
                break
    if "kind" in s and "weggenomen" not in s:
        for partner in ("dreiging", "vermist"):
            if partner in s:
                reason = "kind bedreigd" if partner == "dreiging" else "kind vermist"
                lines.append(_line(reason, s["kind"][0], s[partner][0]))
                break
    if "brand" in s:
        near = (cues.get("nu") or s.get("bewoond") or cues.get("mensen_in_gevaar")
                or s.get("kind"))
        if near:
            lines.append(_line("brand of rook waar mensen zijn", s["brand"][0], near[0]))
    if "hulpvraag" in s:
        for partner in HELP_PARTNERS:
            if partner in s:
                lines.append(_line("iemand vraagt om hulp", s["hulpvraag"][0], s[partner][0]))
                break
    lab = s.get("lab", [])
    gear = s.get("labspul", [])
    # Two different lab things (one pattern counts once per text); ordinary
    # gear and symptoms (gas bottles, hoses, "dizzy") count two thirds, so a
    # garden hose and a tube at home are no lab, but gas bottles, hoses and
    # dizzy neighbours are.
    if 3 * len(lab) + 2 * len(gear) >= 6:
        home = (s.get("bewoond") or cues.get("mensen_in_gevaar") or cues.get("mensen_dichtbij"))
        if home:
            things = [*lab, *gear][:2]
            lines.append(_line("actief lab waar mensen wonen", *things, home[0]))
    return lines


def harmless_setting(signals: Mapping[str, list[Match]]) -> tuple[Match, Match] | None:
    """A legal or harmless setting that the reporter also calls harmless ("a
    licensed gun shop ... nobody is in danger", "bomba gibi ... gerçek bir şey
    yok"), with no current threat or injury: (the setting, the reassurance)."""
    if "legaal" in signals and "geruststelling" in signals and not (
            "dreiging" in signals or "letsel" in signals or "vastgehouden" in signals
            or "weggenomen" in signals):
        return signals["legaal"][0], signals["geruststelling"][0]
    return None


def partial_score(signals: Mapping[str, list[Match]]) -> float:
    """What single signals, acute only in combination, add to the model
    (weapon and bomb words in a legal, harmless setting add nothing)."""
    harmless = harmless_setting(signals) is not None
    return max((PARTIAL.get(family, 0.0) for family in signals
                if not (harmless and family in HARMLESS_WHEN_LEGAL)), default=0.0)


def combined_score(p_model: float, signals: Mapping[str, list[Match]]) -> float:
    """The acute score: the model's probability raised by partial signals."""
    return 1.0 - (1.0 - p_model) * (1.0 - partial_score(signals))
