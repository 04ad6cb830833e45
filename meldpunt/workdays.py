"""Working days in the Netherlands: Monday to Friday, not on a public holiday.

One definition for the reminder job (a report still new two working days after it came
in) and the statistics' response-time target (a first action within two working days).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
_HOLIDAYS = holidays.country_holidays("NL")


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _HOLIDAYS


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment ``days`` working days after ``start`` (UTC in, UTC out); a start in a
    weekend or on a holiday counts from the start of the next working day."""
    local = start.astimezone(LOCAL_TZ)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    if not is_working_day(day):
        day, clock = _next_working_day(day), time(0, 0)
    for _step in range(days):
        day = _next_working_day(day)
    return datetime.combine(day, clock, tzinfo=LOCAL_TZ).astimezone(UTC)
