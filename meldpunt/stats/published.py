"""Publications: the public results page (``/resultaten``) and the yearly factsheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from meldpunt.counters import FOLLOWUP_LOGIN, FORM_VIEW
from meldpunt.stats.aggregates import (
    CLOSING,
    FIRST_ACTION,
)
from meldpunt.stats.dashboard import action_share_of, last_complete
from meldpunt.stats.periods import MONTH, QUARTER, YEAR, Period
from meldpunt.stats.store import Blocks
from meldpunt.stats.suppression import COUNT, NA, PERCENT, Cell, change, percent
from meldpunt.stats.tables import Column, Row, Table, breakdown_table, duration_summary, series_table

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
    blocks = Blocks(today)
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
                action_share=action_share_of(outcomes),
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
    blocks = Blocks(today)
    period = Period.containing(YEAR, date(year, 1, 1))
    complete = blocks.is_complete(period)
    received = blocks.report_total(period)
    before = blocks.report_total(period.previous())
    outcomes = breakdown_table(blocks, "outcome", period) if complete else None
    views = blocks.counter_total(period, FORM_VIEW)
    months = [Period.containing(MONTH, date(year, m, 1)) for m in range(1, 13)]
    months = [m for m in months if m.start <= blocks.today]
    monthly = series_table(blocks, months, "per-maand", _("Meldingen per maand"), _("Maand"))

    def median(measure: str) -> Cell:
        return duration_summary(measure, period.start, period.last_day)[1] if complete else NA

    return Factsheet(
        year=year,
        complete=complete,
        received=received,
        received_before=before,
        received_change=change(received, before) if complete else NA,
        closed=blocks.closures(year).total(period),
        action_share=action_share_of(outcomes) if outcomes else NA,
        views=views,
        conversion=percent(received, views),
        followups=blocks.counter_total(period, FOLLOWUP_LOGIN),
        first_action_median=median(FIRST_ACTION),
        closing_median=median(CLOSING),
        monthly=monthly,
        themes=breakdown_table(blocks, "theme_group", period) if complete else None,
        outcomes=outcomes,
    )
