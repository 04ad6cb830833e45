"""Turn raw lexicon matches into the evidence the rules and the model use.

`Evidence` is the single summary of "what the lexicon saw" in one report:
theme indicator scores, acute triggers, urgency cues, RIEC escalation cues,
routing cues and the negations that cancelled indicators. The same summary
feeds the model (as the lexicon feature block) and the explanation, so what
staff read is exactly what the classifier used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import acute
from .lexicon import Lexicon, Match, Scan
from .taxonomy import THEMES

# A theme score is capped so that a long report repeating one indicator
# cannot outvote everything else; 3 = one strong indicator.
THEME_SCORE_CAP = 6.0
THEME_SCORE_UNIT = 3.0


@dataclass(frozen=True)
class Evidence:
    theme_scores: dict[str, float]
    theme_hits: dict[str, list[Match]]
    acute: dict[str, list[Match]]  # reason -> triggers that are acute on their own
    danger: dict[str, list[Match]]  # reason -> dangers that are acute only when happening now
    high: dict[str, list[Match]]
    low: dict[str, list[Match]]
    riec: dict[str, list[Match]]  # reason -> cues
    route_scores: dict[str, float]
    cues: dict[str, list[Match]]
    negated: list[Match]
    concepts: frozenset[str] = frozenset()  # "kind:key:line" of every active concept line
    signals: dict[str, list[Match]] | None = None  # acute signal families (acute.py), current only
    past_signals: tuple[Match, ...] = ()  # acute signals and triggers set in the past

    @classmethod
    def empty(cls) -> Evidence:
        return cls.from_scan(Scan())

    @classmethod
    def from_scan(cls, scan: Scan, in_past: Callable[[Match], bool] | None = None,
                  words: list[str] | None = None) -> Evidence:
        """`in_past` (acute.past_filter) moves acute triggers, dangers and
        signals set in the past out of the acute evidence; `words` lets a
        time after "elke"/"every" count as a habit."""
        hits = scan.active("theme")
        past: list[Match] = []

        def current(by_key: dict[str, list[Match]], timed: tuple[str, ...] | None = None
                    ) -> dict[str, list[Match]]:
            if in_past is None:
                return by_key
            kept: dict[str, list[Match]] = {}
            for key, found in by_key.items():
                if timed is not None and key not in timed:
                    kept[key] = found
                    continue
                now = [m for m in found if not in_past(m)]
                past.extend(m for m in found if in_past(m))
                if now:
                    kept[key] = now
            return kept

        signals = current(scan.active(acute.SIGNAL), acute.TIMED)
        if words is not None and "tijdstip" in signals:
            times = [m for m in signals["tijdstip"] if not acute.is_habit(m, words)]
            signals = {k: v for k, v in signals.items() if k != "tijdstip"}
            if times:
                signals["tijdstip"] = times
        signals.pop("verleden", None)
        return cls(
            theme_scores={t: sum(m.pattern.weight for m in found) for t, found in hits.items()},
            theme_hits=hits,
            acute=current(scan.active("acuut")),
            danger=current(scan.active("gevaar")),
            high=scan.active("hoog"),
            low=scan.active("laag"),
            riec=scan.active("riec"),
            route_scores=scan.scores("route"),
            cues=scan.active("cue"),
            negated=scan.negated(),
            concepts=frozenset(m.pattern.concept for m in scan.matches if m.negator is None),
            signals=signals,
            past_signals=tuple(past),
        )

    @property
    def signal_families(self) -> dict[str, list[Match]]:
        return self.signals or {}

    def theme_strength(self, theme: str) -> float:
        """Lexicon support for a theme on a 0..2 scale (1 = one strong indicator)."""
        return min(self.theme_scores.get(theme, 0.0), THEME_SCORE_CAP) / THEME_SCORE_UNIT

    def best_lexicon_theme(self) -> tuple[str | None, float]:
        if not self.theme_scores:
            return None, 0.0
        theme = max(self.theme_scores, key=lambda t: (self.theme_scores[t], -THEMES.index(t)))
        return theme, self.theme_scores[theme]

    def features(self) -> dict[str, float]:
        """The lexicon feature block for the model (names from `feature_names`)."""
        f: dict[str, float] = {}
        for theme in self.theme_scores:
            f[f"theme:{theme}"] = self.theme_strength(theme)
        if self.acute:
            f["acuut"] = 1.0
            for reason in self.acute:
                f[f"acuut:{reason}"] = 1.0
        for reason in self.danger:
            f[f"gevaar:{reason}"] = 1.0
        for reason, found in self.high.items():
            f[f"hoog:{reason}"] = min(len(found), 3) / 3
        for reason, found in self.low.items():
            f[f"laag:{reason}"] = min(len(found), 3) / 3
        for reason in self.riec:
            f[f"riec:{reason}"] = 1.0
        for route, score in self.route_scores.items():
            f[f"route:{route}"] = min(score, 4.0) / 2
        for cue in self.cues:
            f[f"cue:{cue}"] = 1.0
        if self.negated:
            f["negated"] = min(len(self.negated), 3) / 3
        strong = [t for t in self.theme_scores if self.theme_scores[t] >= THEME_SCORE_UNIT]
        if len(strong) >= 2:
            f["multi_theme"] = 1.0
        # Sorted: the model sums a row's features in this order, so a set's
        # iteration order (it follows the string hash seed) would change the
        # last digits of the confidence from one process to the next.
        for concept in sorted(self.concepts):
            f[concept] = 1.0
        for family in self.signal_families:
            f[f"signal:{family}"] = 1.0
        if self.past_signals:
            f["signal_past"] = 1.0
        if acute.acute_reasons(self.signal_families, self.cues):
            f["signal_acuut"] = 1.0
        return f


def feature_names(lexicon: Lexicon) -> list[str]:
    """Every name `Evidence.features` can produce for this lexicon, sorted."""
    names = {"acuut", "negated", "multi_theme", "signal_past", "signal_acuut"}
    names.update(f"signal:{r}" for r in lexicon.keys(acute.SIGNAL))
    names.update(p.concept for p in lexicon.patterns)
    names.update(f"gevaar:{r}" for r in lexicon.keys("gevaar"))
    names.update(f"theme:{t}" for t in lexicon.keys("theme"))
    names.update(f"acuut:{r}" for r in lexicon.keys("acuut"))
    names.update(f"hoog:{r}" for r in lexicon.keys("hoog"))
    names.update(f"laag:{r}" for r in lexicon.keys("laag"))
    names.update(f"riec:{r}" for r in lexicon.keys("riec"))
    names.update(f"route:{r}" for r in lexicon.keys("route"))
    names.update(f"cue:{c}" for c in lexicon.keys("cue"))
    return sorted(names)
