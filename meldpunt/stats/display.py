"""Figures for people: a cell's text in the current locale, durations in words."""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import get_group_symbol
from flask_babel import format_decimal, format_percent, get_locale, ngettext
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
    if isinstance(value, int):  # most cells: whole counts, grouped as the locale groups them
        return f"{value:,}".replace(",", _group_symbol(str(get_locale())))
    return format_decimal(value)


@lru_cache(maxsize=16)
def _group_symbol(locale: str) -> str:
    return get_group_symbol(locale)


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
