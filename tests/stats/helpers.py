"""Helpers for the statistics tests: reports written straight into the table,
counts computed straight from those reports, and a reader who tries to
recompute suppressed cells with integer programming."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REPORT_TEXT = "Geheime melding over de loods aan de Zwanenstraat"
REPORT_STREET = "Zwanenstraat 17"
REPORT_POSTCODE = "3311XZ"
_counter = itertools.count(1)


def utc(year, month, day, hour=12, minute=0) -> datetime:
    """A UTC moment from a local Amsterdam wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def add_report(created_at: datetime, **fields):
    """Insert one report row as the intake would leave it, plus ``fields``."""
    from meldpunt.extensions import db
    from meldpunt.models import URGENCY_RANK, Report

    n = next(_counter)
    values = {
        "created_at": created_at,
        "receipt_hash": hashlib.sha256(
            f"stats-test-{n}-{created_at.isoformat()}".encode()
        ).hexdigest(),
        "text": REPORT_TEXT,
        "location": REPORT_STREET,
        "postcode": REPORT_POSTCODE,
        "postcode_area": REPORT_POSTCODE[:4],
        "house_number": "17",
        "place_type": "woning",
        "reporter_type": "bewoner",
        "anonymous": True,
        "status": "nieuw",
        "theme": "hennep",
        "urgency": "normaal",
        "route": "politie",
        "has_attachments": False,
    }
    values.update(fields)
    values["urgency_rank"] = URGENCY_RANK[values["urgency"]]
    report = Report(**values)
    db.session.add(report)
    return report


def local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def direct_counts(reports) -> dict[tuple[date, str, str], int]:
    """(day, dimension, value) counts computed from report objects, independently of the rollup."""
    counts: dict[tuple[date, str, str], int] = {}

    def bump(key):
        counts[key] = counts.get(key, 0) + 1

    for r in reports:
        day = local_day(r.created_at)
        bump((day, "total", ""))
        bump((day, "theme", r.theme))
        bump((day, "urgency", r.urgency))
        bump((day, "route", r.route))
        bump((day, "reporter_type", r.reporter_type))
        bump((day, "place_type", r.place_type))
        bump((day, "postcode_area", r.postcode_area or ""))
        bump((day, "anonymous", "ja" if r.anonymous else "nee"))
        bump((day, "attachments", "ja" if r.has_attachments else "nee"))
        bump((day, "campaign", r.campaign_code or ""))
        bump((day, "heard_via", r.heard_via or ""))
        bump((day, "returned", "ja" if r.reporter_last_seen_at else "nee"))
    return counts


def stored_counts() -> dict[tuple[date, str, str], int]:
    from meldpunt.extensions import db
    from meldpunt.models import DailyReportStat

    return {(r.day, r.dimension, r.value): r.count for r in db.session.query(DailyReportStat)}


def table_rows(model) -> list[tuple]:
    from meldpunt.extensions import db

    columns = [c.name for c in model.__table__.columns]
    return sorted(tuple(getattr(r, c) for c in columns) for r in db.session.query(model))


# --- the reader's side ------------------------------------------------------------

# "unpublished": a count the reader never sees (the reports of one day, say): 0 or more.
_LIMITS = {"small": (1, 4), "hidden": (5, np.inf), "withheld": (1, np.inf), "unpublished": (0, np.inf)}


def recoverable_cells(cells: dict, equations: list[tuple], targets=None) -> dict:
    """Hidden cells a reader can pin to a single value from what is published.

    ``cells`` maps a key to a ``Cell`` as published; ``equations`` are
    (total, parts) sums the reader knows. Each hidden cell is minimised and
    maximised over all non-negative integer tables consistent with the page.
    Returns {key: value} for every hidden cell whose minimum equals its maximum
    (only among ``targets`` when given).
    """
    keys = list(cells)
    index = {k: i for i, k in enumerate(keys)}
    lower = np.zeros(len(keys))
    upper = np.zeros(len(keys))
    for k, cell in cells.items():
        i = index[k]
        if cell.state == "shown":
            lower[i] = upper[i] = cell.value
        else:
            lower[i], upper[i] = _LIMITS[cell.state]
            upper[i] = min(upper[i], 10**6)  # a finite cap keeps every problem bounded
    rows = []
    for total, parts in equations:
        row = np.zeros(len(keys))
        row[index[total]] = 1
        for p in parts:
            row[index[p]] -= 1
        rows.append(row)
    constraints = [LinearConstraint(np.array(rows), 0, 0)] if rows else []
    bounds = Bounds(lower, upper)
    integrality = np.ones(len(keys))

    def solve(objective):
        result = milp(objective, integrality=integrality, bounds=bounds, constraints=constraints)
        assert result.status == 0, f"the published figures are inconsistent: {result.message}"
        return result

    hidden = [
        k
        for k, cell in cells.items()
        if cell.state != "shown" and (targets is None or k in targets)
    ]
    # Any integer table that fits the page and differs in a cell proves that cell unknown.
    seen: dict = {k: set() for k in hidden}
    for sign in (1, -1):
        objective = np.zeros(len(keys))
        for k in hidden:
            objective[index[k]] = sign
        result = solve(objective)
        for k in hidden:
            seen[k].add(round(result.x[index[k]]))
    pinned = {}
    for k in hidden:
        if len(seen[k]) > 1:
            continue
        c = np.zeros(len(keys))
        c[index[k]] = 1
        low = solve(c)
        high = solve(-c)
        if round(low.fun) == round(-high.fun):
            pinned[k] = round(low.fun)
    return pinned


def small_ones(pinned: dict) -> dict:
    """The recovered cells that hold a count from 1 to 4: what must never happen."""
    return {k: v for k, v in pinned.items() if 1 <= v <= 4}


def seed_year(app, today: date) -> None:
    """A year of reports up to ``today``, with some rare themes and areas, and the daily
    counters as the site keeps them: one submission per report that came in that day."""
    from meldpunt.extensions import db
    from meldpunt.models import DailyCounter
    from meldpunt.stats import aggregates, rollup

    rng = seeded_random(11)
    submitted: dict[date, int] = {}
    with app.app_context():
        for _ in range(260):
            day = today - timedelta(days=rng.randrange(1, 400))
            created = utc(day.year, day.month, day.day, rng.randrange(7, 23))
            status = rng.choice(["nieuw", "afgerond", "afgerond", "niet_ontvankelijk"])
            closed = created + timedelta(days=rng.randrange(1, 20)) if status != "nieuw" else None
            if closed and closed.date() >= today:
                status, closed = "nieuw", None
            local = created.astimezone(aggregates.AMSTERDAM).date()
            submitted[local] = submitted.get(local, 0) + 1
            add_report(
                created,
                theme=rng.choices(
                    ["hennep", "drugshandel", "witwassen", "omg", "integriteit"], [50, 30, 15, 3, 2]
                )[0],
                postcode_area=rng.choices(["3311", "3312", "3398"], [60, 38, 2])[0],
                campaign_code=rng.choice([None, None, "poster-2026"]),
                heard_via=rng.choice([None, "krant", "poster"]),
                status=status,
                outcome=rng.choice(["controle_uitgevoerd", "geen_vervolg_mogelijk"])
                if status == "afgerond"
                else None,
                first_action_at=created + timedelta(hours=rng.randrange(1, 60)) if closed else None,
                closed_at=closed,
            )
        for back in range(1, 401):
            day = today - timedelta(days=back)
            sent = submitted.get(day, 0)
            views = sent + rng.randrange(0, 30)
            db.session.add(DailyCounter(day=day, name="form_view", count=views))
            if sent:
                db.session.add(DailyCounter(day=day, name="submission", count=sent))
            db.session.add(DailyCounter(day=day, name="followup_login", count=rng.randrange(0, 3)))
        db.session.commit()
        rollup.rebuild_all()


def seeded_random(seed: int):
    """Reproducible test data (not for anything secret)."""
    import random

    return random.Random(seed)  # noqa: S311
