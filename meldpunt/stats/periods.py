"""Periods of the statistics pages: week, month, quarter and year, parsed from the query string."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from meldpunt.stats.aggregates import (
    local_today,
)

# --- periods ----------------------------------------------------------------------

WEEK, MONTH, QUARTER, YEAR = "week", "maand", "kwartaal", "jaar"
# January up to and including a month: the year to date.
YEAR_TO_DATE = "jaar-tot-nu"
PERIOD_KINDS = (WEEK, MONTH, QUARTER, YEAR, YEAR_TO_DATE)
PERIOD_KIND_LABELS = {
    WEEK: _l("Week"),
    MONTH: _l("Maand"),
    QUARTER: _l("Kwartaal"),
    YEAR: _l("Jaar"),
    YEAR_TO_DATE: _l("Jaar tot nu (tot en met een maand)"),
}


def add_months(day: date, months: int) -> date:
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
            return cls(MONTH, start, add_months(start, 1))
        if kind == QUARTER:
            start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            return cls(QUARTER, start, add_months(start, 3))
        if kind == YEAR:
            return cls(YEAR, date(day.year, 1, 1), date(day.year + 1, 1, 1))
        if kind == YEAR_TO_DATE:
            return cls(YEAR_TO_DATE, date(day.year, 1, 1), add_months(day.replace(day=1), 1))
        raise ValueError(f"unknown period kind {kind!r}")

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def previous(self) -> Period:
        if self.kind == YEAR_TO_DATE:
            return self.last_year()
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def following(self) -> Period:
        if self.kind == YEAR_TO_DATE:
            return Period.containing(self.kind, self.last_day.replace(day=1, year=self.start.year + 1))
        return Period.containing(self.kind, self.end)

    def last_year(self) -> Period:
        """The same ISO week, month, quarter or year one year earlier."""
        if self.kind == WEEK:
            iso_year, iso_week, _weekday = self.start.isocalendar()
            return Period.containing(WEEK, _iso_monday(iso_year - 1, iso_week))
        if self.kind == YEAR_TO_DATE:
            return Period.containing(self.kind, self.last_day.replace(day=1, year=self.start.year - 1))
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
        if self.kind == YEAR_TO_DATE:
            return _(
                "%(year)s tot en met %(month)s",
                year=self.start.year,
                month=format_date(self.last_day, "LLLL"),
            )
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
        if self.kind == YEAR_TO_DATE:
            return _("%(year)s t/m %(month)s", year=self.start.year, month=format_date(self.last_day, "LLL"))
        return str(self.start.year)


def parse_period(
    kind: str | None, start: str | None, today: date | None = None
) -> tuple[Period, bool]:
    """The period asked for in the query string; ``False`` when it had to fall back.

    Without one: the last finished month (the dashboard opens on it).
    """
    today = today or local_today()
    ok = True
    if kind not in PERIOD_KINDS:
        ok = kind in (None, "")
        kind = MONTH
    if not start:
        # The last finished period of that kind (the year to date: up to the last finished month).
        previous = Period.containing(MONTH if kind == YEAR_TO_DATE else kind, today).previous()
        return Period.containing(kind, previous.start), ok
    day = today
    if start:
        try:
            day = date.fromisoformat(start)
        except ValueError:
            ok = False
        if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
            day, ok = today, False
    return Period.containing(kind, day), ok
