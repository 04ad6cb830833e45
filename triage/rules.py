"""The decision rules: urgency (acute first), routing with RIEC escalation,
secondary themes and when a person must review.

These functions take the model's probabilities, the lexicon evidence and the
routing table and return a decision plus the explanation lines for it. They
are pure (no I/O, no model), so each rule family is unit-tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from . import explain
from .acute import PARTIAL, TIMED, acute_reasons, combined_score, harmless_setting
from .evidence import THEME_SCORE_UNIT, Evidence
from .lexicon import Match
from .routing import RoutingTable
from .taxonomy import THEMES, URGENCIES


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds; `train` derives them from out-of-fold predictions
    on the training corpus (never from the dev set) and stores them in the
    model artifact."""

    acute_model: float = 0.35  # P(acuut) that makes a report acute without a trigger word
    riec_model: float = 0.5  # P(escalate) from the model that sends a report to riec
    review_confidence: float = 0.5  # below this theme probability a person must look
    secondary_probability: float = 0.2  # a second theme this likely is listed
    conflict_ratio: float = 0.6  # runner-up at least this fraction of the top -> conflict
    out_of_scope: float = 1.01  # P(out of scope) from the scope head that makes it geen_ondermijning

    @classmethod
    def from_dict(cls, data: Mapping[str, float] | None) -> Thresholds:
        if not data:
            return cls()
        known = {k: float(v) for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


# --------------------------------------------------------------------------
# Themes
# --------------------------------------------------------------------------
OUT_OF_SCOPE = "geen_ondermijning"
SCOPE_CLASSES = ("binnen", "buiten")  # the scope head: in scope / out of scope


def compose_scope(probs: dict[str, float], p_out: float | None,
                  threshold: float = 1.0) -> dict[str, float]:
    """Theme probabilities after the scope head (when the model has one): a
    report the scope head calls out of scope (P(out) >= threshold) gets
    P(geen_ondermijning) = P(out), so confidence and review follow the head
    that decided. Otherwise the theme head's probabilities stand."""
    if p_out is None or p_out < threshold:
        return probs  # read-only everywhere: no copy per report
    return {**probs, OUT_OF_SCOPE: max(probs.get(OUT_OF_SCOPE, 0.0), p_out)}


def choose_theme(probs: Mapping[str, float], p_out: float | None, threshold: float) -> str:
    """The primary theme: the most probable theme of the theme head, or out of
    scope when the separate scope head is at least `threshold` sure. The scope
    head can only add out-of-scope decisions; its threshold is tuned for
    precision (training.tune_scope), so it does not eat true reports."""
    if p_out is not None and p_out >= threshold:
        return OUT_OF_SCOPE
    # max() keeps the first of equal values: ties go to the earlier theme.
    return max(probs, key=probs.__getitem__)


def secondary_themes(primary: str, probs: Mapping[str, float], evidence: Evidence,
                     th: Thresholds) -> list[str]:
    """Other themes with a fair probability, or with strong indicator words
    that the model does not rule out. `geen_ondermijning` is never secondary."""
    chosen = []
    for theme in THEMES:
        if theme in (primary, "geen_ondermijning"):
            continue
        p = probs.get(theme, 0.0)
        strong_words = evidence.theme_scores.get(theme, 0.0) >= THEME_SCORE_UNIT
        if p >= th.secondary_probability or (strong_words and p >= th.secondary_probability / 4):
            chosen.append(theme)
    chosen.sort(key=lambda t: -probs.get(t, 0.0))
    return chosen[:3]


# --------------------------------------------------------------------------
# Urgency: acute is decided first and tuned for recall
# --------------------------------------------------------------------------
ATTACK_DANGER = "aanslag of wraak"
FIRE_DANGER = "brand of gif"  # the lexicon section [gevaar brand of gif]
PAST_ONLY_THRESHOLD = 0.85


def decide_urgency(probs: Mapping[str, float], evidence: Evidence, theme: str,
                   th: Thresholds) -> tuple[str, list[str]]:
    """Acute first: a trigger that is acute on its own, or a danger that is
    happening now (or threatens people right there, or is an attack announced
    for tonight); then the model, which also catches what the words miss."""
    signals = evidence.signal_families
    dangers = evidence.danger
    if theme == "milieu":
        # Burning waste (tyres, cables, plastic) is how environmental crime
        # shows itself (taxonomy.md), not a fire in a home: smoke drifting
        # over a street is serious, but not "call 112 now". Its fire words
        # (the signal family and the danger section) are left out here; an
        # injury or a threat still makes it acute through their own combinations.
        signals = {k: v for k, v in signals.items() if k != "brand"}
        dangers = {k: v for k, v in dangers.items() if k != FIRE_DANGER}
    reasons = acute_reasons(signals, evidence.cues)
    for reason, found in evidence.acute.items():
        reasons.append(explain.acute_trigger(reason, found[0]))
    # The reporter says nobody is in danger now, or that it has been calm since
    # an old incident: only an acute combination (above) makes that acute.
    calm = "geen_gevaar_nu" in evidence.cues
    if harmless_setting(signals) is None and not calm:
        reasons.extend(_danger_now(evidence.cues, dangers))
    # The acute score: the model's probability raised by single signals that
    # are acute only in combination ("he has a gun"), tuned for recall.
    p_acute = combined_score(probs.get("acuut", 0.0), signals)
    threshold = th.acute_model
    # A danger with only a weak "nu" ("het ligt nu in mijn schuur") is left to
    # the model, with a lower bar than a report without any danger word; a
    # report that says itself the danger is old or habitual needs more.
    if evidence.danger and "nu_zwak" in evidence.cues:
        threshold = th.acute_model / 2
    # Waste dumped away from homes (barrels in a wood) is a lab's leftovers,
    # not an active lab where people live.
    dumped_away = "dumping" in signals and not (
        "bewoond" in signals or "mensen_in_gevaar" in evidence.cues)
    old_or_habit = "oud_of_gewoonte" in evidence.cues and "nu" not in evidence.cues
    if calm or dumped_away or old_or_habit:
        threshold = min(0.9, threshold * 2)
    elif evidence.past_signals and not any(f in signals for f in TIMED):
        # Every danger word is set in the past ("vorig jaar werd er geschoten"):
        # the model alone must be very sure.
        threshold = max(threshold, PAST_ONLY_THRESHOLD)
    if not reasons and p_acute >= threshold:
        strongest = max(signals, key=lambda f: PARTIAL.get(f, 0.0), default=None)
        if strongest is not None and PARTIAL.get(strongest, 0.0) > 0:
            reasons.append(explain.acute_model_signal(p_acute, strongest,
                                                      signals[strongest][0]))
        else:
            reasons.append(explain.acute_model(p_acute))
    if reasons:
        return "acuut", reasons

    rest = [u for u in URGENCIES if u != "acuut"]
    urgency = max(rest, key=lambda u: probs.get(u, 0.0))
    cues = evidence.high if urgency == "hoog" else evidence.low if urgency == "laag" else {}
    for reason, found in cues.items():
        reasons.append(explain.urgency_cue(urgency, reason, found[0]))
        break
    if urgency != "normaal" and not reasons:
        reasons.append(explain.urgency_model(urgency, probs.get(urgency, 0.0)))
    return urgency, reasons


# Themes whose ongoing activity is `hoog` by the taxonomy: exploitation of
# people, active production, extortion going on.
ONGOING_HIGH = frozenset({"hennep", "drugslab", "mensenhandel", "arbeidsuitbuiting",
                          "criminele_uitbuiting", "afpersing"})


def urgency_floor(urgency: str, reasons: list[str], theme: str, evidence: Evidence,
                  ongoing: str | None) -> tuple[str, list[str]]:
    """Minimum urgencies the taxonomy sets, each explained by the rule that
    raised it: the reporter's "nog gaande: ja" for ongoing exploitation,
    production or extortion, and drug waste dumped (barrels, jerrycans) for a
    suspected drug lab. Never lowers anything. A `hoog` the model gave
    without a cue is explained by the rule instead, when one applies (staff
    read "gedumpt afval" rather than a bare probability)."""
    model_only = urgency == "hoog" and all(line.startswith("hoog: tekstmodel")
                                           for line in reasons)
    if urgency not in ("normaal", "laag") and not model_only:
        return urgency, reasons
    if ongoing == "ja" and theme in ONGOING_HIGH:
        return "hoog", [explain.urgency_ongoing(theme)]
    signals = evidence.signal_families
    if theme == "drugslab" and "dumping" in signals and (
            "lab" in signals or evidence.theme_hits.get("drugslab")):
        found = signals.get("lab") or evidence.theme_hits["drugslab"]
        return "hoog", [explain.urgency_dumped_lab(signals["dumping"][0], found[0])]
    return urgency, reasons


def apply_danger_answer(answer: bool | None, urgency: str,
                        reasons: list[str]) -> tuple[str, list[str]]:
    """The reporter's own answer to "Is er nu iemand in gevaar?" (taxonomy.md,
    `danger_now`): yes makes the report acute, with its own explanation first;
    no never lowers what the text supports (it is only noted when the text
    says acute); absent changes nothing."""
    if answer is True:
        return "acuut", [explain.acute_reporter(), *(r for r in reasons if urgency == "acuut")]
    if answer is False and urgency == "acuut":
        return urgency, [*reasons, explain.acute_reporter_denied()]
    return urgency, reasons


def _danger_now(cues: Mapping[str, list[Match]], dangers: Mapping[str, list[Match]]) -> list[str]:
    strong_now = cues.get("nu")
    people = cues.get("mensen_in_gevaar")
    # "Vorige maand werd er een explosief gegooid", "elke avond staan ze er":
    # an old or habitual danger is serious, but not acute, unless it is
    # happening right now.
    if "oud_of_gewoonte" in cues and not strong_now:
        return []
    context = strong_now or people
    for reason, found in dangers.items():
        if context:
            return [explain.acute_danger(reason, found[0], context[0])]
        if reason == ATTACK_DANGER and "vanavond" in cues:
            return [explain.acute_danger(reason, found[0], cues["vanavond"][0])]
    return []


# --------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------
def default_route(theme: str, evidence: Evidence, routing: RoutingTable) -> tuple[str, str]:
    """The table route for a theme, with the split by routing cues (fraude:
    benefits/registration -> gemeente_sociaal, tax/invoices -> belastingdienst)."""
    route = routing.themes[theme]
    candidates = routing.split.get(theme)
    if candidates:
        scored = [(evidence.route_scores.get(r, 0.0), -i, r) for i, r in enumerate(candidates)]
        score, _, best = max(scored)
        if score > 0:
            return best, explain.route_split(best, theme, _route_cue_word(evidence, best))
    return route, explain.route_default(route, theme)


def _route_cue_word(evidence: Evidence, route: str) -> str:
    # Route cue matches are not kept per route in Evidence.route_scores, so
    # describe the split by the partner's domain instead of a single word.
    return {"belastingdienst": "belasting, facturen of bedrijven",
            "gemeente_sociaal": "uitkering, toeslagen of inschrijving"}.get(route, route)


def decide_route(theme: str, secondary: list[str], urgency: str, evidence: Evidence,
                 routing: RoutingTable, p_escalate: float,
                 th: Thresholds) -> tuple[str, list[str]]:
    if theme in routing.fixed_themes:
        route = routing.themes[theme]
        return route, [explain.route_fixed(route, theme)]
    if urgency == "acuut" and routing.acute_route:
        return routing.acute_route, [explain.route_acute(routing.acute_route)]
    route, reason = default_route(theme, evidence, routing)
    if not routing.escalate_to_riec or route not in routing.escalate_from:
        return route, [reason]
    escalation = escalation_reasons(theme, secondary, evidence, p_escalate, th, routing)
    if escalation:
        return "riec", escalation
    return route, [reason]


def escalation_reasons(theme: str, secondary: list[str], evidence: Evidence,
                       p_escalate: float, th: Thresholds,
                       routing: RoutingTable | None = None) -> list[str]:
    """Why the report shows an organised, multi-partner picture (empty: it does not)."""
    reasons = [explain.route_riec(reason, found[0]) for reason, found in evidence.riec.items()]
    # Two themes count only when they belong to different partners (a front
    # business that also houses exploited workers); dealing by minors is one
    # police matter, not a multi-partner picture.
    own_route = routing.themes.get(theme) if routing else None
    strong_other = [t for t in secondary if t != theme
                    and evidence.theme_scores.get(t, 0.0) >= THEME_SCORE_UNIT
                    and (routing is None or routing.themes.get(t) != own_route)]
    if strong_other and p_escalate >= th.riec_model / 2:
        reasons.append(explain.route_riec(f"meerdere thema's ({theme} + {strong_other[0]})"))
    if not reasons and p_escalate >= th.riec_model:
        reasons.append(explain.route_riec(
            f"tekstmodel ziet georganiseerd beeld ({p_escalate:.2f})"))
    return reasons


# --------------------------------------------------------------------------
# Review
# --------------------------------------------------------------------------
def decide_review(language: str, primary: str, probs: Mapping[str, float],
                  evidence: Evidence, th: Thresholds) -> list[str]:
    """Why a person must look before this suggestion is used. A supported
    language other than Dutch is no reason by itself (language parity); an
    unsupported language is handled before this (engine: `_unreadable`)."""
    reasons: list[str] = []
    confidence = probs.get(primary, 0.0)
    if confidence < th.review_confidence:
        reasons.append(explain.review_confidence(confidence))
    ranked = sorted(probs, key=lambda t: -probs[t])
    runner_up = ranked[1] if ranked[0] == primary else ranked[0]
    p2 = probs.get(runner_up, 0.0)
    words_disagree = False
    lex_theme, lex_score = evidence.best_lexicon_theme()
    if lex_theme and lex_theme != primary and lex_score >= 2 * THEME_SCORE_UNIT:
        words_disagree = evidence.theme_scores.get(primary, 0.0) < THEME_SCORE_UNIT
        runner_up = lex_theme if words_disagree else runner_up
    if (p2 >= th.conflict_ratio * confidence and p2 >= 0.25) or words_disagree:
        reasons.append(explain.review_conflict(primary, runner_up))
    return reasons
