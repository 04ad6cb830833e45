"""Statistics tables of the internal dashboard: rows of exact cells with a caption.

The views render a table as HTML, as a chart (``meldpunt/stats/charts.py``) and as CSV,
all from the same cells. Inside nothing is suppressed: staff who see these pages may
read the reports themselves. A period that is still running is marked as running.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from meldpunt.counters import FOLLOWUP_LOGIN, FORM_VIEW
from meldpunt.stats.aggregates import (
    CLOSED_30,
    CLOSED_30_ACUTE,
    CLOSING,
    FIRST_ACTION,
    FIRST_ACTION_ACUTE,
    IN_TARGET,
    IN_TARGET_ACUTE,
)
from meldpunt.stats.categories import (
    DIMENSION_INFO,
    OUTCOME_GROUP_LABELS,
    OUTCOME_GROUP_OF,
    OUTCOME_GROUPS,
    dimension_labels,
)
from meldpunt.stats.cells import COUNT, HOURS, NA, PERCENT, SHOWN, Cell, change, percent
from meldpunt.stats.figures import Figures
from meldpunt.stats.periods import MONTH, WEEK, Period


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT
    chart: bool = False  # drawn in the chart of the table


@dataclass(frozen=True)
class Row:
    key: str  # a category code, or the ISO date a period starts
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
    dimension: str = ""  # for the long CSV format: what the rows are
    period: Period | None = None  # the period of a table of categories
    # A publication's table that is not shown: "too_few" or "withheld" (rows are then empty).
    status: str = ""


def category_label(dimension: str, code: str) -> str:
    info = DIMENSION_INFO[dimension]
    if code == "" or code is None:
        return str(info.empty_label)
    found = dimension_labels(dimension).get(code)
    return str(found) if found is not None else code


def running_suffix(figures: Figures, period: Period) -> str:
    return " " + _("(loopt nog)") if figures.is_running(period) else ""


def partial_suffix(figures: Figures, period: Period) -> str:
    """For the period in which the meldpunt began receiving reports: from which day it counts."""
    if figures.covers(period) or figures.before_start(period):
        return ""
    return " " + _("(meldingen vanaf %(day)s)", day=format_date(figures.since, "d MMM y"))


def count_in(figures: Figures, period: Period) -> Cell:
    """Reports in ``period``; no figure ("–") for a period over before the first day with figures."""
    return NA if figures.before_start(period) else figures.report_total(period)


def since_note(figures: Figures) -> str:
    return _(
        "Het meldpunt ontvangt meldingen sinds %(day)s (de eerste dag met cijfers). Een streepje "
        "betekent hier: geen cijfer, want in die periode ontving het meldpunt nog niet de hele tijd "
        "meldingen. Een 0 zou dan geen telling zijn en een vergelijking zou een te grote stijging tonen.",
        day=format_date(figures.since, "d MMMM y"),
    )


def ordered_codes(dimension: str, found: Mapping[str, int]) -> list[str]:
    """Closed lists in their own order with every category (also 0), open lists by size."""
    info = DIMENSION_INFO[dimension]
    if info.closed:
        codes = [c for c in dimension_labels(dimension) if c != "" or c in found]
        return codes + sorted(c for c in found if c not in codes)
    return sorted(found, key=lambda c: (-found[c], c))


def breakdown_table(figures: Figures, dimension: str, period: Period) -> Table:
    """Exact counts and shares per category of one dimension in ``period``."""
    info = DIMENSION_INFO[dimension]
    found = figures.categories(dimension, period)
    closures = dimension in ("outcome", "outcome_group")
    total = figures.closure_total(period) if closures else figures.report_total(period)
    rows: list[Row] = []

    def add(code: str, n: int, level: int = 0, label: str | None = None, group: bool = False):
        cell = Cell(n)
        rows.append(
            Row(code, label or category_label(dimension, code), (cell, percent(cell, total)), level, group=group)
        )

    if dimension == "outcome":
        for group, members in OUTCOME_GROUPS.items():
            codes = [c for c in ordered_codes("outcome", found) if OUTCOME_GROUP_OF.get(c, "geen_actie") == group]
            add(group, sum(found.get(c, 0) for c in codes), 0, str(OUTCOME_GROUP_LABELS[group]), True)
            for code in codes:
                add(code, found.get(code, 0), 1)
            del members
    else:
        for code in ordered_codes(dimension, found):
            add(code, found.get(code, 0))
    rows.append(Row("totaal", _("Totaal"), (total, percent(total, total)), total=True))
    what = _("afgeronde meldingen") if closures else _("meldingen")
    label = period.label + running_suffix(figures, period)
    return Table(
        name=info.slug,
        title=str(info.title),
        caption=_("%(title)s: %(what)s in %(period)s", title=info.title, what=what, period=label),
        row_header=str(info.title),
        columns=(
            Column("aantal", _("Aantal"), COUNT, chart=True),
            Column("aandeel", _("Aandeel"), PERCENT),
        ),
        rows=tuple(rows),
        chart="bars",
        chart_description=_(
            "Staafdiagram: aantal %(what)s per categorie in %(period)s.", what=what, period=label
        ),
        dimension=dimension,
        period=period,
    )


def headline_table(figures: Figures, period: Period) -> Table:
    current = count_in(figures, period)
    running = figures.is_running(period)
    compared_any = False

    def compared(other: Period) -> tuple[Cell, Cell]:
        """The other period's count, and the change only when both periods are whole ones
        in which the meldpunt received reports (a partial year would show a false rise)."""
        nonlocal compared_any
        count = count_in(figures, other)
        if running or not (figures.covers(other) and figures.covers(period)):
            compared_any = compared_any or not running
            return count, NA
        return count, change(current, count)

    before, before_change = compared(period.previous())
    last_year, last_year_change = compared(period.last_year())
    rows = (
        Row(
            period.start.isoformat(),
            period.label + running_suffix(figures, period) + partial_suffix(figures, period),
            (current, NA),
        ),
        Row(
            period.previous().start.isoformat(),
            _("Vorige periode: %(label)s", label=period.previous().label)
            + partial_suffix(figures, period.previous()),
            (before, before_change),
        ),
        Row(
            period.last_year().start.isoformat(),
            _("Zelfde periode vorig jaar: %(label)s", label=period.last_year().label)
            + partial_suffix(figures, period.last_year()),
            (last_year, last_year_change),
        ),
    )
    notes = []
    if running:
        notes.append(
            _(
                "Deze periode loopt nog: het aantal telt tot nu toe. Een verandering berekenen we "
                "pas als de periode voorbij is."
            )
        )
    if compared_any:
        notes.append(since_note(figures))
    return Table(
        name="kerncijfers",
        title=_("Binnengekomen meldingen"),
        caption=_("Binnengekomen meldingen in %(period)s, met vergelijking", period=period.label),
        row_header=_("Periode"),
        columns=(
            Column("aantal", _("Meldingen")),
            Column("verandering", _("Verandering naar %(period)s", period=period.label), PERCENT),
        ),
        rows=rows,
        notes=tuple(notes),
        dimension="periode",
    )


def series_table(figures: Figures, periods: list[Period], name: str, title: str, unit: str) -> Table:
    rows = tuple(
        Row(
            p.start.isoformat(),
            p.short_label + running_suffix(figures, p) + partial_suffix(figures, p),
            # Last year's figure only when the meldpunt received reports that whole period.
            (count_in(figures, p), figures.report_total(p.last_year()) if figures.covers(p.last_year()) else NA),
            short_label=p.short_label,
        )
        for p in periods
    )
    incomplete = any(not figures.covers(p.last_year()) for p in periods)
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
            Column("vorig-jaar", _("Zelfde %(unit)s vorig jaar", unit=unit.lower()), COUNT, chart=True),
        ),
        rows=rows,
        chart="columns",
        chart_description=_(
            "Kolomdiagram: meldingen per %(unit)s, naast dezelfde %(unit)s een jaar eerder.",
            unit=unit.lower(),
        ),
        notes=(since_note(figures),) if incomplete else (),
        dimension="periode",
    )


def periods_up_to(kind: str, period: Period, today, count: int) -> list[Period]:
    last = Period.containing(kind, min(period.last_day, today))
    found = [last]
    while len(found) < count:
        found.insert(0, found[0].previous())
    return found


def weekly_table(figures: Figures, period: Period, count: int = 13) -> Table:
    weeks = periods_up_to(WEEK, period, figures.today, count)
    return series_table(figures, weeks, "per-week", _("Meldingen per week"), _("Week"))


def monthly_table(figures: Figures, period: Period, count: int = 13) -> Table:
    months = periods_up_to(MONTH, period, figures.today, count)
    return series_table(figures, months, "per-maand", _("Meldingen per maand"), _("Maand"))


def trend_table(figures: Figures, dimension: str, period: Period, count: int = 13) -> Table:
    """Per month (the last ``count`` months up to ``period``), the count of every category."""
    info = DIMENSION_INFO[dimension]
    months = periods_up_to(MONTH, period, figures.today, count)
    per_month = [figures.categories(dimension, m) for m in months]
    seen: dict[str, int] = {}
    for found in per_month:
        for code, n in found.items():
            seen[code] = seen.get(code, 0) + n
    codes = ordered_codes(dimension, seen)
    rows = tuple(
        Row(
            m.start.isoformat(),
            m.short_label + running_suffix(figures, m) + partial_suffix(figures, m),
            tuple(NA if figures.before_start(m) else Cell(found.get(code, 0)) for code in codes),
            short_label=m.short_label,
        )
        for m, found in zip(months, per_month, strict=True)
    )
    return Table(
        name="trend-" + info.slug,
        title=_("%(title)s per maand", title=info.title),
        caption=_(
            "%(title)s per maand, van %(first)s tot en met %(last)s",
            title=info.title,
            first=months[0].label,
            last=months[-1].label,
        ),
        row_header=_("Maand"),
        columns=tuple(Column(code or "leeg", category_label(dimension, code), COUNT, chart=True) for code in codes),
        rows=rows,
        chart="lines",
        chart_description=_(
            "Lijndiagram: per maand het aantal meldingen per categorie van %(title)s.",
            title=info.title,
        ),
        notes=(since_note(figures),) if any(figures.before_start(m) for m in months) else (),
        dimension=dimension,
    )


def funnel_table(figures: Figures, period: Period) -> Table:
    """Form views, submitted reports, conversion and visits with a receipt code."""
    daily = period.kind in (WEEK, MONTH)
    rows = []
    if daily:
        for day in period.days:
            if day > figures.today:
                break
            views, back = figures.counter_day(day, FORM_VIEW), figures.counter_day(day, FOLLOWUP_LOGIN)
            sent = Cell(figures.daily_reports(day.year).get(day, 0))
            if day < figures.since:  # not open yet: no counts, not zeros
                views = sent = back = NA
            rows.append(
                Row(day.isoformat(), format_date(day, "EEE d MMM"), (views, sent, percent(sent, views), back),
                    short_label=format_date(day, "d MMM"))
            )
        unit = _("Dag")
    else:
        month = Period.containing(MONTH, period.start)
        while month.start < period.end and month.start <= figures.today:
            views = figures.counter_total(month, FORM_VIEW)
            sent = figures.report_total(month)
            back = figures.counter_total(month, FOLLOWUP_LOGIN)
            if figures.before_start(month):
                views = sent = back = NA
            rows.append(
                Row(month.start.isoformat(), month.short_label, (views, sent, percent(sent, views), back),
                    short_label=month.short_label)
            )
            month = month.following()
        unit = _("Maand")
    views, sent = figures.counter_total(period, FORM_VIEW), figures.report_total(period)
    back = figures.counter_total(period, FOLLOWUP_LOGIN)
    rows.append(Row("totaal", _("Totaal"), (views, sent, percent(sent, views), back), total=True))
    notes = [
        _(
            "Geteld op de server als één getal per dag: zonder cookies, zonder IP-adressen en "
            "zonder iets dat een bezoeker herkenbaar maakt. Een bezoeker die het formulier "
            "twee keer opent, telt twee keer."
        )
    ]
    if period.start < figures.since:
        notes.append(since_note(figures))
    return Table(
        name="trechter",
        title=_("Van formulier naar melding"),
        caption=_("Formulier bekeken, melding verstuurd en conversie in %(period)s", period=period.label),
        row_header=unit,
        columns=(
            Column("bekeken", _("Formulier bekeken"), COUNT, chart=True),
            Column("verstuurd", _("Melding verstuurd"), COUNT),
            Column("conversie", _("Conversie"), PERCENT),
            Column("terug", _("Bezoeken met meldcode"), COUNT),
        ),
        rows=tuple(rows),
        notes=tuple(notes),
        chart="columns",
        chart_description=_(
            "Kolomdiagram: per %(unit)s hoe vaak het formulier werd bekeken.", unit=unit.lower()
        ),
        dimension="periode",
        period=period,
    )


def percentile_hours(buckets: Mapping[int, int], share: float) -> int | None:
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


def _hours(value: int | None) -> Cell:
    return NA if value is None else Cell(value, SHOWN, HOURS)


def follow_through_table(figures: Figures, period: Period) -> Table:
    """Medians and 90th percentiles of the time to a first action and to closing.

    Reports nobody has acted on yet are counted, not dropped: the time to a first
    action is read over every report of the period, a waiting report counting as
    slower than any that was acted on (so the median never looks better than it is).
    """
    submitted = int(figures.report_total(period).value or 0)
    acted = figures.durations(FIRST_ACTION, period)
    waiting = max(submitted - sum(acted.values()), 0)
    with_waiting = dict(acted)
    if waiting:
        with_waiting[10**9] = waiting  # "not yet": beyond every bucket
    rows = []
    for key, label, buckets, n in (
        (
            FIRST_ACTION,
            _("Tijd tot de eerste actie van een medewerker (meldingen binnengekomen in deze periode)"),
            with_waiting,
            submitted,
        ),
        (
            CLOSING,
            _("Tijd tot afronding (meldingen afgerond in deze periode)"),
            figures.durations(CLOSING, period),
            None,
        ),
    ):
        median, p90 = percentile_hours(buckets, 0.5), percentile_hours(buckets, 0.9)
        rows.append(
            Row(
                key,
                label,
                (
                    Cell(n if n is not None else sum(buckets.values())),
                    NA if median is None or median >= 10**9 else _hours(median),
                    NA if p90 is None or p90 >= 10**9 else _hours(p90),
                ),
            )
        )
    rows.append(
        Row("wachtend", _("Nog zonder eerste actie (meldingen binnengekomen in deze periode)"),
            (Cell(waiting), NA, NA))
    )
    notes = [
        _(
            "Naar boven afgerond: op hele uren tot twee dagen, op hele dagen tot zestig dagen, "
            "daarna op hele weken. Meldingen zonder eerste actie tellen mee als langzamer dan "
            "alle andere; ligt de mediaan daar, dan staat er een streepje."
        )
    ]
    if figures.is_running(period):
        notes.append(_("Deze periode loopt nog: de cijfers tellen tot nu toe."))
    return Table(
        name="doorlooptijd",
        title=_("Doorlooptijd"),
        caption=_("Doorlooptijd in %(period)s", period=period.label),
        row_header=_("Wat"),
        columns=(
            Column("aantal", _("Meldingen")),
            Column("mediaan", _("Mediaan (de helft is sneller)"), HOURS),
            Column("p90", _("90e percentiel (9 van de 10 zijn sneller)"), HOURS),
        ),
        rows=tuple(rows),
        notes=tuple(notes),
        dimension="maat",
        period=period,
    )


def _response_counts(figures: Figures, period: Period) -> dict[str, dict[str, int]]:
    """Per group (all, acute, not acute): submitted, acted on within target, waiting, closed in 30 days."""
    submitted = int(figures.report_total(period).value or 0)
    acute = figures.categories("urgency", period).get("acuut", 0)
    acted = sum(figures.durations(FIRST_ACTION, period).values())
    acted_acute = sum(figures.durations(FIRST_ACTION_ACUTE, period).values())

    def count(measure: str) -> int:
        return sum(figures.durations(measure, period).values())

    groups = {
        "acuut": {
            "in": acute,
            "target": count(IN_TARGET_ACUTE),
            "waiting": acute - acted_acute,
            "closed": count(CLOSED_30_ACUTE),
        },
        "niet-acuut": {
            "in": submitted - acute,
            "target": count(IN_TARGET),
            "waiting": (submitted - acted) - (acute - acted_acute),
            "closed": count(CLOSED_30),
        },
    }
    groups["alle"] = {k: groups["acuut"][k] + groups["niet-acuut"][k] for k in groups["acuut"]}
    return groups


def response_table(figures: Figures, period: Period) -> Table:
    """How fast the meldpunt responds, honestly: reports nobody has acted on yet count as late."""
    groups = _response_counts(figures, period)
    labels = {
        "alle": _("Alle meldingen"),
        "acuut": _("Acuut"),
        "niet-acuut": _("Niet acuut"),
    }
    rows = []
    for key in ("alle", "acuut", "niet-acuut"):
        g = groups[key]
        submitted = Cell(g["in"])
        target = Cell(g["target"])
        rows.append(
            Row(
                key,
                labels[key],
                (submitted, target, percent(target, submitted), Cell(max(g["waiting"], 0)),
                 percent(Cell(g["closed"]), submitted)),
                total=key == "alle",
            )
        )
    notes = [
        _(
            "Binnen de norm: een eerste actie van een medewerker binnen twee werkdagen na binnenkomst "
            "(weekend en feestdagen tellen niet mee). Meldingen zonder eerste actie tellen mee als niet "
            "binnen de norm."
        ),
        _("Afgerond binnen 30 dagen telt de meldingen die in deze periode binnenkwamen."),
    ]
    if not figures.is_complete(period) or period.end > figures.today - timedelta(days=30):
        notes.append(_("Voor meldingen van de laatste 30 dagen kan afronding binnen 30 dagen nog stijgen."))
    return Table(
        name="reactietijd",
        title=_("Reactietijd"),
        caption=_("Reactietijd van meldingen binnengekomen in %(period)s", period=period.label),
        row_header=_("Meldingen"),
        columns=(
            Column("binnen", _("Binnengekomen")),
            Column("norm", _("Eerste actie binnen 2 werkdagen")),
            Column("norm-aandeel", _("Binnen de norm"), PERCENT),
            Column("wachtend", _("Nog zonder eerste actie")),
            Column("afgerond-30", _("Afgerond binnen 30 dagen"), PERCENT),
        ),
        rows=tuple(rows),
        notes=tuple(notes),
        dimension="urgentie",
        period=period,
    )


def response_trend_table(figures: Figures, period: Period, count: int = 13) -> Table:
    """Per month: the share with a first action within target (all and acute) and closed in 30 days."""
    months = periods_up_to(MONTH, period, figures.today, count)
    rows = []
    for month in months:
        groups = _response_counts(figures, month)
        everyone, acute = groups["alle"], groups["acuut"]
        rows.append(
            Row(
                month.start.isoformat(),
                month.short_label + running_suffix(figures, month),
                (
                    percent(Cell(everyone["target"]), Cell(everyone["in"])),
                    percent(Cell(acute["target"]), Cell(acute["in"])),
                    percent(Cell(everyone["closed"]), Cell(everyone["in"])),
                ),
                short_label=month.short_label,
            )
        )
    return Table(
        name="reactietijd-trend",
        title=_("Reactietijd per maand"),
        caption=_(
            "Reactietijd per maand, van %(first)s tot en met %(last)s", first=months[0].label, last=months[-1].label
        ),
        row_header=_("Maand"),
        columns=(
            Column("norm", _("Binnen de norm (alle)"), PERCENT, chart=True),
            Column("norm-acuut", _("Binnen de norm (acuut)"), PERCENT, chart=True),
            Column("afgerond-30", _("Afgerond binnen 30 dagen"), PERCENT, chart=True),
        ),
        rows=tuple(rows),
        chart="lines",
        chart_description=_(
            "Lijndiagram: per maand het aandeel meldingen met een eerste actie binnen de norm, "
            "voor alle en voor acute meldingen, en het aandeel dat binnen 30 dagen is afgerond."
        ),
        dimension="periode",
    )
