"""Jinja filters: times are stored in UTC and shown in Europe/Amsterdam, per locale."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_percent


def format_datetime_local(value: datetime | None, style: str = "medium") -> str:
    return format_datetime(value, style) if value else ""


def format_date_local(value: datetime | None, style: str = "long") -> str:
    return format_date(value, style) if value else ""


def format_share(value: float | None) -> str:
    """A share 0..1 as a percentage with one decimal, per locale; a dash when not measurable."""
    return "–" if value is None else format_percent(value, "#,##0.0%")


def register(app: Flask) -> None:
    app.jinja_env.filters["format_datetime_local"] = format_datetime_local
    app.jinja_env.filters["format_date_local"] = format_date_local
    app.jinja_env.filters["format_share"] = format_share
