"""Figures for people: a cell's text in the current locale, durations in words."""

from __future__ import annotations

from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _

from meldpunt.stats.cells import HOURS, PERCENT, Cell


def cell_text(cell: Cell) -> str:
    """A cell for people, formatted for the current locale; "–" when there is nothing to show."""
    value = cell.value
    if not cell.shown or value is None:
        return "–"
    if cell.kind == PERCENT:
        return format_percent(value / 100, "#,##0.0%")
    if cell.kind == HOURS:
        return duration_text(int(value))
    return format_decimal(value)


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
