"""Publications as people see them: the public results page (``/resultaten``), the
yearly factsheet and the publication exports, read from the frozen publications only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from meldpunt.stats import disclosure, publication
from meldpunt.stats.categories import DIMENSION_INFO
from meldpunt.stats.cells import COUNT, HOURS, NA, PERCENT, Cell, change, percent
from meldpunt.stats.figures import first_data_day
from meldpunt.stats.periods import QUARTER
from meldpunt.stats.publication import AREA, Publication
from meldpunt.stats.tables import Column, Row, Table, category_label

PUBLIC_DIMENSIONS = ("theme_group", "reporter_type", "outcome_group")
TITLES = {
    "theme_group": lambda: _("Waarover werd gemeld?"),
    "reporter_type": lambda: _("Wie meldde?"),
    "outcome_group": lambda: _("Wat kwam eruit?"),
    AREA: lambda: _("Uit welk postcodegebied?"),
}


def _row_label(dimension: str, row: disclosure.PubRow) -> str:
    if dimension == AREA:
        areas = [c for c in row.codes if c]
        label = areas[0] if len(areas) == 1 else (f"{areas[0]}–{areas[-1]}" if areas else "")
        if "" in row.codes:
            if label:
                return _("%(areas)s en meldingen zonder postcode", areas=label)
            return _("Zonder postcode")
        return label
    names = [category_label(dimension, c) for c in row.codes]
    if row.merged:
        return _("Overig, samengevoegd: %(names)s", names="; ".join(names))
    return names[0]


def public_table(pub: Publication, dimension: str) -> Table:
    """One table of a publication: its rows, or why it is not shown."""
    table = pub.tables.get(dimension) or disclosure.PubTable(disclosure.TOO_FEW, 0)
    info = DIMENSION_INFO[dimension]
    total = Cell(table.total)
    rows: list[Row] = []
    notes: list[str] = []
    if table.status == disclosure.SHOWN:
        for row in table.rows:
            cell = Cell(row.value)
            rows.append(Row(",".join(row.codes) or "-", _row_label(dimension, row), (cell, percent(cell, total))))
        rows.append(Row("totaal", _("Totaal"), (total, percent(total, total)), total=True))
        if any(r.merged for r in table.rows) and dimension != AREA:
            notes.append(_("Kleine groepen tellen we samen op, zodat niemand een melder kan herkennen."))
        if dimension == AREA:
            notes.append(
                _("Naburige postcodegebieden tellen we samen op tot elk minstens %(n)s meldingen heeft.",
                  n=pub.threshold)
            )
    elif table.status == disclosure.TOO_FEW:
        notes.append(
            _("Te weinig meldingen om te tonen (minder dan %(n)s).", n=pub.threshold)
        )
    else:
        notes.append(
            _("Deze verdeling tonen we niet: ook samengevoegd zou een klein aantal terug te rekenen zijn.")
        )
    what = _("afgeronde meldingen") if dimension == "outcome_group" else _("meldingen")
    return Table(
        name=info.slug,
        title=TITLES[dimension](),
        caption=_("%(title)s: %(what)s in %(period)s", title=info.title, what=what, period=pub.period.label),
        row_header=str(info.title),
        columns=(Column("aantal", _("Aantal"), COUNT, chart=True), Column("aandeel", _("Aandeel"), PERCENT)),
        rows=tuple(rows),
        notes=tuple(notes),
        chart="bars" if rows else None,
        chart_description=_(
            "Staafdiagram: aantal %(what)s per categorie in %(period)s.", what=what, period=pub.period.label
        ),
        dimension=dimension,
        period=pub.period,
        status="" if rows else table.status,
    )


def action_share(pub: Publication) -> Cell:
    share = pub.action_share()
    return NA if share is None else Cell(share, kind=PERCENT)


# --- since when the meldpunt receives reports ------------------------------------------------


def receiving_since(pub: Publication) -> date | None:
    """The first day with figures as ``pub`` was published; for a publication made before
    that was stored, the first day with figures now (None: no figures at all)."""
    return pub.data_since if pub.since_stored else first_data_day()


def _month(day: date) -> str:
    return format_date(day, "LLLL y")


def _before_start(pub: Publication, since: date | None) -> bool:
    """The whole period lies before the meldpunt received reports: its zeros are no counts."""
    return since is None or pub.period.end <= since


def _partial(pub: Publication, since: date | None) -> bool:
    return since is not None and pub.period.start < since < pub.period.end


def partial_note(pub: Publication, since: date | None) -> str:
    """For the period in which the meldpunt began receiving reports, or ""."""
    if since is None or not _partial(pub, since):
        return ""
    return _(
        "Het meldpunt ontvangt meldingen sinds %(month)s: %(period)s telt daardoor niet de hele periode.",
        month=_month(since),
        period=pub.period.label,
    )


@dataclass(frozen=True)
class QuarterResult:
    pub: Publication
    received: Cell
    closed: Cell
    action_share: Cell
    tables: tuple[Table, ...]
    note: str = ""  # the quarter in which the meldpunt began: it is not a whole quarter


def public_results(quarters: int = 4) -> list[QuarterResult]:
    """The newest published quarters in which the meldpunt received reports, newest first.

    Quarters before its first day are published too (a year adds up four quarters), but
    their zeros are no counts, so the public page leaves them out.
    """
    found = []
    for pub in publication.latest_quarters(quarters):
        since = receiving_since(pub)
        if _before_start(pub, since):
            continue
        found.append(
            QuarterResult(
                pub=pub,
                received=Cell(pub.received),
                closed=Cell(pub.closed),
                action_share=action_share(pub),
                tables=tuple(public_table(pub, d) for d in PUBLIC_DIMENSIONS),
                note=partial_note(pub, since),
            )
        )
    return found


def results_summary_table(pubs: list[Publication], title: str | None = None) -> Table:
    """Per published period: reports in, reports closed, and the share that led to an action.

    A period before the meldpunt received reports has no figures ("–"), not zeros; the
    period in which it began says from when it counts.
    """
    ordered = sorted(pubs, key=lambda p: p.period.start)
    rows = []
    notes = []
    first_day: date | None = None
    for p in ordered:
        since = receiving_since(p)
        label = p.period.label
        if _before_start(p, since):
            cells: tuple[Cell, ...] = (NA, NA, NA)
            first_day = since
        else:
            cells = (Cell(p.received), Cell(p.closed), action_share(p))
            if since is not None and _partial(p, since):
                label += " " + _("(vanaf %(month)s)", month=_month(since))
                notes.append(partial_note(p, since))
        rows.append(Row(p.period.start.isoformat(), label, cells, short_label=p.period.short_label))
    if first_day is not None:
        notes.insert(
            0,
            _("Een streepje betekent: in dat kwartaal ontving het meldpunt nog geen meldingen (het ontvangt "
              "meldingen sinds %(month)s).", month=_month(first_day)),
        )
    return Table(
        name="resultaten",
        title=title or _("Meldingen per kwartaal"),
        caption=title or _("Binnengekomen en afgeronde meldingen per kwartaal"),
        row_header=_("Kwartaal"),
        columns=(
            Column("binnen", _("Binnengekomen"), COUNT, chart=True),
            Column("afgerond", _("Afgerond"), COUNT, chart=True),
            Column("actie", _("Afgerond met een actie"), PERCENT),
        ),
        rows=tuple(rows),
        notes=tuple(notes),
        chart="columns",
        chart_description=_("Kolomdiagram: per kwartaal het aantal binnengekomen en het aantal afgeronde meldingen."),
        dimension="periode",
    )


@dataclass(frozen=True)
class Factsheet:
    year: int
    pub: Publication
    received: Cell
    received_before: Cell  # only when the meldpunt received reports all of the year before
    received_change: Cell
    no_comparison: str  # why there is no comparison with the year before ("" when there is one)
    partial_year: str  # the meldpunt began during this year ("" when it received reports all year)
    correction: str  # an earlier rendering showed a comparison that is now left out ("" otherwise)
    closed: Cell
    action_share: Cell
    views: Cell
    conversion: Cell
    followups: Cell
    first_action_median: Cell
    closing_median: Cell
    quarterly: Table
    tables: tuple[Table, ...]


def _hours(value: int | None) -> Cell:
    return NA if value is None else Cell(value, kind=HOURS)


def factsheet(year: int) -> Factsheet | None:
    """The factsheet of a published year, or None when that year is not published (yet).

    The year is compared with the year before only when the meldpunt received reports
    during the whole of that year: a year that holds only its last weeks would show a
    rise of a thousand percent. The comparison is made here, when the factsheet is shown,
    from two frozen publications; it was never part of a stored publication.
    """
    pub = publication.year_publication(year)
    if pub is None:
        return None
    before = publication.year_publication(year - 1)
    since = receiving_since(pub)
    comparable = before is not None and since is not None and since <= before.period.start
    received = Cell(pub.received)
    received_before = Cell(before.received) if comparable and before else NA
    if comparable:
        no_comparison = ""
    elif since is not None and since > date(year - 1, 1, 1):
        no_comparison = _("Geen vergelijking: het meldpunt ontvangt meldingen sinds %(month)s.", month=_month(since))
    else:
        no_comparison = _("Geen vergelijking: er zijn geen cijfers van %(year)s.", year=year - 1)
    correction = ""
    if not pub.since_stored and before is not None and not comparable:
        # Published before this rule: the factsheet then compared with a year that was not whole.
        correction = _(
            "Een eerdere weergave van deze factsheet vergeleek met %(year)s (%(count)s meldingen). "
            "Die vergelijking is weggehaald, want het meldpunt ontving in %(year)s niet het hele jaar "
            "meldingen. De gepubliceerde cijfers zelf zijn niet veranderd.",
            year=year - 1,
            count=before.received,
        )
    partial_year = ""
    if since is not None and pub.period.start < since < pub.period.end:
        partial_year = _(
            "Het meldpunt ontvangt meldingen sinds %(month)s: deze cijfers gaan niet over het hele jaar.",
            month=_month(since),
        )
    views = Cell(pub.views)
    quarters = [p for p in publication.published(QUARTER, year)]
    return Factsheet(
        year=year,
        pub=pub,
        received=received,
        received_before=received_before,
        received_change=change(received, received_before),
        no_comparison=no_comparison,
        partial_year=partial_year,
        correction=correction,
        closed=Cell(pub.closed),
        action_share=action_share(pub),
        views=views,
        conversion=percent(received, views),
        followups=Cell(pub.followups),
        first_action_median=_hours(pub.first_action_median),
        closing_median=_hours(pub.closing_median),
        quarterly=results_summary_table(quarters),
        tables=tuple(public_table(pub, d) for d in (*PUBLIC_DIMENSIONS, AREA)),
    )


def latest_factsheet_year(today: date) -> int:
    years = publication.published_years()
    return years[0] if years else today.year - 1
