"""Aggregate daily counters for the form funnel: a date, a name and a number.

No cookie, identifier or address is involved: counting a page view adds one
to today's number and nothing else is kept.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from meldpunt.extensions import db
from meldpunt.models import DailyCounter

FORM_VIEW = "form_view"
SUBMISSION = "submission"
FOLLOWUP_LOGIN = "followup_login"

log = logging.getLogger(__name__)


def increment(name: str, day: date | None = None, by: int = 1) -> None:
    """Add to a counter inside the current transaction (an atomic upsert)."""
    # Days are Amsterdam days, like every other daily figure in the statistics.
    day = day or datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(DailyCounter).values(day=day, name=name, count=by)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "name"], set_={"count": DailyCounter.count + by}
    )
    db.session.execute(statement)


def count_view(name: str) -> None:
    """Count a page view in its own transaction; a lost count never hides the page
    (e.g. while the database restarts), it is logged without details."""
    try:
        increment(name)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.warning("%s not counted: %s", name, type(exc).__name__)
