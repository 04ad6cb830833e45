"""The vocabulary of the daily aggregate tables, shared by the rollup that writes them
and the statistics that read them: dimensions, outcome and duration buckets, local days
and the rollup state's token.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import (
    StatRollupState,
    utcnow,
)
from meldpunt.workdays import add_working_days

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A change committed shortly after the previous run read the table is still caught.
SAFETY_MARGIN = timedelta(minutes=15)

# The one row of stat_rollup_state.
STATE_ID = 1

TOTAL = "total"
# Dimensions of daily_report_stat besides "total", in display order.
DIMENSIONS = (
    "theme",
    "urgency",
    "route",
    "reporter_type",
    "place_type",
    "postcode_area",
    "anonymous",
    "attachments",
    "campaign",
    "heard_via",
    "returned",
)
FIRST_ACTION = "first_action"
CLOSING = "closing"
# Counted per day of submission with bucket 1 (durations.measure): for the honest response times.
FIRST_ACTION_ACUTE = "first_action_acuut"  # time to a first action of acute reports (buckets)
IN_TARGET = "in_target"  # a first action within the target (two working days)
IN_TARGET_ACUTE = "in_target_acuut"
CLOSED_30 = "closed_30d"  # closed within 30 days of submission
CLOSED_30_ACUTE = "closed_30d_acuut"
TARGET_WORKING_DAYS = 2
NOT_ADMISSIBLE = "niet_ontvankelijk"
UNKNOWN_OUTCOME = "onbekend"



def local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def local_today(now: datetime | None = None) -> date:
    return local_day(now or utcnow())


def day_start(day: date) -> datetime:
    """The UTC moment a local day begins (23:00 or 22:00 UTC the evening before)."""
    return datetime.combine(day, time(), AMSTERDAM).astimezone(UTC)


def within_target(created_at: datetime, acted_at: datetime) -> bool:
    """A first action within two working days of submission (``meldpunt.workdays``: the same
    rule the reminder job uses for reports still new)."""
    return acted_at <= add_working_days(created_at, TARGET_WORKING_DAYS)


def duration_bucket(seconds: float) -> int:
    """Upper bound in hours of the bucket a duration falls in."""
    if seconds <= 0:
        return 0
    hours = seconds / 3600
    if hours <= 48:
        return math.ceil(hours)
    if hours <= 60 * 24:
        return math.ceil(hours / 24) * 24
    return math.ceil(hours / 168) * 168


def closure_outcome(status: str, outcome: str | None) -> str:
    """The outcome category of a closed report."""
    if outcome:
        return outcome
    if status == NOT_ADMISSIBLE:
        return NOT_ADMISSIBLE
    return UNKNOWN_OUTCOME


def _yes_no(value: object) -> str:
    return "ja" if value else "nee"


def report_values(row) -> list[tuple[str, str]]:
    """The (dimension, value) pairs one report counts under on its submission day."""
    return [
        (TOTAL, ""),
        ("theme", row.theme or ""),
        ("urgency", row.urgency or ""),
        ("route", row.route or ""),
        ("reporter_type", row.reporter_type or "onbekend"),
        ("place_type", row.place_type or "onbekend"),
        ("postcode_area", (row.postcode_area or "")[:4]),
        ("anonymous", _yes_no(row.anonymous)),
        ("attachments", _yes_no(row.has_attachments)),
        ("campaign", (row.campaign_code or "")[:40]),
        ("heard_via", (row.heard_via or "")[:40]),
        ("returned", _yes_no(row.reporter_last_seen_at is not None)),
    ]



def state_token() -> str | None:
    """Changes when the aggregates or the stored figures change: a key for caching statistics."""
    return db.session.scalar(select(StatRollupState.token).where(StatRollupState.id == STATE_ID))
