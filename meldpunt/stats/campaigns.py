"""The campaign view: reports and form views in the eight weeks before and after a
campaign started (``MELDPUNT_CAMPAIGN_STARTS``), with the change. Exact (internal)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from meldpunt.counters import FORM_VIEW
from meldpunt.extensions import db
from meldpunt.models import DailyReportStat
from meldpunt.stats.categories import campaign_labels
from meldpunt.stats.cells import COUNT, NA, PERCENT, Cell, change
from meldpunt.stats.figures import Figures, categories_between
from meldpunt.stats.periods import Period
from meldpunt.stats.tables import Column, Row, Table, since_note

WEEKS = 8


@dataclass(frozen=True)
class CampaignView:
    code: str
    label: str
    start: date
    complete: bool  # the eight weeks after the start are over
    table: Table
    chart: Table  # the reports of the table, for its chart


def _span(start: date, end: date) -> Period:
    return Period("dagen", start, end)


def campaign_view(code: str, label: str, start: date, figures: Figures) -> CampaignView:
    before = _span(start - timedelta(weeks=WEEKS), start)
    after = _span(start, min(start + timedelta(weeks=WEEKS), figures.today + timedelta(days=1)))
    rows = []
    complete = start + timedelta(weeks=WEEKS) <= figures.today
    # A change only between two whole spans of eight weeks: not while the weeks after are
    # running (three weeks against eight would show a fall), not before the meldpunt opened.
    comparable = complete and figures.covers(before)
    for key, name, pick in (
        ("meldingen", _("Meldingen (alle)"), lambda p: figures.report_total(p)),
        (
            "met-code",
            _("Meldingen met de code van deze campagne"),
            lambda p: Cell(categories_between("campaign", p.start, p.end).get(code, 0)),
        ),
        ("bekeken", _("Formulier bekeken"), lambda p: figures.counter_total(p, FORM_VIEW)),
    ):
        # Weeks before the meldpunt received reports are no baseline: no figure, no change.
        first, second = (NA if figures.before_start(before) else pick(before)), pick(after)
        rows.append(Row(key, name, (first, second, change(second, first) if comparable else NA)))
    notes: tuple[str, ...] = ()
    if not figures.covers(before):
        notes = (since_note(figures),)
    table = Table(
        name="campagne-" + code,
        title=label,
        caption=_("%(label)s: acht weken voor en na de start op %(start)s", label=label, start=start.isoformat()),
        row_header=_("Wat"),
        columns=(
            Column("voor", _("8 weken ervoor"), COUNT, chart=True),
            Column("na", _("8 weken erna") + ("" if complete else " " + _("(loopt nog)")), COUNT, chart=True),
            Column("verandering", _("Verandering"), PERCENT),
        ),
        rows=tuple(rows),
        chart="bars",
        chart_description=_("Staafdiagram: per cijfer de acht weken voor en na de start van de campagne."),
        notes=notes,
        dimension="campagne",
    )
    # The chart draws the reports only: form views run ten times higher and on one scale
    # they would squash the reports' change into a few pixels.
    chart = replace(
        table,
        rows=tuple(row for row in rows if row.key != "bekeken"),
        chart_description=_("Staafdiagram: meldingen in de acht weken voor en na de start van de campagne."),
    )
    return CampaignView(code, label, start, complete, table, chart)


def first_seen() -> dict[str, date]:
    """The first day a report came in with each campaign code."""
    return {
        code: day
        for code, day in db.session.execute(
            select(DailyReportStat.value, func.min(DailyReportStat.day))
            .where(DailyReportStat.dimension == "campaign", DailyReportStat.value != "")
            .group_by(DailyReportStat.value)
        )
    }


def campaign_views(today: date | None = None) -> list[CampaignView]:
    """Every configured campaign that has started: on its configured start date
    (``MELDPUNT_CAMPAIGN_STARTS``), else from the first report with its code."""
    figures = Figures(today)
    labels = campaign_labels()
    seen = first_seen()
    starts = {code: seen[code] for code in labels if code in seen}
    starts.update(current_app.config.get("CAMPAIGN_STARTS") or {})
    return [
        campaign_view(code, labels.get(code, code), start, figures)
        for code, start in sorted(starts.items(), key=lambda item: item[1], reverse=True)
        if start <= figures.today
    ]
