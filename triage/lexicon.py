"""The curated indicator lexicon: file format, compilation and matching.

The lexicon lives in `data/lexicon.txt` so that domain experts can read and
extend it without touching code. Format (one section per theme or rule):

    # comment
    [theme hennep]                 indicators for a theme (key = theme code)
    3: hennep*, wiet*, ramen .. afgeplakt*
    1.5: stroomverbruik*

    [acuut wapen genoemd]          acute trigger; the key is the reason shown to staff
    [gevaar wapen aanwezig]        danger that is acute only when it is happening now
    [hoog ...] [laag ...]          urgency cues
    [riec meerdere adressen / netwerk]   RIEC escalation cues
    [route belastingdienst]        cue used by routing.json to split a theme
    [cue mensen_dichtbij]          named cue used by rules.py
    [signal dreiging]              acute signal family, combined by acute.py
    [negation] [negation_post] [scope_break] [not_negation]   negation handling

Each weighted line is one *concept* ("short visits at the door", "passport
kept by the boss"); the model gets one feature per concept line, so it can
learn how much each concept says about each theme.

A line is `weight: phrase, phrase, ...` (weight optional, default 1). A phrase
is a sequence of space-separated elements, matched against normalised words:

    word     the exact word          word*    a word starting with "word"
    *word    a word ending in it     *word*   a word containing it
    a|b|c    any of the alternatives #        a number (digits)
    ..       up to three other words in between (same clause)

Negation: a match is ignored when a word from [negation] stands at most three
words before it (or inside a `..` gap) in the same clause, with no
[scope_break] word in between ("geen wietlucht", "ramen zijn niet afgeplakt"),
or when a [negation_post] phrase starts at most three words after it in the
same clause ("wapens heb ik niet gezien", Turkish "silah yok").
Phrases that contain the negation word themselves ("geen klanten", "loon niet
uitbetaald") are indicators, and their negation word negates nothing else.
[not_negation] lists expressions that start with a negation word but negate
nothing ("niet normaal", "geen idee", "niet alleen").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress, count
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple, cast

from .normalize import Tokens, normalize, words

GAP_WIDTH = 3  # how many words ".." may skip
NEGATION_REACH = 3  # how many words before a match a negation word may stand

_SECTION = re.compile(r"^\[(\w+)(?:\s+(.+?))?\]$")
_WEIGHT_LINE = re.compile(r"^(\d+(?:\.\d+)?)\s*:\s*(.*)$")

# Section kinds and whether they carry a key.
_KEYED_KINDS = {"theme", "acuut", "gevaar", "hoog", "laag", "riec", "route", "cue", "signal"}
_WORD_LIST_KINDS = {"negation", "negation_post", "scope_break", "not_negation"}


class LexiconError(ValueError):
    """The lexicon file is malformed (reported with file name and line number)."""


# One alternative of an element: (mode, text) with mode one of
# "exact", "prefix", "suffix", "infix", "number".
Alternative = tuple[str, str]

# Words so frequent that indexing a phrase by them would make the matcher try
# the phrase at almost every position; a phrase is indexed by its first
# element that is not one of these (its "anchor") and matched outwards.
_COMMON_WORDS = frozenset("""
de het een en in op van te is er ik je ze hij zij we wij mijn zijn haar hun met voor aan bij
naar om uit dat die dit niet geen nooit zonder niks niets wel ook nog al dan als of maar nu net
heel veel meer kan moet wil zal heeft hebben wordt werd was waren komt gaat staat daar hier
zo toch wat wie waar hoe elke iedere alle andere ander the a of to and it is are was on at for
by no not with this that from my his her their we they nie w z na do i sie ve bir bu da de si
nu cu la pe un o""".split())


def _selectivity(element: tuple[Alternative, ...]) -> int:
    """Higher = rarer in text; used to pick the anchor element of a phrase."""
    worst = 100
    for mode, text in element:
        if mode == "number":
            return 0
        score = len(text) - (20 if text in _COMMON_WORDS else 0) - (2 if mode != "exact" else 0)
        worst = min(worst, score)
    return worst


@dataclass(frozen=True, slots=True)
class Pattern:
    pid: int
    kind: str
    key: str
    weight: float
    phrase: str  # as written in the file, for explanations and debugging
    group: int  # ordinal of the line (concept) within its section
    elements: tuple[tuple[Alternative, ...], ...]
    gaps: tuple[int, ...]  # gaps[i]: how many words may precede element i
    matchers: tuple[ElementMatcher, ...] = field(default=(), compare=False, repr=False)
    tests: tuple = field(default=(), compare=False, repr=False)  # matchers[i].test
    has_gap: bool = False
    anchor: int = 0  # index of the element the phrase is indexed by
    # Words of which at least one must occur in the text for the phrase to
    # match (the exact alternatives of its rarest exact-only element); lets
    # the scanner skip verification with one set operation.
    required: frozenset[str] = frozenset()
    concept: str = ""  # feature name of the concept line: "c:kind:key:line"

    @classmethod
    def build(cls, pid: int, kind: str, key: str, weight: float, phrase: str, group: int,
              elements: tuple[tuple[Alternative, ...], ...], gaps: tuple[int, ...],
              anchored: bool = True) -> Pattern:
        anchor = 0
        if anchored:
            best = max(_selectivity(e) for e in elements)
            anchor = next(i for i, e in enumerate(elements) if _selectivity(e) == best)
        exact_only = [e for i, e in enumerate(elements)
                      if i != anchor and all(mode == "exact" for mode, _ in e)]
        required: frozenset[str] = frozenset()
        if exact_only:
            rarest = max(exact_only, key=_selectivity)
            required = frozenset(text for _, text in rarest)
        matchers = tuple(_matcher(e) for e in elements)
        return cls(pid, kind, key, weight, phrase, group, elements, gaps, matchers,
                   tuple(m.test for m in matchers), any(gaps), anchor, required,
                   f"c:{kind}:{key}:{group}")


@dataclass(frozen=True, slots=True)
class Match:
    pattern: Pattern
    start: int
    end: int  # exclusive
    surface: str  # the matched words, as normalised text
    negator: str | None = None  # the negation word that cancelled this match

    @property
    def negated(self) -> bool:
        return self.negator is not None


@dataclass(slots=True)
class Scan:
    """All lexicon matches in one text, grouped for the rules."""

    matches: list[Match] = field(default_factory=list)
    _active: dict[str, dict[str, list[Match]]] | None = None

    def _group(self) -> dict[str, dict[str, list[Match]]]:
        if self._active is None:
            grouped: dict[str, dict[str, list[Match]]] = {}
            for m in self.matches:
                if m.negator is None:
                    grouped.setdefault(m.pattern.kind, {}).setdefault(m.pattern.key, []).append(m)
            for by_key in grouped.values():
                for key, found in by_key.items():
                    by_key[key] = _non_overlapping(found) if len(found) > 1 else found
            self._active = grouped
        return self._active

    def active(self, kind: str) -> dict[str, list[Match]]:
        """Non-negated, non-overlapping matches of `kind`, grouped by key."""
        return self._group().get(kind, {})

    def scores(self, kind: str) -> dict[str, float]:
        return {
            key: sum(m.pattern.weight for m in found) for key, found in self.active(kind).items()
        }

    def negated(self) -> list[Match]:
        return [m for m in self.matches if m.negator is not None]


def _non_overlapping(found: list[Match]) -> list[Match]:
    """Keep the longest/strongest matches; one pattern counts once per text."""
    by_start = sorted(found, key=_START)
    previous_end = -1
    pids: set[int] = set()
    for m in by_start:  # the common case: separate matches of different patterns
        if m.start < previous_end or m.pattern.pid in pids:
            break
        previous_end = m.end
        pids.add(m.pattern.pid)
    else:
        return by_start
    ordered = sorted(found, key=lambda m: (-(m.end - m.start), -m.pattern.weight, m.start))
    taken: list[Match] = []
    seen_patterns: set[int] = set()
    covered: set[int] = set()
    for m in ordered:
        span = range(m.start, m.end)
        if m.pattern.pid in seen_patterns or any(i in covered for i in span):
            continue
        taken.append(m)
        seen_patterns.add(m.pattern.pid)
        covered.update(span)
    taken.sort(key=_START)
    return taken


_START = attrgetter("start")


def _parse_alternative(raw: str, where: str) -> Alternative:
    if raw == "#":
        return ("number", "")
    starts, ends = raw.startswith("*"), raw.endswith("*")
    core = raw.strip("*")
    if not core or "*" in core:
        raise LexiconError(f"{where}: bad element {raw!r}")
    # Compare like the tokenizer: quotes, '%', '!' and the like never reach a word.
    pieces = words(normalize(core))
    if len(pieces) != 1:
        raise LexiconError(f"{where}: element {raw!r} is not a single word; "
                           "split it into words or drop the punctuation")
    core = pieces[0]
    if starts and ends:
        return ("infix", core)
    if ends:
        return ("prefix", core)
    if starts:
        return ("suffix", core)
    return ("exact", core)


def _parse_phrase(raw: str, where: str
                  ) -> tuple[tuple[tuple[Alternative, ...], ...], tuple[int, ...]]:
    elements: list[tuple[Alternative, ...]] = []
    gaps: list[int] = []
    pending_gap = 0
    for part in raw.split():
        if part == "..":
            if not elements or pending_gap:
                raise LexiconError(f"{where}: '..' must stand between two words in {raw!r}")
            pending_gap = GAP_WIDTH
            continue
        # A hyphenated or accented element may normalise into several words
        # ("e-bike" -> "e bike"); each becomes its own element.
        alternatives = [a for a in part.split("|") if a]
        if len(alternatives) == 1 and part != "#" and len(words(normalize(part.strip("*")))) > 1:
            # "e-bike", "#-jarigen", "24/7": one written word, several tokens.
            pieces = [p for p in re.split(r"[^\w#*]+", part) if p.strip("*")]
            for i, piece in enumerate(pieces):
                elements.append((_parse_alternative(piece, where),))
                gaps.append(pending_gap if i == 0 else 0)
                pending_gap = 0
            continue
        elements.append(tuple(_parse_alternative(a, where) for a in alternatives))
        gaps.append(pending_gap)
        pending_gap = 0
    if not elements or pending_gap:
        raise LexiconError(f"{where}: empty or dangling phrase {raw!r}")
    return tuple(elements), tuple(gaps)


class ElementMatcher:
    """One pattern element compiled to C-speed checks (set lookup, startswith
    with a tuple, endswith with a tuple); matching runs millions of times."""

    __slots__ = ("exact", "prefixes", "suffixes", "infixes", "number", "test")

    def __init__(self, alternatives: tuple[Alternative, ...]) -> None:
        self.exact = frozenset(text for mode, text in alternatives if mode == "exact")
        self.prefixes = tuple(text for mode, text in alternatives if mode == "prefix")
        self.suffixes = tuple(text for mode, text in alternatives if mode == "suffix")
        self.infixes = tuple(text for mode, text in alternatives if mode == "infix")
        self.number = any(mode == "number" for mode, _ in alternatives)
        # Most elements are plain words: then the test is the set's own C-level
        # membership check, without a Python call in between.
        exact_only = not (self.prefixes or self.suffixes or self.infixes or self.number)
        self.test = self.exact.__contains__ if exact_only else self.__call__

    def __call__(self, word: str) -> bool:
        if word in self.exact:
            return True
        if self.prefixes and word.startswith(self.prefixes):
            return True
        if self.suffixes and word.endswith(self.suffixes):
            return True
        if self.infixes and any(x in word for x in self.infixes):
            return True
        return self.number and word.isdigit()


_MATCHERS: dict[tuple[Alternative, ...], ElementMatcher] = {}


def _matcher(element: tuple[Alternative, ...]) -> ElementMatcher:
    found = _MATCHERS.get(element)
    if found is None:
        found = _MATCHERS[element] = ElementMatcher(element)
    return found


def _element_matches(element: tuple[Alternative, ...], word: str) -> bool:
    return _matcher(element)(word)


# The gap search of `Lexicon._match_from`, as module functions: nested
# recursive closures would form a reference cycle per call, left for the
# cyclic garbage collector.
def _forward(gaps: tuple[int, ...], matchers: tuple, words: list[str], clauses: list[int],
             clause: int, index: int, pos: int) -> list[int] | None:
    if index == len(matchers):
        return []
    gap = gaps[index]
    for j in range(pos, min(pos + gap + 1, len(words))):
        if clauses[j] != clause and gap:
            break
        if matchers[index](words[j]):
            found = _forward(gaps, matchers, words, clauses, clause, index + 1, j + 1)
            if found is not None:
                return [j, *found]
    return None


def _backward(gaps: tuple[int, ...], matchers: tuple, words: list[str], clauses: list[int],
              clause: int, index: int, pos: int) -> list[int] | None:
    # Element `index` must end right before `pos`, at most gaps[index + 1] earlier.
    if index < 0:
        return []
    gap = gaps[index + 1]
    for j in range(pos - 1, max(pos - gap - 2, -1), -1):
        if clauses[j] != clause and gap:
            break
        if matchers[index](words[j]):
            found = _backward(gaps, matchers, words, clauses, clause, index - 1, j)
            if found is not None:
                return [*found, j]
    return None


class Candidates(NamedTuple):
    """What a word can start: its one-word patterns and longer patterns.

    `gate`: when every longer pattern has `required` words, the union of
    them (if the text has none of these words, no longer pattern can match:
    one set operation instead of one per pattern); otherwise None.
    `negation_word`: whether the word itself is a negation word."""

    singles: tuple[Pattern, ...]
    longer: tuple[Pattern, ...]
    gate: frozenset[str] | None
    negation_word: bool


# Most words start no pattern: they map to an empty (falsy) tuple instead.
NoCandidates = tuple[()]


class Lexicon:
    """A compiled lexicon: index by first element, then verify the rest."""

    def __init__(self, patterns: list[Pattern], negation: Iterable[str] = (),
                 negation_post: Iterable[Pattern] = (), scope_break: Iterable[str] = (),
                 not_negation: Iterable[Pattern] = ()) -> None:
        self.patterns = patterns
        self.negation = frozenset(normalize(w) for w in negation)
        self.negation_post = list(negation_post)
        self._post_first = frozenset(alt[1] for p in self.negation_post for alt in p.elements[0])
        self.scope_break = frozenset(normalize(w) for w in scope_break)
        self._negation_words = self.negation | self._post_first
        self.not_negation = list(not_negation)
        self._not_negation_by_word: dict[str, list[Pattern]] = {}
        for p in self.not_negation:
            for mode, text in p.elements[0]:
                if mode != "exact":
                    raise LexiconError(f"[not_negation] phrase {p.phrase!r} must start with a word")
                self._not_negation_by_word.setdefault(text, []).append(p)
        self._exact: dict[str, list[Pattern]] = {}
        self._prefix: dict[str, list[Pattern]] = {}
        self._suffix: dict[str, list[Pattern]] = {}
        self._infix: dict[str, list[Pattern]] = {}
        self._number: list[Pattern] = []
        for p in patterns:
            for mode, text in p.elements[p.anchor]:
                if mode == "number":
                    self._number.append(p)
                else:
                    table = {"exact": self._exact, "prefix": self._prefix,
                             "suffix": self._suffix, "infix": self._infix}[mode]
                    table.setdefault(text, []).append(p)
        self._prefix_lengths = sorted({len(k) for k in self._prefix})
        self._suffix_lengths = sorted({len(k) for k in self._suffix})
        self._infix_lengths = sorted({len(k) for k in self._infix})
        self._infix_head = self._infix_lengths[0] if self._infix_lengths else 1
        self._infix_heads = frozenset(k[:self._infix_head] for k in self._infix)
        # Words repeat across reports; remembering which patterns a word can
        # start saves most of the lookup work on large batches.
        self._candidate_cache: dict[str, Candidates | NoCandidates] = {}

    # -- lookup ---------------------------------------------------------
    def _candidates(self, word: str) -> Candidates | NoCandidates:
        """(one-word patterns, longer patterns) whose anchor element matches
        `word`, or () when there are none."""
        cached = self._candidate_cache.get(word)
        if cached is not None:
            return cached
        found: dict[int, Pattern] = {}
        for p in self._exact.get(word, ()):
            found[p.pid] = p
        n = len(word)
        for length in self._prefix_lengths:
            if length > n:
                break
            for p in self._prefix.get(word[:length], ()):
                found[p.pid] = p
        for length in self._suffix_lengths:
            if length > n:
                break
            for p in self._suffix.get(word[n - length:], ()):
                found[p.pid] = p
        # Infixes: only at positions where some infix starts (its first
        # characters), instead of every length at every position.
        heads, head = self._infix_heads, self._infix_head
        infix = self._infix
        for i in range(n - head + 1):
            if word[i:i + head] in heads:
                for length in self._infix_lengths:
                    if i + length > n:
                        break
                    for p in infix.get(word[i:i + length], ()):
                        found[p.pid] = p
        if word.isdigit():
            for p in self._number:
                found[p.pid] = p
        ordered = sorted(found.values(), key=lambda p: p.pid)
        # Most words start no pattern: an empty (falsy) tuple lets `scan` skip
        # them in C.
        result: Candidates | NoCandidates = ()
        if ordered:
            longer = tuple(p for p in ordered if len(p.elements) > 1)
            gate = (frozenset[str]().union(*(p.required for p in longer))
                    if longer and all(p.required for p in longer) else None)
            result = Candidates(tuple(p for p in ordered if len(p.elements) == 1), longer, gate,
                                word in self._negation_words)
        if len(self._candidate_cache) > 200_000:
            self._candidate_cache.clear()
        self._candidate_cache[word] = result
        return result

    @staticmethod
    def _match_from(pattern: Pattern, tokens: Tokens, at: int) -> list[int] | None:
        """Positions of the pattern's elements when its anchor element matches
        the word at `at` (the anchor itself is already known to match)."""
        words, clauses = tokens
        matchers = pattern.tests
        anchor = pattern.anchor
        n = len(words)
        if not pattern.has_gap:  # common case: consecutive words
            start = at - anchor
            end = start + len(matchers)
            if start < 0 or end > n:
                return None
            for k, test in enumerate(matchers):
                if k != anchor and not test(words[start + k]):
                    return None
            return list(range(start, end))

        clause = clauses[at]
        after = _forward(pattern.gaps, matchers, words, clauses, clause, anchor + 1, at + 1)
        if after is None:
            return None
        before = _backward(pattern.gaps, matchers, words, clauses, clause, anchor - 1, at)
        if before is None:
            return None
        return [*before, at, *after]

    # -- negation --------------------------------------------------------
    def _exempt_negations(self, tokens: Tokens) -> set[int]:
        """Positions of negation words that start a [not_negation] phrase."""
        exempt: set[int] = set()
        by_word = self._not_negation_by_word
        words = tokens.words
        # Only positions whose word starts such a phrase (picked in C).
        for i in compress(count(), map(by_word.__contains__, words)):
            for p in by_word[words[i]]:
                if len(p.elements) == 1 or self._match_from(p, tokens, i):
                    exempt.add(i)
                    break
        return exempt

    def _post_negations(self, tokens: Tokens) -> dict[int, str]:
        """Start position -> text of each [negation_post] phrase in the text."""
        found: dict[int, str] = {}
        words = tokens.words
        if self._post_first.isdisjoint(words):
            return found
        for i in compress(count(), map(self._post_first.__contains__, words)):
            word = words[i]
            for p in self.negation_post:
                if not _element_matches(p.elements[0], word):
                    continue
                used = self._match_from(p, tokens, i) if len(p.elements) > 1 else [i]
                if used is not None:
                    found[i] = " ".join(words[i:used[-1] + 1])
                    break
        return found

    def _negator(self, tokens: Tokens, start: int, end: int, used: list[int],
                 inert: set[int], post: dict[int, str]) -> str | None:
        """The negation that cancels the match at words[start:end], if any.

        Only the few words within reach are looked at: the nearest negation
        word at most NEGATION_REACH words before the match, or the nearest
        post-negation phrase at most NEGATION_REACH words after it, in the
        same clause with no scope break in between."""
        words, clauses = tokens
        negation, breaks = self.negation, self.scope_break
        if end - start > len(used):  # words inside a ".." gap
            used_set = set(used)
            for k in range(start, end):
                if k not in used_set and words[k] in negation and k not in inert:
                    return words[k]
        clause = clauses[start]
        for k in range(start - 1, max(start - NEGATION_REACH, 0) - 1, -1):
            if clauses[k] != clause or words[k] in breaks:
                break
            if words[k] in negation and k not in inert:
                return words[k]
        n = len(words)
        if end < n and post:
            clause = clauses[end]
            for k in range(end, min(end + NEGATION_REACH, n - 1) + 1):
                if clauses[k] != clause or words[k] in breaks:
                    break
                if k in post and k not in inert:
                    return post[k]
        return None

    # -- public ------------------------------------------------------------
    def scan(self, tokens: Tokens) -> Scan:
        words = tokens.words
        present = set(words)
        raw: list[tuple[Pattern, int, int, list[int]]] = []
        inert: set[int] = set()  # negation words that belong to an indicator
        negation_words = self._negation_words
        found = list(map(self._candidate_cache.get, words))
        if None in found:
            found = [c if c is not None else self._candidates(w)
                     for c, w in zip(found, words, strict=True)]
        # Only positions whose word starts a pattern (non-empty candidates):
        # compress/filter pick them in C instead of a Python step per word.
        match_from = self._match_from
        starting = cast("Iterator[Candidates]", filter(None, found))
        for i, (singles, longer, gate, negation_word) in zip(
                compress(range(len(words)), found), starting, strict=True):
            if singles:
                single = [i]
                raw.extend([(p, i, i + 1, single) for p in singles])
                if negation_word:
                    inert.add(i)
            if not longer or (gate is not None and gate.isdisjoint(present)):
                continue
            for p in longer:
                if p.required and p.required.isdisjoint(present):
                    continue
                used = match_from(p, tokens, i)
                if used is None:
                    continue
                raw.append((p, used[0], used[-1] + 1, used))
                for k in used:
                    if words[k] in negation_words:
                        inert.add(k)
        if not raw:
            return Scan()
        post = self._post_negations(tokens) if self.negation_post else {}
        if present.isdisjoint(self.negation) and not post:
            # Nothing in the text can negate anything.
            return Scan([Match(p, start, end, " ".join(words[start:end]))
                         for p, start, end, _ in raw])
        if self.not_negation:
            inert |= self._exempt_negations(tokens)
        return Scan([Match(p, start, end, " ".join(words[start:end]),
                           self._negator(tokens, start, end, used, inert, post))
                     for p, start, end, used in raw])

    def keys(self, kind: str) -> list[str]:
        return sorted({p.key for p in self.patterns if p.kind == kind})


def parse_lexicon(text: str, source: str = "lexicon") -> Lexicon:
    patterns: list[Pattern] = []
    word_lists: dict[str, list[str]] = {k: [] for k in _WORD_LIST_KINDS}
    not_negation: list[Pattern] = []
    negation_post: list[Pattern] = []
    kind: str | None = None
    key = ""
    group = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{lineno}"
        section = _SECTION.match(line)
        if section:
            kind, key = section.group(1), (section.group(2) or "").strip()
            if kind in _KEYED_KINDS and not key:
                raise LexiconError(f"{where}: section [{kind}] needs a key")
            if kind not in _KEYED_KINDS and kind not in _WORD_LIST_KINDS:
                raise LexiconError(f"{where}: unknown section kind {kind!r}")
            group = 0
            continue
        if kind is None:
            raise LexiconError(f"{where}: entry before the first [section]")
        weight = 1.0
        weighted = _WEIGHT_LINE.match(line)
        if weighted:
            weight, line = float(weighted.group(1)), weighted.group(2)
        phrases = [p.strip() for p in line.split(",") if p.strip()]
        if kind in ("negation", "scope_break"):
            word_lists[kind].extend(phrases)
            continue
        group += 1
        for phrase in phrases:
            elements, gaps = _parse_phrase(phrase, where)
            pid = len(patterns) + len(not_negation) + len(negation_post)
            # Negation phrases are matched from their first word, never re-anchored.
            anchored = kind not in ("not_negation", "negation_post")
            pattern = Pattern.build(pid, kind, key, weight, phrase, group, elements, gaps,
                                    anchored)
            if kind == "not_negation":
                not_negation.append(pattern)
            elif kind == "negation_post":
                if any(alt[0] != "exact" for alt in elements[0]):
                    raise LexiconError(f"{where}: [negation_post] phrases must start with a word")
                negation_post.append(pattern)
            else:
                patterns.append(pattern)
    return Lexicon(patterns, word_lists["negation"], negation_post,
                   word_lists["scope_break"], not_negation)


def load_lexicon(path: str | Path) -> Lexicon:
    path = Path(path)
    return parse_lexicon(path.read_text(encoding="utf-8"), source=path.name)
