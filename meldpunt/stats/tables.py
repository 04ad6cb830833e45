"""Statistics tables: rows of cells with a caption, sliced from the protected blocks.

The views render them as HTML tables, charts (``meldpunt/stats/charts.py``) and CSV,
all from the same cells, so a number is suppressed the same way everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from meldpunt.counters import FOLLOWUP_LOGIN, FORM_VIEW
from meldpunt.extensions import db
from meldpunt.models import (
    DailyDurationStat,
)
from meldpunt.stats.aggregates import (
    CLOSING,
    FIRST_ACTION,
)
from meldpunt.stats.categories import (
    DIMENSION_INFO,
    NO_ACTION,
    OUTCOME_GROUP_LABELS,
    OUTCOME_GROUPS,
    OUTCOME_STAT_LABELS,
    THEME_GROUPS,
    dimension_labels,
)
from meldpunt.stats.periods import MONTH, WEEK, Period
from meldpunt.stats.store import Blocks
from meldpunt.stats.suppression import COUNT, HOURS, NA, PERCENT, SHOWN, SMALL_MAX, Cell, change, percent

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


def breakdown_table(blocks: Blocks, dimension: str, period: Period) -> Table:
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


def headline_table(blocks: Blocks, period: Period) -> Table:
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


def series_table(
    blocks: Blocks, periods: list[Period], name: str, title: str, unit: str
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


def weekly_table(blocks: Blocks, period: Period, count: int = 13) -> Table:
    last = Period.containing(WEEK, min(period.last_day, blocks.today))
    weeks = [last]
    while len(weeks) < count:
        weeks.insert(0, weeks[0].previous())
    return series_table(blocks, weeks, "per-week", _("Meldingen per week"), _("Week"))


def monthly_table(blocks: Blocks, period: Period, count: int = 12) -> Table:
    last = Period.containing(MONTH, min(period.last_day, blocks.today))
    months = [last]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return series_table(blocks, months, "per-maand", _("Meldingen per maand"), _("Maand"))


def funnel_table(blocks: Blocks, period: Period) -> Table:
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
