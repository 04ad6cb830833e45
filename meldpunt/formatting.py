"""Jinja filters: times are stored in UTC and shown in Europe/Amsterdam, per locale.

One format for every moment shown: "7 dec 2026 05:46" (day, short month, year, 24-hour
time), and its date part "7 dec 2026". The ``style`` arguments of older templates are
accepted and ignored, so no page can drift back to a second format.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, format_timedelta

DATETIME_PATTERN = "d MMM y HH:mm"
DATE_PATTERN = "d MMM y"


def format_datetime_local(value: datetime | None, style: str | None = None) -> str:
    return format_datetime(value, DATETIME_PATTERN) if value else ""


def format_date_local(value: datetime | None, style: str | None = None) -> str:
    return format_datetime(value, DATE_PATTERN) if value else ""


def format_age(value: datetime | None, now: datetime) -> str:
    """How long ago, in words: "3 dagen", "5 uur"."""
    if value is None:
        return ""
    return format_timedelta(now - value, granularity="minute", threshold=1.0)


def register(app: Flask) -> None:
    app.jinja_env.filters["format_datetime_local"] = format_datetime_local
    app.jinja_env.filters["format_date_local"] = format_date_local
    app.jinja_env.filters["format_age"] = format_age
