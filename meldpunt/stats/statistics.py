"""Statistics for communications and the public, from the daily aggregate tables.

Everything here reads the aggregate tables that ``meldpunt/stats/rollup.py`` keeps
(plus the traffic counters in ``daily_counter``); no function reads a report.
Results are plain values: ``Cell`` (one published number), ``Table`` (rows of
cells with a caption) and a few dataclasses that group tables for a page. The
views render them as HTML tables, charts (``meldpunt/stats/charts.py``) and CSV, all
from the same cells, so a number is suppressed the same way everywhere.

Small numbers
-------------
``suppress_count`` is the one rule: a count from 1 to 4 is never published; it
is shown as "<5". A rule on single cells is not enough, because published
totals and differences let a reader recompute a hidden cell (a total of 40
next to 25 + 12 + "<5" gives away a 3). We chose *secondary suppression* over
rounding: rounded totals still leak at the edges of their rounding interval
(a reader knows a hidden cell is at least 1) and they would make the headline
numbers of the meldpunt imprecise. ``protect`` therefore takes a table together
with the sums a reader knows (its total, subtotals such as a theme group, the
months that make up a quarter and a year) and hides extra cells ("x") until no
hidden count from 1 to 4 can be pinned down from those sums: first by interval
reasoning (cheap, and exact where the sums form a tree), then, for two-way
blocks, by an integer program that tries to move every hidden small count off
its value, as a determined reader with a solver would. When hiding more cells
cannot help (two categories, total 6 = 1 + 5), the cells of that line are
*withheld*: all shown as "x", so the reader cannot tell which one is small.
Percentages, changes and conversions are only computed between two published
counts.

To keep a cell's treatment the same on every page, tables are protected in
fixed calendar blocks: for each calendar year the months, quarters and the
year of a category are protected together, against the totals of the same
months, quarters, year and ISO weeks, which are protected first. A monthly
table, a quarterly table, the public results page and the yearly factsheet are
slices of the same protected block, so comparing them reveals nothing. Weeks
cut across months, so the reader's sums run through the part of each week
that falls in one month; such a part is never published and, when it holds 1
to 4 reports, protected like any small count ("March minus its whole weeks"
must not give away the reports of two days). Breakdowns are offered per
month, quarter and year, not per week; weekly statistics are totals only. No
page publishes a count of reports per day: the funnel shows form views per
day, and submitted reports as the very totals of the week, month, quarter or
year.

Periods that are over and periods still running are protected in stages (see
``_protect_year``), and running periods get totals but no breakdowns,
outcomes or durations: the figures are refreshed every quarter of an hour,
and a poller comparing a running breakdown before and after one new report
would read that report's theme, area or campaign off it.

The rollup job computes the protected year blocks and stores them
(``publish``, table ``stat_published``); pages read and cache them, and compute
a block themselves only when no stored one fits (``load_block``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import math
import threading
from collections import OrderedDict, defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import format_date, format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from meldpunt import labels as code_labels
from meldpunt.counters import FOLLOWUP_LOGIN, FORM_VIEW
from meldpunt.extensions import db
from meldpunt.models import (
    OUTCOMES,
    DailyClosureStat,
    DailyCounter,
    DailyDurationStat,
    DailyReportStat,
    StatPublished,
)
from meldpunt.stats.rollup import (
    CLOSING,
    DIMENSIONS,
    FIRST_ACTION,
    NOT_ADMISSIBLE,
    TOTAL,
    UNKNOWN_OUTCOME,
    local_today,
    state_token,
)

log = logging.getLogger(__name__)

# --- categories shown to people ---------------------------------------------------

# The 17 themes in six broad groups: the one place this mapping lives.
THEME_GROUPS: dict[str, tuple[str, ...]] = {
    "drugs": ("hennep", "drugslab", "drugshandel"),
    "uitbuiting": ("mensenhandel", "arbeidsuitbuiting", "criminele_uitbuiting"),
    "geld_vastgoed": ("witwassen", "vastgoed", "fraude", "heling"),
    "geweld": ("afpersing", "wapens_explosieven", "omg"),
    "overig": ("gokken", "milieu", "integriteit"),
    # Not "geen_ondermijning": a group code must differ from every theme code.
    "niet_voor_meldpunt": ("geen_ondermijning",),
}
THEME_GROUP_OF = {theme: group for group, themes in THEME_GROUPS.items() for theme in themes}
THEME_GROUP_LABELS = {
    "drugs": _l("Drugs: teelt, productie en handel"),
    "uitbuiting": _l("Uitbuiting van mensen"),
    "geld_vastgoed": _l("Geld, bedrijven en vastgoed"),
    "geweld": _l("Afpersing, geweld en wapens"),
    "overig": _l("Overige ondermijning"),
    "niet_voor_meldpunt": _l("Geen ondermijning: niet voor het meldpunt"),
}

# Outcomes of closed reports, in two groups: did the report lead to an action?
ACTION = "actie"
NO_ACTION = "geen_actie"
OUTCOME_GROUPS: dict[str, tuple[str, ...]] = {
    ACTION: ("controle_uitgevoerd", "gebruikt_in_onderzoek", "bestuurlijke_maatregel"),
    NO_ACTION: ("geen_vervolg_mogelijk", "doorverwezen", NOT_ADMISSIBLE, UNKNOWN_OUTCOME),
}
OUTCOME_GROUP_LABELS = {
    ACTION: _l("Leidde tot actie"),
    NO_ACTION: _l("Leidde niet tot actie"),
}
OUTCOME_STAT_LABELS = {
    **code_labels.OUTCOME_LABELS,
    NOT_ADMISSIBLE: _l("Niet ontvankelijk: niet voor het meldpunt"),
    UNKNOWN_OUTCOME: _l("Afgerond zonder vastgelegde uitkomst"),
}
if not set(OUTCOMES) <= set(OUTCOME_GROUPS[ACTION] + OUTCOME_GROUPS[NO_ACTION]):
    # A raise, not an assert: this import-time consistency check must also run under ``python -O``.
    raise RuntimeError("every report outcome must belong to an outcome group")

# Campaign codes outside the configured list (MELDPUNT_CAMPAIGNS) are counted together: a
# code typed into a link (?c=buurman-piet) must never become a label on a page.
OTHER_CAMPAIGN = "overig"
OTHER_CAMPAIGN_LABEL = _l("Andere code (niet in de lijst van campagnes)")

REPORTER_TYPE_STAT_LABELS = {
    "bewoner": _l("Bewoner of voorbijganger"),
    "ondernemer": _l("Ondernemer"),
    "professional": _l("Vanuit het werk (professional)"),
    "onbekend": _l("Niet opgegeven"),
}


@dataclass(frozen=True)
class Dimension:
    code: str  # as stored in daily_report_stat
    slug: str  # Dutch name in export URLs
    title: Any
    labels: Mapping[str, Any]
    empty_label: Any = _l("Niet ingevuld")
    # Closed lists show every category (also with 0); open lists only those that occur.
    closed: bool = True


DIMENSION_INFO: dict[str, Dimension] = {
    d.code: d
    for d in (
        Dimension(
            "theme_group", "onderwerp-groep", _l("Onderwerp (hoofdgroep)"), THEME_GROUP_LABELS
        ),
        Dimension("theme", "onderwerp", _l("Onderwerp"), code_labels.THEME_LABELS),
        Dimension("urgency", "urgentie", _l("Urgentie"), code_labels.URGENCY_LABELS),
        Dimension(
            "route", "route", _l("Route: naar wie de melding ging"), code_labels.ROUTE_LABELS
        ),
        Dimension("reporter_type", "melder", _l("Soort melder"), REPORTER_TYPE_STAT_LABELS),
        Dimension("place_type", "plaats", _l("Soort plaats"), code_labels.PLACE_TYPE_LABELS),
        Dimension(
            "postcode_area",
            "postcodegebied",
            _l("Postcodegebied (4 cijfers)"),
            {},
            empty_label=_l("Geen postcode opgegeven"),
            closed=False,
        ),
        Dimension(
            "anonymous",
            "anoniem",
            _l("Anoniem of met naam"),
            {"ja": _l("Anoniem"), "nee": _l("Met naam of contactgegevens")},
        ),
        Dimension(
            "attachments",
            "bijlagen",
            _l("Met of zonder bijlagen"),
            {"ja": _l("Met bijlagen"), "nee": _l("Zonder bijlagen")},
        ),
        Dimension(
            "campaign",
            "campagne",
            _l("Campagne (code in de link, ?c=)"),
            {},  # from the configuration: see dimension_labels
            empty_label=_l("Zonder campagnecode"),
        ),
        Dimension(
            "heard_via",
            "bekendheid",
            _l("Hoe kent u het meldpunt?"),
            {k: v for k, v in code_labels.HEARD_VIA_LABELS.items() if k},
        ),
        Dimension(
            "returned",
            "terugkeer",
            _l("Kwam de melder terug met de ontvangstcode?"),
            {"ja": _l("Ja, minstens één keer"), "nee": _l("Nee")},
        ),
        Dimension(
            "outcome", "uitkomst", _l("Uitkomst van afgeronde meldingen"), OUTCOME_STAT_LABELS
        ),
    )
}
BREAKDOWNS = ("theme_group", "theme", *[d for d in DIMENSIONS if d != "theme"])


def dimension_labels(dimension: str) -> Mapping[str, Any]:
    """The categories of a dimension with their labels (campaigns: as configured)."""
    if dimension == "campaign":
        return {**campaign_labels(), OTHER_CAMPAIGN: OTHER_CAMPAIGN_LABEL, "": _l("Zonder campagnecode")}
    return DIMENSION_INFO[dimension].labels


# --- cells and the small-number rule ------------------------------------------------

SHOWN = "shown"  # the number is published
SMALL = "small"  # 1 to 4: published as "<5"
HIDDEN = "hidden"  # 5 or more, hidden so a small cell cannot be recomputed: "x"
WITHHELD = "withheld"  # hidden together with a small one, indistinguishable: "x"
NOT_AVAILABLE = "na"  # nothing to show (no data, or it would rest on hidden counts)
# Never published at all (the part of a week in one month): a reader only knows it is 0 or more,
# and it is protected like a published small count when it is one.
UNPUBLISHED = "unpublished"

SMALL_MAX = 4
COUNT, PERCENT, HOURS = "count", "percent", "hours"


@dataclass(frozen=True)
class Cell:
    """One published figure. A hidden figure carries no value at all."""

    value: int | float | None
    state: str = SHOWN
    kind: str = COUNT

    @property
    def shown(self) -> bool:
        return self.state == SHOWN and self.value is not None

    @property
    def text(self) -> str:
        """For people, formatted for the current locale."""
        if self.state == SMALL:
            return "<5"
        if self.state in (HIDDEN, WITHHELD):
            return "x"
        value = self.value
        if not self.shown or value is None:  # shown implies a value; the None test only narrows the type
            return "–"
        if self.kind == PERCENT:
            return format_percent(value / 100, "#,##0.0%")
        if self.kind == HOURS:
            return duration_text(int(value))
        return format_decimal(value)

    @property
    def csv(self) -> str:
        """For spreadsheets: digits with a decimal comma, suppressed as in the tables."""
        if self.state == SMALL:
            return "<5"
        if self.state in (HIDDEN, WITHHELD):
            return "x"
        value = self.value
        if not self.shown or value is None:  # shown implies a value; the None test only narrows the type
            return ""
        if self.kind == PERCENT:
            return f"{value:.1f}".replace(".", ",")
        return str(int(value))


NA = Cell(None, NOT_AVAILABLE)


def suppress_count(n: int) -> Cell:
    """THE small-number rule: a count from 1 to 4 is published as "<5", never as itself."""
    if 1 <= n <= SMALL_MAX:
        return Cell(None, SMALL)
    return Cell(int(n), SHOWN)


def percent(part: Cell, whole: Cell) -> Cell:
    """A share, only between two published counts (a share of a hidden count would reveal it)."""
    part_value, whole_value = part.value, whole.value
    if not (part.shown and whole.shown) or not whole_value or part_value is None:
        return NA
    return Cell(round(100 * part_value / whole_value, 1), SHOWN, PERCENT)


def change(current: Cell, before: Cell) -> Cell:
    """Percentage change, only between two published counts."""
    current_value, before_value = current.value, before.value
    if not (current.shown and before.shown) or not before_value or current_value is None:
        return NA
    return Cell(round(100 * (current_value - before_value) / before_value, 1), SHOWN, PERCENT)


def duration_text(hours: int) -> str:
    if hours <= 0:
        return _("direct")
    if hours <= 48:
        return ngettext("%(num)s uur", "%(num)s uur", hours)
    if hours <= 60 * 24:
        days = hours // 24
        return ngettext("%(num)s dag", "%(num)s dagen", days)
    weeks = hours // 168
    return ngettext("%(num)s week", "%(num)s weken", weeks)


_INF = math.inf
_BOUNDS: dict[str, tuple[float, float]] = {
    SMALL: (1, SMALL_MAX),
    HIDDEN: (SMALL_MAX + 1, _INF),
    WITHHELD: (1, _INF),
    UNPUBLISHED: (0, _INF),
}

Key = Hashable
Equation = tuple[Key, Sequence[Key]]  # total, parts
Range = tuple[float, float]


def protect(
    values: Mapping[Key, int],
    equations: Sequence[Equation],
    locked: Mapping[Key, str] | None = None,
    known: Mapping[Key, Range] | None = None,
) -> dict[Key, Cell]:
    """Suppress small counts so that no published sum gives one away.

    ``values`` are the true counts; each equation says that a total equals the
    sum of its parts, which a reader knows whenever the cells are published.
    ``locked`` cells have a state decided earlier (a block of totals protected
    first); they keep it and are never chosen as complements. ``known`` narrows
    what a reader knows of some hidden cells (from tables published earlier)
    below the range their state implies.

    Every cell starts from ``suppress_count``. Then, as a reader would, we
    narrow each hidden cell to an interval using the equations (a small cell is
    1..4, a hidden one 5 or more, a withheld one 1 or more). While a hidden
    count from 1 to 4 is pinned to one value, the smallest published cell in a
    line that pins it is hidden too ("x"); when no published cell is left in
    those lines, the hidden cells of those lines are withheld.
    """
    locked = dict(locked or {})
    known = dict(known or {})
    keys = list(values)
    state: dict[Key, str] = {k: locked.get(k) or suppress_count(values[k]).state for k in keys}
    index: dict[Key, list[int]] = defaultdict(list)
    for i, (total, parts) in enumerate(equations):
        index[total].append(i)
        for part in parts:
            index[part].append(i)
    small = [k for k in keys if 1 <= values[k] <= SMALL_MAX]

    _complement_lonely_cells(values, state, equations, locked)
    # Fast: interval reasoning finds most giveaways; each round hides one cell more.
    given_up: set[Key] = set()
    for _round in range(4 * len(keys) + 10):
        low, high = _bounds(values, state, equations, index, known)
        exposed = [
            k for k in small if k not in given_up and state[k] != SHOWN and low[k] == high[k]
        ]
        if not exposed:
            break
        touched: set[int] = set()
        for k in exposed:
            # One complement per line and round: a complement may protect several cells.
            if touched.intersection(index[k]):
                continue
            before = {m for m, st in state.items() if st != SHOWN}
            if _hide_more(k, values, state, equations, index, locked, low, high):
                for m in state:
                    if state[m] != SHOWN and m not in before:
                        touched.update(index[m])
                touched.update(index[k])
            else:
                given_up.add(k)
    # Exact: a reader with a solver sees more than intervals in a two-way table.
    # (Where the sums form a tree, as for days in months in quarters, intervals are exact.)
    # Hiding more never pins anything new, so only cells pinned before are checked again.
    suspects = [k for k in small if state[k] != SHOWN] if not _is_forest(keys, equations) else []
    for _round in range(len(keys) + 10):
        pinned = _exactly_pinned(values, state, equations, suspects, known)
        if not pinned:
            break
        low, high = _bounds(values, state, equations, index, known)
        progress = False
        for k in pinned:
            progress |= _hide_more(k, values, state, equations, index, locked, low, high, wide=True)
        suspects = pinned
        if not progress:
            log.error("statistics: %d small counts could not be protected", len(pinned))
            break
    return {k: Cell(values[k], SHOWN) if state[k] == SHOWN else Cell(None, state[k]) for k in keys}


def _is_forest(keys, equations) -> bool:
    """True when no cycle runs through cells and sums (each sum joins its cells)."""
    parent: dict = {}

    def root(node):
        while parent.get(node, node) != node:
            parent[node] = parent.get(parent[node], parent[node])
            node = parent[node]
        return node

    for i, (total, parts) in enumerate(equations):
        for member in (total, *parts):
            a, b = root(("eq", i)), root(("cell", member))
            if a == b:
                return False
            parent[a] = b
    return True


def _reader_limits(state: str, known: Range | None) -> Range:
    low, high = _BOUNDS[state]
    if known is not None:
        low, high = max(low, known[0]), min(high, known[1])
    return low, high


def _integer_system(values, state, equations, known):
    """The published page as a reader's integer program: hidden cells are variables."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint
    from scipy.sparse import lil_matrix

    known = known or {}
    hidden = [k for k, st in state.items() if st != SHOWN]
    column = {k: i for i, k in enumerate(hidden)}
    rows: list[tuple[dict[int, int], float]] = []
    for total, parts in equations:
        coefficients: dict[int, int] = {}
        constant = 0.0
        for member, sign in ((total, 1), *((p, -1) for p in parts)):
            if member in column:
                coefficients[column[member]] = coefficients.get(column[member], 0) + sign
            else:
                constant -= sign * values[member]
        coefficients = {c: v for c, v in coefficients.items() if v}
        if coefficients:
            rows.append((coefficients, constant))
    matrix = lil_matrix((max(len(rows), 1), max(len(hidden), 1)))
    rhs = np.zeros(max(len(rows), 1))
    for r, (coefficients, constant) in enumerate(rows):
        for c, v in coefficients.items():
            matrix[r, c] = v
        rhs[r] = constant
    constraints = [LinearConstraint(matrix.tocsr(), rhs, rhs)] if rows else []
    limits = [_reader_limits(state[k], known.get(k)) for k in hidden]
    lower = np.array([low for low, _high in limits], dtype=float)
    # A finite cap keeps every problem bounded; it can only make us hide more.
    upper = np.array([min(high, 10**7) for _low, high in limits], dtype=float)
    return hidden, column, constraints, Bounds(lower, upper)


def reader_ranges(
    values: Mapping[Key, int],
    state: Mapping[Key, str],
    equations: Sequence[Equation],
    targets: Sequence[Key],
) -> dict[Key, Range]:
    """What a reader can derive of ``targets`` (hidden cells): their lowest and highest
    value over every integer table that fits the published cells."""
    import numpy as np
    from scipy.optimize import milp

    targets = [k for k in targets if state[k] != SHOWN]
    if not targets:
        return {}
    hidden, column, constraints, bounds = _integer_system(values, state, equations, None)
    integrality = np.ones(len(hidden))
    found: dict[Key, Range] = {}
    for k in targets:
        ends = []
        for sign in (1, -1):
            objective = np.zeros(len(hidden))
            objective[column[k]] = sign
            result = milp(objective, integrality=integrality, bounds=bounds, constraints=constraints)
            if result.status != 0:
                raise RuntimeError(f"statistics: inconsistent published figures ({result.message})")
            ends.append(round(result.x[column[k]]))
        found[k] = (min(ends), max(ends))
    return found


def _exactly_pinned(values, state, equations, suspects, known=None) -> list[Key]:
    """The suspects whose value follows from the published cells over the integers.

    Published cells are constants; the hidden ones are variables bounded as a
    reader knows them. Each suspect is pushed away from its true value in the
    direction with room (up from 1..3, down from 4) and, failing that, the
    other way; a suspect that cannot move is pinned.
    """
    import numpy as np
    from scipy.optimize import milp

    suspects = [k for k in suspects if state[k] != SHOWN]
    if not suspects:
        return []
    hidden, column, constraints, bounds = _integer_system(values, state, equations, known)
    integrality = np.ones(len(hidden))

    def push(targets: list[Key], flip: bool = False) -> np.ndarray | None:
        """An integer table consistent with the page, pushing ``targets`` off their values."""
        objective = np.zeros(len(hidden))
        for k in targets:
            up = values[k] < SMALL_MAX
            objective[column[k]] = (1 if up else -1) * (-1 if not flip else 1)
        result = milp(objective, integrality=integrality, bounds=bounds, constraints=constraints)
        if result.status != 0:
            raise RuntimeError(f"statistics: inconsistent published figures ({result.message})")
        return result.x

    def off(solution: np.ndarray | None, k: Key) -> bool:
        return solution is None or abs(solution[column[k]] - values[k]) > 0.5

    # One solve moves many suspects at once; the rest is tried one by one.
    remaining = list(suspects)
    for flip in (False, True):
        while remaining:
            solution = push(remaining, flip)
            if solution is None:
                break
            moved = [k for k in remaining if off(solution, k)]
            if not moved:
                break
            remaining = [k for k in remaining if k not in moved]
    pinned = []
    for k in remaining:
        if not (off(push([k]), k) or off(push([k], flip=True), k)):
            pinned.append(k)
    return pinned


def _complement_lonely_cells(values, state, equations, locked) -> None:
    """A cheap first pass: a line with exactly one hidden count gets a second one."""
    for total, parts in equations:
        members = [total, *parts]
        hidden = [m for m in members if state[m] != SHOWN and values[m] > 0]
        if len(hidden) != 1:
            continue
        candidates = [m for m in parts if state[m] == SHOWN and values[m] > 0 and m not in locked]
        if candidates:
            state[min(candidates, key=lambda m: values[m])] = HIDDEN


def _hide_more(exposed, values, state, equations, index, locked, low, high, wide=False) -> bool:
    """Hide the smallest published cell near ``exposed``; withhold as a last resort.

    The search walks from ``exposed`` through hidden neighbours that are pinned
    themselves (or through every hidden neighbour when ``wide``).
    """
    seen = {exposed}
    frontier = deque([(exposed, 0)])
    best = None
    while frontier:
        cell, depth = frontier.popleft()
        if best is not None and depth > best[0]:
            break
        for i in index[cell]:
            total, parts = equations[i]
            for member in (total, *parts):
                if member in seen:
                    continue
                seen.add(member)
                if state[member] == SHOWN:
                    if values[member] > 0 and member not in locked:
                        candidate = (depth, values[member], member == total)
                        if best is None or candidate[:3] < best[:3]:
                            best = (*candidate, member)
                elif wide or low[member] == high[member]:
                    # A hidden neighbour that is itself pinned: look one line further.
                    frontier.append((member, depth + 1))
    if best is not None:
        state[best[3]] = HIDDEN
        return True
    changed = False
    lines = [exposed, *(m for i in index[exposed] for m in (equations[i][0], *equations[i][1]))]
    for member in lines:
        if member not in locked and state[member] in (SMALL, HIDDEN) and values[member] > 0:
            state[member] = WITHHELD
            changed = True
    return changed


def _bounds(values, state, equations, index, known=None):
    """What a reader can derive: an interval per cell, narrowed through the sums."""
    known = known or {}
    low: dict[Key, float] = {}
    high: dict[Key, float] = {}
    for k, st in state.items():
        if st == SHOWN:
            low[k] = high[k] = values[k]
        else:
            low[k], high[k] = _reader_limits(st, known.get(k))
    queue = deque(range(len(equations)))
    queued = [True] * len(equations)
    budget = 200 * len(equations) + 1000
    while queue and budget:
        budget -= 1
        i = queue.popleft()
        queued[i] = False
        total, parts = equations[i]
        sum_low = sum(low[p] for p in parts)
        sum_high = sum(high[p] for p in parts)
        changed = []
        new_low, new_high = max(low[total], sum_low), min(high[total], sum_high)
        if (new_low, new_high) != (low[total], high[total]):
            low[total], high[total] = new_low, new_high
            changed.append(total)
        for p in parts:
            others_high = sum_high - high[p] if high[p] != _INF else _sum_without(parts, high, p)
            others_low = sum_low - low[p]
            new_low = max(low[p], low[total] - others_high)
            new_high = min(high[p], high[total] - others_low)
            if (new_low, new_high) != (low[p], high[p]):
                low[p], high[p] = new_low, new_high
                changed.append(p)
        for cell in changed:
            for j in index[cell]:
                if not queued[j]:
                    queued[j] = True
                    queue.append(j)
    if queue:
        log.warning("statistics: interval reasoning stopped early (%d lines)", len(equations))
    return low, high


def _sum_without(parts, bound, skip) -> float:
    total = 0.0
    skipped = False
    for p in parts:
        if p == skip and not skipped:
            skipped = True
            continue
        total += bound[p]
    return total


# --- periods ----------------------------------------------------------------------

WEEK, MONTH, QUARTER, YEAR = "week", "maand", "kwartaal", "jaar"
PERIOD_KINDS = (WEEK, MONTH, QUARTER, YEAR)
PERIOD_KIND_LABELS = {
    WEEK: _l("Week"),
    MONTH: _l("Maand"),
    QUARTER: _l("Kwartaal"),
    YEAR: _l("Jaar"),
}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _iso_monday(iso_year: int, iso_week: int) -> date:
    try:
        return date.fromisocalendar(iso_year, iso_week, 1)
    except ValueError:  # week 53 in a year that has 52
        return date.fromisocalendar(iso_year, 52, 1)


@dataclass(frozen=True)
class Period:
    """A whole week (ISO, Monday first), month, quarter or year; ``end`` is exclusive."""

    kind: str
    start: date
    end: date

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        if kind == WEEK:
            start = day - timedelta(days=day.weekday())
            return cls(WEEK, start, start + timedelta(days=7))
        if kind == MONTH:
            start = day.replace(day=1)
            return cls(MONTH, start, _add_months(start, 1))
        if kind == QUARTER:
            start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            return cls(QUARTER, start, _add_months(start, 3))
        if kind == YEAR:
            return cls(YEAR, date(day.year, 1, 1), date(day.year + 1, 1, 1))
        raise ValueError(f"unknown period kind {kind!r}")

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def following(self) -> Period:
        return Period.containing(self.kind, self.end)

    def last_year(self) -> Period:
        """The same ISO week, month, quarter or year one year earlier."""
        if self.kind == WEEK:
            iso_year, iso_week, _weekday = self.start.isocalendar()
            return Period.containing(WEEK, _iso_monday(iso_year - 1, iso_week))
        return Period.containing(self.kind, self.start.replace(year=self.start.year - 1))

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def label(self) -> str:
        if self.kind == WEEK:
            iso_year, iso_week, _weekday = self.start.isocalendar()
            return _(
                "week %(week)s van %(year)s (%(first)s – %(last)s)",
                week=iso_week,
                year=iso_year,
                first=format_date(self.start, "d MMM"),
                last=format_date(self.last_day, "d MMM y"),
            )
        if self.kind == MONTH:
            return format_date(self.start, "LLLL y")
        if self.kind == QUARTER:
            return _("%(quarter)se kwartaal %(year)s", quarter=self.quarter, year=self.start.year)
        return str(self.start.year)

    @property
    def short_label(self) -> str:
        if self.kind == WEEK:
            iso_year, iso_week, _weekday = self.start.isocalendar()
            return _("wk %(week)s %(year)s", week=iso_week, year=iso_year)
        if self.kind == MONTH:
            return format_date(self.start, "LLL y")
        if self.kind == QUARTER:
            return _("K%(quarter)s %(year)s", quarter=self.quarter, year=self.start.year)
        return str(self.start.year)


def parse_period(
    kind: str | None, start: str | None, today: date | None = None
) -> tuple[Period, bool]:
    """The period asked for in the query string; ``False`` when it had to fall back."""
    today = today or local_today()
    ok = True
    if kind not in PERIOD_KINDS:
        ok = kind in (None, "")
        kind = MONTH
    day = today
    if start:
        try:
            day = date.fromisoformat(start)
        except ValueError:
            ok = False
        if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
            day, ok = today, False
    return Period.containing(kind, day), ok


# --- reading the aggregate tables, in protected calendar blocks --------------------
#
# A year block holds every published total of one calendar year (months,
# quarters, the year and the ISO weeks inside it) and the breakdowns of its
# months, quarters and year. Weeks and months overlap; the reader's equations
# therefore run through *segments*: the part of a week that falls in one month
# (or one year). Segments are never published, and a segment of 1 to 4 is
# protected like any small count, so "month minus its whole weeks" cannot give
# away the reports of a few days.
#
# Periods that are over and periods still running are protected in three
# stages, so that a new report never changes a figure of a period that is over:
#
# 1. the totals of the periods that are over, among themselves;
# 2. the breakdowns of those periods, against those totals (locked);
# 3. the totals of the running periods, with everything of 1 and 2 locked and
#    what a reader knows of the hidden totals from the breakdowns given.
#
# Running periods get no breakdown: a poller comparing the page before and
# after one new report would read that report's theme, area or campaign off it.

_Y = ("y",)


def _m(month: int) -> tuple:
    return ("m", month)


def _q(quarter: int) -> tuple:
    return ("q", quarter)


def _w(monday: date) -> tuple:
    return ("w", monday)


def _s(monday: date, month: int) -> tuple:
    """The days of the week starting ``monday`` that fall in ``month`` (of the block's year)."""
    return ("s", monday, month)


def _time_keys() -> list[tuple]:
    return [*(_m(m) for m in range(1, 13)), *(_q(q) for q in range(1, 5)), _Y]


def _month_last(year: int, month: int) -> date:
    return _add_months(date(year, month, 1), 1) - timedelta(days=1)


@dataclass(frozen=True)
class _Calendar:
    """The cells of a year block's totals, their days and the sums a reader knows."""

    spans: dict[tuple, tuple[date, date]]  # key -> first and last day
    equations: list[Equation]
    edges: list[tuple]  # segments of the weeks across New Year


def _calendar(year: int, with_weeks: bool) -> _Calendar:
    spans: dict[tuple, tuple[date, date]] = {}
    for m in range(1, 13):
        spans[_m(m)] = (date(year, m, 1), _month_last(year, m))
    for q in range(1, 5):
        spans[_q(q)] = (date(year, 3 * q - 2, 1), _month_last(year, 3 * q))
    spans[_Y] = (date(year, 1, 1), date(year, 12, 31))
    equations: list[Equation] = [
        (_q(q), [_m(m) for m in range(3 * q - 2, 3 * q + 1)]) for q in range(1, 5)
    ]
    equations.append((_Y, [_q(q) for q in range(1, 5)]))
    edges: list[tuple] = []
    if with_weeks:
        first, last = date(year, 1, 1), date(year, 12, 31)
        in_month: dict[int, list[tuple]] = defaultdict(list)
        monday = first - timedelta(days=first.weekday())
        while monday <= last:
            sunday = monday + timedelta(days=6)
            inside = first <= monday and sunday <= last
            months = sorted(
                {(monday + timedelta(days=i)).month for i in range(7)
                 if first <= monday + timedelta(days=i) <= last}
            )
            if inside:
                spans[_w(monday)] = (monday, sunday)
            if inside and len(months) == 1:
                in_month[months[0]].append(_w(monday))
            else:
                segments = []
                for month in months:
                    key = _s(monday, month)
                    spans[key] = (
                        max(monday, date(year, month, 1)),
                        min(sunday, _month_last(year, month)),
                    )
                    in_month[month].append(key)
                    segments.append(key)
                if inside:
                    equations.append((_w(monday), segments))
                else:
                    edges.extend(segments)
            monday += timedelta(days=7)
        equations.extend((_m(m), in_month[m]) for m in range(1, 13))
    return _Calendar(spans, equations, edges)


def _span_values(calendar: _Calendar, daily: Mapping[date, int]) -> dict[Key, int]:
    values: dict[Key, int] = {}
    for key, (first, last) in calendar.spans.items():
        values[key] = sum(
            daily.get(first + timedelta(days=i), 0) for i in range((last - first).days + 1)
        )
    return values


def _time_values(by_month: Mapping[int, int]) -> dict[tuple, int]:
    values = {_m(m): int(by_month.get(m, 0)) for m in range(1, 13)}
    for q in range(1, 5):
        values[_q(q)] = sum(values[_m(m)] for m in range(3 * q - 2, 3 * q + 1))
    values[_Y] = sum(values[_q(q)] for q in range(1, 5))
    return values


@dataclass
class YearBlock:
    """Published figures of one calendar year for one kind of count."""

    year: int
    totals: dict[tuple, Cell]  # month / quarter / year / week keys
    complete: set[tuple] = field(default_factory=set)  # keys of periods that were over
    as_of: date | None = None  # the day that decided what was over (None: the whole year)
    categories: dict[str, dict[tuple, dict[str, Cell]]] = field(default_factory=dict)
    category_values: dict[str, list[str]] = field(default_factory=dict)

    def total(self, period: Period) -> Cell:
        return self.totals.get(_period_key(period), NA)

    def is_complete(self, period: Period) -> bool:
        return _period_key(period) in self.complete

    def category(self, dimension: str, period: Period) -> dict[str, Cell]:
        """The breakdown of a period that is over; empty for a running one."""
        return self.categories.get(dimension, {}).get(_period_key(period), {})


def _period_key(period: Period) -> tuple:
    if period.kind == MONTH:
        return _m(period.start.month)
    if period.kind == QUARTER:
        return _q(period.quarter)
    if period.kind == YEAR:
        return _Y
    return _w(period.start)


@dataclass(frozen=True)
class _Categories:
    """One dimension of a year: counts per code and month, and optional groups of codes."""

    by_code: dict[str, dict[int, int]]
    hierarchy: dict[str, list[str]] | None = None


def _protect_categories(
    totals_values: Mapping[Key, int],
    totals: Mapping[Key, Cell],
    equations: Sequence[Equation],
    found: _Categories,
    time_keys: Sequence[tuple],
) -> tuple[dict[tuple, dict[str, Cell]], tuple[dict[Key, int], dict[Key, str], list[Equation]]]:
    """One dimension over the periods ``time_keys``, protected against the (locked) totals.

    With a ``hierarchy`` (themes in theme groups) the groups sit between the
    codes and the total. Returns the cells and the reader's system as published.
    """
    values: dict[Key, int] = dict(totals_values)
    locked = {k: c.state for k, c in totals.items()}
    all_equations: list[Equation] = list(equations)
    series = {code: _time_values(months) for code, months in found.by_code.items()}
    top = list(series)
    if found.hierarchy:
        for group, members in found.hierarchy.items():
            series[group] = {
                t: sum(series[c][t] for c in members if c in series) for t in _time_keys()
            }
        top = list(found.hierarchy)
    for code, per_time in series.items():
        for t in time_keys:
            values[(t, code)] = per_time[t]
    for t in time_keys:
        all_equations.append((t, [(t, code) for code in top]))
        for group, members in (found.hierarchy or {}).items():
            all_equations.append(((t, group), [(t, c) for c in members if c in series]))
    for code in series:
        for q in range(1, 5):
            if _q(q) in time_keys:
                all_equations.append(
                    ((_q(q), code), [(_m(m), code) for m in range(3 * q - 2, 3 * q + 1)])
                )
        if _Y in time_keys:
            all_equations.append(((_Y, code), [(_q(q), code) for q in range(1, 5)]))
    cells = protect(values, all_equations, locked)
    result: dict[tuple, dict[str, Cell]] = {
        t: {code: cells[(t, code)] for code in series} for t in time_keys
    }
    return result, (values, {k: c.state for k, c in cells.items()}, all_equations)


def _protect_year(
    calendar: _Calendar,
    values: Mapping[Key, int],
    fixed: Mapping[Key, str],
    dimensions: Mapping[str, _Categories],
    today: date,
) -> tuple[dict[Key, Cell], dict[str, dict[tuple, dict[str, Cell]]], set[tuple]]:
    """The three stages (see above): totals, breakdowns of periods that are over, running totals."""
    complete = {k for k, (_first, last) in calendar.spans.items() if last < today}
    over_equations = [
        (t, parts)
        for t, parts in calendar.equations
        if t in complete and all(p in complete for p in parts)
    ]
    over_values: dict[Key, int] = {k: values[k] for k in values if k in complete}
    totals = protect(over_values, over_equations, {k: s for k, s in fixed.items() if k in complete})
    time_keys = [t for t in _time_keys() if t in complete]
    breakdowns: dict[str, dict[tuple, dict[str, Cell]]] = {}
    systems = []
    if time_keys:
        for name, found in dimensions.items():
            breakdowns[name], system = _protect_categories(
                over_values, totals, over_equations, found, time_keys
            )
            systems.append(system)
    running = [k for k in values if k not in complete]
    if running:
        locked = {k: c.state for k, c in totals.items()}
        locked.update({k: s for k, s in fixed.items() if k not in complete})
        hidden = [t for t in time_keys if not totals[t].shown]
        known: dict[Key, Range] = {t: _BOUNDS[totals[t].state] for t in hidden}
        for system_values, states, equations in systems:
            for t, (low, high) in reader_ranges(system_values, states, equations, hidden).items():
                known[t] = (max(known[t][0], low), min(known[t][1], high))
        final = protect(values, calendar.equations, locked, known)
        totals = {**totals, **{k: final[k] for k in running}}
    return totals, breakdowns, complete


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _daily_totals(first: date, last: date) -> dict[date, int]:
    return {
        day: int(count)
        for day, count in db.session.execute(
            select(DailyReportStat.day, DailyReportStat.count).where(
                DailyReportStat.dimension == TOTAL, DailyReportStat.day.between(first, last)
            )
        )
    }


def _edge_locks(calendar: _Calendar, values: Mapping[Key, int]) -> dict[Key, str]:
    """Segments are never published. The part of a week across New Year counts as known to a
    reader unless it is small: that week's total is published only when neither part is."""
    fixed: dict[Key, str] = {k: UNPUBLISHED for k in calendar.spans if k[0] == "s"}
    for key in calendar.edges:
        if not 1 <= values[key] <= SMALL_MAX:
            fixed[key] = SHOWN
    return fixed


def compute_report_block(year: int, today: date | None = None) -> YearBlock:
    """Reports submitted in ``year``: totals and every breakdown, protected (the rollup job
    stores the result; a page computes it only when no stored one fits)."""
    today = today or local_today()
    first, last = _year_bounds(year)
    calendar = _calendar(year, with_weeks=True)
    values = _span_values(calendar, _daily_totals(first, last))
    month = func.extract("month", DailyReportStat.day)
    rows = db.session.execute(
        select(
            DailyReportStat.dimension, DailyReportStat.value, month, func.sum(DailyReportStat.count)
        )
        .where(DailyReportStat.dimension != TOTAL, DailyReportStat.day.between(first, last))
        .group_by(DailyReportStat.dimension, DailyReportStat.value, month)
    ).all()
    found: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    campaigns = campaign_labels()
    for dimension, value, month_number, count in rows:
        if dimension == "campaign":
            value = _campaign_code(value, campaigns)
        per_month = found[dimension][value]
        per_month[int(month_number)] = per_month.get(int(month_number), 0) + int(count)
    dimensions: dict[str, _Categories] = {}
    for dimension in DIMENSIONS:
        by_value = _with_closed_categories(dimension, found.get(dimension, {}))
        hierarchy = None
        if dimension == "theme":
            hierarchy = {
                g: [t for t in themes if t in by_value] for g, themes in THEME_GROUPS.items()
            }
            # A theme outside the taxonomy still counts, in the "overig" group.
            extra = [t for t in by_value if t not in THEME_GROUP_OF]
            hierarchy["overig"] = [*hierarchy["overig"], *extra]
        dimensions[dimension] = _Categories(by_value, hierarchy)
    totals, breakdowns, complete = _protect_year(
        calendar, values, _edge_locks(calendar, values), dimensions, today
    )
    block = _new_block(year, totals, complete, today)
    for dimension, cells in breakdowns.items():
        by_value = dimensions[dimension].by_code
        if dimension == "theme":
            block.categories["theme_group"] = {
                t: {g: c for g, c in per.items() if g in THEME_GROUPS} for t, per in cells.items()
            }
            cells = {
                t: {k: c for k, c in per.items() if k not in THEME_GROUPS}
                for t, per in cells.items()
            }
        block.categories[dimension] = cells
    for dimension in DIMENSIONS:
        block.category_values[dimension] = list(dimensions[dimension].by_code)
    block.category_values["theme_group"] = list(THEME_GROUPS)
    return block


def _new_block(year: int, totals: Mapping[Key, Cell], complete: set, today: date) -> YearBlock:
    return YearBlock(
        year,
        {k: c for k, c in totals.items() if isinstance(k, tuple) and k[0] != "s"},
        complete={k for k in complete if k[0] != "s"},
        as_of=None if date(year, 12, 31) < today else today,
    )


def _with_closed_categories(
    dimension: str, found: Mapping[str, Mapping[int, int]]
) -> dict[str, dict[int, int]]:
    info = DIMENSION_INFO[dimension]
    ordered: dict[str, dict[int, int]] = {}
    if info.closed:
        for code in dimension_labels(dimension):
            ordered[code] = dict(found.get(code, {}))
    for code in sorted(found):
        ordered.setdefault(code, dict(found[code]))
    return ordered


def compute_closure_block(year: int, today: date | None = None) -> YearBlock:
    """Reports closed in ``year``: totals per month/quarter/year and outcomes, protected."""
    today = today or local_today()
    first, last = _year_bounds(year)
    month = func.extract("month", DailyClosureStat.day)
    rows = db.session.execute(
        select(DailyClosureStat.outcome, month, func.sum(DailyClosureStat.count))
        .where(DailyClosureStat.day.between(first, last))
        .group_by(DailyClosureStat.outcome, month)
    ).all()
    by_outcome: dict[str, dict[int, int]] = {
        code: {} for group in OUTCOME_GROUPS.values() for code in group
    }
    by_month: dict[int, int] = defaultdict(int)
    for outcome, month_number, count in rows:
        by_outcome.setdefault(outcome, {})[int(month_number)] = int(count)
        by_month[int(month_number)] += int(count)
    calendar = _calendar(year, with_weeks=False)
    values: dict[Key, int] = dict(_time_values(by_month))
    hierarchy = {g: list(codes) for g, codes in OUTCOME_GROUPS.items()}
    hierarchy[NO_ACTION] += [o for o in by_outcome if o not in OUTCOME_STAT_LABELS]
    totals, breakdowns, complete = _protect_year(
        calendar, values, {}, {"outcome": _Categories(by_outcome, hierarchy)}, today
    )
    block = _new_block(year, totals, complete, today)
    if "outcome" in breakdowns:
        block.categories["outcome"] = breakdowns["outcome"]
    block.category_values["outcome"] = list(by_outcome)
    return block


def counter_block(year: int, name: str) -> tuple[dict[date, Cell], dict[tuple, Cell]]:
    """A traffic counter of ``year``: days, months, quarters and the year, protected together.

    Counters (form views, visits with a receipt code) count no report, so no
    report figure adds to what a reader knows of them.
    """
    first, last = _year_bounds(year)
    daily = {
        day: int(count)
        for day, count in db.session.execute(
            select(DailyCounter.day, DailyCounter.count).where(
                DailyCounter.name == name, DailyCounter.day.between(first, last)
            )
        )
    }
    cache_key = (str(db.engine.url), year, name, tuple(sorted(daily.items())))
    with _BLOCK_CACHE_LOCK:
        cached = _COUNTER_CACHE.get(cache_key)
    if cached is not None:
        return cached
    values: dict[Key, int] = {}
    by_month: dict[int, int] = defaultdict(int)
    day = first
    while day <= last:
        values[("d", day)] = daily.get(day, 0)
        by_month[day.month] += daily.get(day, 0)
        day += timedelta(days=1)
    values.update(_time_values(by_month))
    equations = _calendar(year, with_weeks=False).equations
    for m in range(1, 13):
        start = date(year, m, 1)
        days = (_add_months(start, 1) - start).days
        equations.append((_m(m), [("d", start + timedelta(days=i)) for i in range(days)]))
    # Every key built above is a tuple ("d", day), ("m", month), ...
    cells = cast(dict[tuple, Cell], protect(values, equations))
    days_cells = {k[1]: c for k, c in cells.items() if k[0] == "d"}
    result = days_cells, {k: c for k, c in cells.items() if k[0] != "d"}
    with _BLOCK_CACHE_LOCK:
        _COUNTER_CACHE[cache_key] = result
        while len(_COUNTER_CACHE) > 8:
            _COUNTER_CACHE.popitem(last=False)
    return result


# --- stored figures: computed by the rollup job, read by the pages ------------------

BLOCK_KINDS = {"reports": compute_report_block, "closures": compute_closure_block}
# Bump when the protection changes: stored figures computed by older code are then recomputed.
ALGORITHM_VERSION = "3"


def campaign_labels() -> dict[str, str]:
    """The configured campaign codes and their labels (``MELDPUNT_CAMPAIGNS``)."""
    try:
        return dict(current_app.config.get("CAMPAIGNS") or {})
    except RuntimeError:  # no application context: no campaigns configured
        return {}


def _campaign_code(value: str, campaigns: Mapping[str, str]) -> str:
    """A code from the configured list as itself; no code as ""; anything else as "overig"."""
    if value == "" or value in campaigns:
        return value
    return OTHER_CAMPAIGN


def fingerprint() -> str:
    """What stored figures depend on besides the aggregates: the algorithm and the campaigns."""
    raw = json.dumps([ALGORITHM_VERSION, sorted(campaign_labels().items())])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _key_text(key: tuple) -> str:
    if key[0] == "w":
        return "w" + key[1].isoformat()
    if key == _Y:
        return "y"
    return f"{key[0]}{key[1]}"


def _key_from(text: str) -> tuple:
    if text == "y":
        return _Y
    if text[0] == "w":
        return _w(date.fromisoformat(text[1:]))
    return (text[0], int(text[1:]))


def _cell_json(cell: Cell) -> int | str:
    return int(cell.value) if cell.shown and cell.value is not None else cell.state


def _cell_from(raw: int | str) -> Cell:
    return Cell(raw) if isinstance(raw, int) else Cell(None, raw)


def block_to_json(block: YearBlock) -> str:
    return json.dumps(
        {
            "year": block.year,
            "as_of": block.as_of.isoformat() if block.as_of else None,
            "complete": sorted(_key_text(k) for k in block.complete),
            "totals": {_key_text(k): _cell_json(c) for k, c in block.totals.items()},
            "categories": {
                dimension: {
                    _key_text(t): {code: _cell_json(c) for code, c in cells.items()}
                    for t, cells in per_time.items()
                }
                for dimension, per_time in block.categories.items()
            },
            "values": block.category_values,
        },
        separators=(",", ":"),
    )


def block_from_json(text: str) -> YearBlock:
    raw = json.loads(text)
    return YearBlock(
        year=raw["year"],
        totals={_key_from(k): _cell_from(v) for k, v in raw["totals"].items()},
        complete={_key_from(k) for k in raw["complete"]},
        as_of=date.fromisoformat(raw["as_of"]) if raw["as_of"] else None,
        categories={
            dimension: {
                _key_from(t): {code: _cell_from(v) for code, v in cells.items()}
                for t, cells in per_time.items()
            }
            for dimension, per_time in raw["categories"].items()
        },
        category_values=raw["values"],
    )


def _data_years(today: date) -> list[int]:
    firsts = [
        db.session.scalar(select(func.min(DailyReportStat.day))),
        db.session.scalar(select(func.min(DailyClosureStat.day))),
    ]
    first = min([d.year for d in firsts if d is not None] + [today.year - 1])
    # A page of the first year compares it with the year before: that (empty) year too.
    return list(range(first - 1, today.year + 1))


def stale_blocks(now: datetime, changed_days: Iterable[date], everything: bool = False) -> list:
    """The (kind, year) blocks whose stored figures no longer fit: called by the rollup."""
    today = local_today(now)
    changed_years = {day.year for day in changed_days}
    stored = {
        (row.name, row.year): row
        for row in db.session.execute(
            select(StatPublished.name, StatPublished.year, StatPublished.as_of, StatPublished.fingerprint)
        )
    }
    current = fingerprint()
    stale = []
    for year in _data_years(today):
        for name in BLOCK_KINDS:
            row = stored.get((name, year))
            if (
                everything
                or row is None
                or year in changed_years
                or row.fingerprint != current
                or (row.as_of is not None and row.as_of != today)
            ):
                stale.append((name, year))
    return stale


def publish(blocks: Sequence[tuple[str, int]], token: str, now: datetime) -> int:
    """Compute and store ``blocks`` under ``token``; every other stored block gets the token
    too (its figures did not change). In the rollup's transaction; returns how many."""
    today = local_today(now)
    current = fingerprint()
    for name, year in blocks:
        payload = block_to_json(BLOCK_KINDS[name](year, today))
        row = db.session.get(StatPublished, (name, year))
        if row is None:
            row = StatPublished(name=name, year=year)
            db.session.add(row)
        row.token, row.fingerprint, row.computed_at, row.payload = token, current, now, payload
        row.as_of = None if date(year, 12, 31) < today else today
    db.session.flush()
    db.session.execute(
        update(StatPublished).where(StatPublished.token != token).values(token=token)
    )
    return len(blocks)


# Year blocks are kept per process, keyed by the rollup's token (which changes only when the
# aggregates or the stored figures do) and the day.
_BLOCK_CACHE: OrderedDict[tuple, YearBlock] = OrderedDict()
_COUNTER_CACHE: OrderedDict[tuple, tuple[dict[date, Cell], dict[tuple, Cell]]] = OrderedDict()
_BLOCK_CACHE_SIZE = 48
_BLOCK_CACHE_LOCK = threading.Lock()


def _stored_fits(row: Any, year: int, token: str, current: str, today: date) -> bool:
    if row is None or row.token != token or row.fingerprint != current:
        return False
    if row.as_of is None:
        return date(year, 12, 31) < today
    # Figures of yesterday stay good until the first rollup of today has stored new ones:
    # a period that ended since is still treated as running, which only shows less.
    return row.as_of <= today <= row.as_of + timedelta(days=1)


def load_block(name: str, year: int, today: date, token: str | None) -> YearBlock:
    """A year block as stored by the rollup job, or (when none fits) computed here."""
    if token is None:
        return BLOCK_KINDS[name](year, today)
    current = fingerprint()
    key = (str(db.engine.url), token, current, name, year, today)
    with _BLOCK_CACHE_LOCK:
        found = _BLOCK_CACHE.get(key)
    if found is not None:
        return found
    row = db.session.execute(
        select(
            StatPublished.token,
            StatPublished.fingerprint,
            StatPublished.as_of,
            StatPublished.payload,
        ).where(StatPublished.name == name, StatPublished.year == year)
    ).first()
    if row is not None and _stored_fits(row, year, token, current, today):
        found = block_from_json(row.payload)
    else:
        found = BLOCK_KINDS[name](year, today)
    with _BLOCK_CACHE_LOCK:
        _BLOCK_CACHE[key] = found
        while len(_BLOCK_CACHE) > _BLOCK_CACHE_SIZE:
            _BLOCK_CACHE.popitem(last=False)
    return found


class _Blocks:
    """Blocks read once per page."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today or local_today()
        self._token: str | None = None
        self._token_read = False
        self._blocks: dict[tuple[str, int], YearBlock] = {}
        self._counters: dict[tuple[int, str], tuple[dict[date, Cell], dict[tuple, Cell]]] = {}

    def _block(self, name: str, year: int) -> YearBlock:
        if not self._token_read:
            self._token, self._token_read = state_token(), True
        if (name, year) not in self._blocks:
            self._blocks[(name, year)] = load_block(name, year, self.today, self._token)
        return self._blocks[(name, year)]

    def reports(self, year: int) -> YearBlock:
        return self._block("reports", year)

    def closures(self, year: int) -> YearBlock:
        return self._block("closures", year)

    def counter(self, year: int, name: str):
        if (year, name) not in self._counters:
            self._counters[(year, name)] = counter_block(year, name)
        return self._counters[(year, name)]

    def is_complete(self, period: Period) -> bool:
        """Over, as the figures on this page know it (breakdowns only for such periods)."""
        if period.end > self.today:
            return False
        return self.reports(period.last_day.year).is_complete(period) or (
            period.kind == WEEK and period.start.year != period.last_day.year
        )

    def report_total(self, period: Period) -> Cell:
        if period.kind == WEEK and period.start.year != period.last_day.year:
            return _week_across_new_year(period)
        return self.reports(period.start.year).total(period)

    def counter_total(self, period: Period, name: str) -> Cell:
        if period.kind == WEEK:
            days = [self.counter_day(day, name) for day in period.days]
            # A week total is published only when every day is: it then adds nothing.
            if all(c.shown for c in days):
                return Cell(sum(c.value or 0 for c in days))  # all shown, so no value is None
            return Cell(None, HIDDEN)
        return self.counter(period.start.year, name)[1][_period_key(period)]

    def counter_day(self, day: date, name: str) -> Cell:
        return self.counter(day.year, name)[0][day]


def _week_across_new_year(period: Period) -> Cell:
    """A week across New Year belongs to two year blocks, which treat each part as known to a
    reader unless it is small: published only then (a part of 1 to 4 hides the whole week)."""
    daily = _daily_totals(period.start, period.last_day)
    parts = [
        sum(n for day, n in daily.items() if day.year == year)
        for year in (period.start.year, period.last_day.year)
    ]
    if any(1 <= n <= SMALL_MAX for n in parts):
        return Cell(None, WITHHELD)
    return Cell(sum(parts))


# --- tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT
    chart: bool = False  # drawn in the chart of the table


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: tuple[Cell, ...]
    level: int = 0  # 1 for a category inside a group
    total: bool = False
    group: bool = False  # a group row with its categories below it
    short_label: str = ""  # for chart axes, when the label is long


@dataclass(frozen=True)
class Table:
    name: str  # export slug, Dutch
    title: str
    caption: str
    row_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()
    chart: str | None = None  # "bars" (categories) or "columns" (time)
    chart_description: str = ""


def _label(dimension: str, code: str) -> str:
    info = DIMENSION_INFO[dimension]
    if code == "" or code is None:
        return str(info.empty_label)
    found = dimension_labels(dimension).get(code)
    return str(found) if found is not None else code


def breakdown_table(blocks: _Blocks, dimension: str, period: Period) -> Table:
    """Counts and shares per category of one dimension for a month, quarter or year that is over."""
    if not blocks.is_complete(period):
        raise ValueError("breakdowns are published only for periods that are over")
    info = DIMENSION_INFO[dimension]
    if dimension == "outcome":
        block = blocks.closures(period.start.year)
        hierarchy = OUTCOME_GROUPS
    else:
        block = blocks.reports(period.start.year)
        hierarchy = None
    total = block.total(period)
    cells = block.category(dimension, period)
    rows: list[Row] = []

    def add(code: str, level: int = 0, label: str | None = None, group: bool = False) -> None:
        cell = cells.get(code, NA)
        share = percent(cell, total)
        rows.append(Row(code, label or _label(dimension, code), (cell, share), level, group=group))

    if hierarchy:
        for group, members in hierarchy.items():
            add(group, 0, str(OUTCOME_GROUP_LABELS[group]), group=True)
            for code in block.category_values["outcome"]:
                if code in members or (group == NO_ACTION and code not in OUTCOME_STAT_LABELS):
                    add(code, 1)
    else:
        for code in block.category_values.get(dimension, []):
            if dimension == "theme" and code in THEME_GROUPS:
                continue
            cell = cells.get(code, NA)
            if not info.closed and cell.shown and cell.value == 0:
                continue
            add(code)
    rows.append(
        Row(
            "totaal", _("Totaal"), (total, percent(total, total) if total.shown else NA), total=True
        )
    )
    what = _("afgeronde meldingen") if dimension == "outcome" else _("meldingen")
    return Table(
        name=info.slug,
        title=str(info.title),
        caption=_(
            "%(title)s: %(what)s in %(period)s", title=info.title, what=what, period=period.label
        ),
        row_header=str(info.title),
        columns=(
            Column("aantal", _("Aantal"), COUNT, chart=True),
            Column("aandeel", _("Aandeel"), PERCENT),
        ),
        rows=tuple(rows),
        chart="bars",
        chart_description=_(
            "Staafdiagram: aantal %(what)s per categorie in %(period)s.",
            what=what,
            period=period.label,
        ),
    )


def headline_table(blocks: _Blocks, period: Period) -> Table:
    current = blocks.report_total(period)
    before = blocks.report_total(period.previous())
    last_year = blocks.report_total(period.last_year())
    running = not blocks.is_complete(period)
    label = period.label + (" " + _("(loopt nog)") if running else "")
    rows = (
        Row("periode", label, (current, NA)),
        Row(
            "vorige",
            _("Vorige periode: %(label)s", label=period.previous().label),
            (before, change(current, before) if not running else NA),
        ),
        Row(
            "vorig-jaar",
            _("Zelfde periode vorig jaar: %(label)s", label=period.last_year().label),
            (last_year, change(current, last_year) if not running else NA),
        ),
    )
    notes = [_("Een verandering wordt alleen berekend tussen twee gepubliceerde aantallen.")]
    if running:
        notes.append(
            _(
                "Deze periode loopt nog: het aantal telt tot nu toe. Een verandering berekenen we "
                "pas als de periode voorbij is."
            )
        )
    return Table(
        name="kerncijfers",
        title=_("Binnengekomen meldingen"),
        caption=_("Binnengekomen meldingen in %(period)s, met vergelijking", period=period.label),
        row_header=_("Periode"),
        columns=(
            Column("aantal", _("Meldingen")),
            Column(
                "verandering",
                _("Verandering naar %(period)s", period=period.label),
                PERCENT,
            ),
        ),
        rows=rows,
        notes=tuple(notes),
    )


def _series_table(
    blocks: _Blocks, periods: list[Period], name: str, title: str, unit: str
) -> Table:
    rows = []
    for p in periods:
        current = blocks.report_total(p)
        running = p.end > blocks.today
        rows.append(
            Row(
                p.start.isoformat(),
                p.short_label + (" " + _("(loopt nog)") if running else ""),
                (current, blocks.report_total(p.previous()), blocks.report_total(p.last_year())),
                short_label=p.short_label,
            )
        )
    return Table(
        name=name,
        title=title,
        caption=_(
            "%(title)s, van %(first)s tot en met %(last)s",
            title=title,
            first=periods[0].label,
            last=periods[-1].label,
        ),
        row_header=unit,
        columns=(
            Column("aantal", _("Meldingen"), COUNT, chart=True),
            Column("vorige", _("Vorige %(unit)s", unit=unit.lower())),
            Column(
                "vorig-jaar", _("Zelfde %(unit)s vorig jaar", unit=unit.lower()), COUNT, chart=True
            ),
        ),
        rows=tuple(rows),
        chart="columns",
        chart_description=_(
            "Kolomdiagram: meldingen per %(unit)s, naast dezelfde %(unit)s een jaar eerder.",
            unit=unit.lower(),
        ),
    )


def weekly_table(blocks: _Blocks, period: Period, count: int = 13) -> Table:
    last = Period.containing(WEEK, min(period.last_day, blocks.today))
    weeks = [last]
    while len(weeks) < count:
        weeks.insert(0, weeks[0].previous())
    return _series_table(blocks, weeks, "per-week", _("Meldingen per week"), _("Week"))


def monthly_table(blocks: _Blocks, period: Period, count: int = 12) -> Table:
    last = Period.containing(MONTH, min(period.last_day, blocks.today))
    months = [last]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return _series_table(blocks, months, "per-maand", _("Meldingen per maand"), _("Maand"))


def funnel_table(blocks: _Blocks, period: Period) -> Table:
    """Form views and visits with a receipt code (daily counters), submitted reports and the
    conversion.

    Submitted reports are the very cells of the report totals (weeks, months,
    quarters, years), never a count per day: a day's count next to a week's
    total would give away a small day by subtraction.
    """
    daily = period.kind in (WEEK, MONTH)
    rows = []
    if daily:
        for day in period.days:
            views, back = blocks.counter_day(day, FORM_VIEW), blocks.counter_day(day, FOLLOWUP_LOGIN)
            rows.append(Row(day.isoformat(), format_date(day, "EEE d MMM"), (views, NA, NA, back)))
        unit = _("Dag")
    else:
        month = Period.containing(MONTH, period.start)
        while month.start < period.end:
            views = blocks.counter_total(month, FORM_VIEW)
            sent = blocks.report_total(month)
            back = blocks.counter_total(month, FOLLOWUP_LOGIN)
            rows.append(
                Row(month.start.isoformat(), month.short_label, (views, sent, percent(sent, views), back))
            )
            month = month.following()
        unit = _("Maand")
    views, sent = blocks.counter_total(period, FORM_VIEW), blocks.report_total(period)
    back = blocks.counter_total(period, FOLLOWUP_LOGIN)
    rows.append(Row("totaal", _("Totaal"), (views, sent, percent(sent, views), back), total=True))
    notes = [
        _(
            "Geteld op de server als één getal per dag: zonder cookies, zonder IP-adressen en "
            "zonder iets dat een bezoeker herkenbaar maakt. Een bezoeker die het formulier "
            "twee keer opent, telt twee keer."
        )
    ]
    if daily:
        notes.append(
            _(
                "Verstuurde meldingen tellen we per week, maand, kwartaal en jaar, niet per dag: "
                "naast het totaal van een week zou het aantal van één dag te herleiden zijn."
            )
        )
    return Table(
        name="trechter",
        title=_("Van formulier naar melding"),
        caption=_(
            "Formulier bekeken, melding verstuurd en conversie in %(period)s", period=period.label
        ),
        row_header=unit,
        columns=(
            Column("bekeken", _("Formulier bekeken"), COUNT, chart=True),
            Column("verstuurd", _("Melding verstuurd"), COUNT, chart=not daily),
            Column("conversie", _("Conversie"), PERCENT),
            Column("terug", _("Bezoeken met ontvangstcode"), COUNT),
        ),
        rows=tuple(rows),
        notes=tuple(notes),
        chart="columns",
        chart_description=_(
            "Kolomdiagram: per %(unit)s hoe vaak het formulier werd bekeken en hoeveel "
            "meldingen werden verstuurd.",
            unit=unit.lower(),
        )
        if not daily
        else _("Kolomdiagram: per dag hoe vaak het formulier werd bekeken."),
    )


def _percentile_hours(buckets: Mapping[int, int], share: float) -> int | None:
    """Nearest-rank percentile over bucketed durations: the bucket of the k-th value."""
    n = sum(buckets.values())
    if n == 0:
        return None
    rank = max(1, math.ceil(share * n))
    seen = 0
    for hours in sorted(buckets):
        seen += buckets[hours]
        if seen >= rank:
            return hours
    return None


def duration_summary(measure: str, first: date, last: date) -> tuple[int, Cell, Cell]:
    """(n, median, 90th percentile) of a duration over days ``first``..``last``."""
    buckets = {
        int(hours): int(count)
        for hours, count in db.session.execute(
            select(DailyDurationStat.bucket_hours, func.sum(DailyDurationStat.count))
            .where(DailyDurationStat.measure == measure, DailyDurationStat.day.between(first, last))
            .group_by(DailyDurationStat.bucket_hours)
        )
    }
    n = sum(buckets.values())
    if n <= SMALL_MAX:
        # Too few reports: a median of one or two reports is their own duration.
        return n, NA, NA
    return (
        n,
        Cell(_percentile_hours(buckets, 0.5), SHOWN, HOURS),
        Cell(_percentile_hours(buckets, 0.9), SHOWN, HOURS),
    )


def follow_through_table(period: Period, complete: bool = True) -> Table:
    """Medians and 90th percentiles; for a running period none (each new report moves them)."""
    rows = []
    for measure, label in (
        (
            FIRST_ACTION,
            _(
                "Tijd tot de eerste actie van een medewerker "
                "(meldingen binnengekomen in deze periode)"
            ),
        ),
        (CLOSING, _("Tijd tot afronding (meldingen afgerond in deze periode)")),
    ):
        median, p90 = NA, NA
        if complete:
            _n, median, p90 = duration_summary(measure, period.start, period.last_day)
        rows.append(Row(measure, label, (median, p90)))
    notes = [
        _(
            "Naar boven afgerond: op hele uren tot twee dagen, op hele dagen tot zestig dagen, "
            "daarna op hele weken. Bij minder dan vijf meldingen tonen we geen doorlooptijd."
        )
    ]
    if not complete:
        notes.append(_("De doorlooptijd van een periode tonen we als die periode voorbij is."))
    return Table(
        name="doorlooptijd",
        title=_("Doorlooptijd"),
        caption=_("Doorlooptijd in %(period)s", period=period.label),
        row_header=_("Wat"),
        columns=(
            Column("mediaan", _("Mediaan (de helft is sneller)"), HOURS),
            Column("p90", _("90e percentiel (9 van de 10 zijn sneller)"), HOURS),
        ),
        rows=tuple(rows),
        notes=tuple(notes),
    )


# --- pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    period: Period
    complete: bool  # the period is over: only then breakdowns, outcomes and durations
    last_complete: Period  # the latest period of the same kind that is over
    headline: Table
    weekly: Table
    monthly: Table
    funnel: Table
    follow_through: Table
    breakdowns: tuple[Table, ...]  # empty for a week and for a running period
    outcomes: Table | None
    action_share: Cell

    @property
    def tables(self) -> tuple[Table, ...]:
        found = [
            self.headline,
            self.weekly,
            self.monthly,
            self.funnel,
            self.follow_through,
            *self.breakdowns,
        ]
        if self.outcomes is not None:
            found.append(self.outcomes)
        return tuple(found)


def last_complete(kind: str, today: date) -> Period:
    """The latest week, month, quarter or year that is over."""
    return Period.containing(kind, today).previous()


def dashboard(period: Period, today: date | None = None) -> Dashboard:
    blocks = _Blocks(today)
    complete = blocks.is_complete(period)
    breakdowns: tuple[Table, ...] = ()
    outcomes = None
    action_share = NA
    if period.kind != WEEK and complete:
        breakdowns = tuple(breakdown_table(blocks, d, period) for d in BREAKDOWNS)
        outcomes = breakdown_table(blocks, "outcome", period)
        action_share = _action_share(outcomes)
    return Dashboard(
        period=period,
        complete=complete,
        last_complete=last_complete(period.kind, blocks.today),
        headline=headline_table(blocks, period),
        weekly=weekly_table(blocks, period),
        monthly=monthly_table(blocks, period),
        funnel=funnel_table(blocks, period),
        follow_through=follow_through_table(period, complete),
        breakdowns=breakdowns,
        outcomes=outcomes,
        action_share=action_share,
    )


def _action_share(outcomes: Table) -> Cell:
    for row in outcomes.rows:
        if row.key == ACTION:
            return row.cells[1]
    return NA


def export_table(name: str, period: Period, today: date | None = None) -> Table | None:
    """One table of the dashboard by its export name, or None."""
    blocks = _Blocks(today)
    if name not in _export_names(blocks, period):
        return None
    builders = {
        "kerncijfers": lambda: headline_table(blocks, period),
        "per-week": lambda: weekly_table(blocks, period),
        "per-maand": lambda: monthly_table(blocks, period),
        "trechter": lambda: funnel_table(blocks, period),
        "doorlooptijd": lambda: follow_through_table(period, blocks.is_complete(period)),
    }
    if name in builders:
        return builders[name]()
    dimension = next(d for d, info in DIMENSION_INFO.items() if info.slug == name)
    return breakdown_table(blocks, dimension, period)


def export_names(period: Period, today: date | None = None) -> list[str]:
    return _export_names(_Blocks(today), period)


def _export_names(blocks: _Blocks, period: Period) -> list[str]:
    names = ["kerncijfers", "per-week", "per-maand", "trechter", "doorlooptijd"]
    if period.kind != WEEK and blocks.is_complete(period):
        names += [DIMENSION_INFO[d].slug for d in BREAKDOWNS] + ["uitkomst"]
    return names


def to_csv(table: Table) -> str:
    """UTF-8 with BOM and semicolons, as Dutch Excel opens it; suppressed as in the page."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([table.caption])
    writer.writerow(
        [
            table.row_header,
            *(c.label + (_(" (uren)") if c.kind == HOURS else "") for c in table.columns),
        ]
    )
    for row in table.rows:
        writer.writerow([row.label, *(cell.csv for cell in row.cells)])
    writer.writerow([])
    writer.writerow(
        [
            _(
                "<5 = 1 tot en met 4, niet precies gepubliceerd; x = afgeschermd zodat een "
                "klein aantal niet terug te rekenen is"
            )
        ]
    )
    for note in table.notes:
        writer.writerow([note])
    return out.getvalue()


# --- public results and the factsheet ---------------------------------------------


@dataclass(frozen=True)
class QuarterResult:
    period: Period
    received: Cell
    closed: Cell
    action_share: Cell
    themes: Table
    outcomes: Table


def public_results(today: date | None = None, quarters: int = 4) -> list[QuarterResult]:
    """The latest quarters that are over, for /resultaten, newest first.

    A running quarter is never shown: the page is refreshed with every rollup,
    and comparing it before and after one new report would tell its theme.
    """
    blocks = _Blocks(today)
    period = last_complete(QUARTER, blocks.today)
    found: list[QuarterResult] = []
    while len(found) < quarters:
        if not blocks.is_complete(period):  # over, but not yet in the stored figures
            period = period.previous()
            continue
        themes = breakdown_table(blocks, "theme_group", period)
        outcomes = breakdown_table(blocks, "outcome", period)
        found.append(
            QuarterResult(
                period=period,
                received=blocks.reports(period.start.year).total(period),
                closed=blocks.closures(period.start.year).total(period),
                action_share=_action_share(outcomes),
                themes=themes,
                outcomes=outcomes,
            )
        )
        period = period.previous()
    return found


def results_summary_table(quarters: Sequence[QuarterResult]) -> Table:
    """Per quarter: reports in, reports closed, and the share of those that led to an action."""
    ordered = sorted(quarters, key=lambda q: q.period.start)
    rows = tuple(
        Row(
            q.period.start.isoformat(),
            q.period.label,
            (q.received, q.closed, q.action_share),
            short_label=q.period.short_label,
        )
        for q in ordered
    )
    return Table(
        name="resultaten",
        title=_("Meldingen per kwartaal"),
        caption=_("Binnengekomen en afgeronde meldingen per kwartaal"),
        row_header=_("Kwartaal"),
        columns=(
            Column("binnen", _("Binnengekomen"), COUNT, chart=True),
            Column("afgerond", _("Afgerond"), COUNT, chart=True),
            Column("actie", _("Afgerond met een actie"), PERCENT),
        ),
        rows=rows,
        chart="columns",
        chart_description=_(
            "Kolomdiagram: per kwartaal het aantal binnengekomen en het aantal afgeronde meldingen."
        ),
    )


@dataclass(frozen=True)
class Factsheet:
    year: int
    complete: bool  # the year is over: only then themes, outcomes and durations
    received: Cell
    received_before: Cell
    received_change: Cell
    closed: Cell
    action_share: Cell
    views: Cell
    conversion: Cell
    followups: Cell
    first_action_median: Cell
    closing_median: Cell
    monthly: Table
    themes: Table | None
    outcomes: Table | None


def factsheet(year: int, today: date | None = None) -> Factsheet:
    blocks = _Blocks(today)
    period = Period.containing(YEAR, date(year, 1, 1))
    complete = blocks.is_complete(period)
    received = blocks.report_total(period)
    before = blocks.report_total(period.previous())
    outcomes = breakdown_table(blocks, "outcome", period) if complete else None
    views = blocks.counter_total(period, FORM_VIEW)
    months = [Period.containing(MONTH, date(year, m, 1)) for m in range(1, 13)]
    months = [m for m in months if m.start <= blocks.today]
    monthly = _series_table(blocks, months, "per-maand", _("Meldingen per maand"), _("Maand"))

    def median(measure: str) -> Cell:
        return duration_summary(measure, period.start, period.last_day)[1] if complete else NA

    return Factsheet(
        year=year,
        complete=complete,
        received=received,
        received_before=before,
        received_change=change(received, before) if complete else NA,
        closed=blocks.closures(year).total(period),
        action_share=_action_share(outcomes) if outcomes else NA,
        views=views,
        conversion=percent(received, views),
        followups=blocks.counter_total(period, FOLLOWUP_LOGIN),
        first_action_median=median(FIRST_ACTION),
        closing_median=median(CLOSING),
        monthly=monthly,
        themes=breakdown_table(blocks, "theme_group", period) if complete else None,
        outcomes=outcomes,
    )
