"""Staff confirm or correct the triage: stored beside the original suggestion.

A decision never overwrites the suggestion; it is a new row saying who decided
what and when, and which of theme, urgency and route differ from what the
triage suggested. The report's cached theme/urgency/route follow the newest
decision. ``export_training`` writes the newest decision per report in the
JSON Lines shape ``python -m triage train --extra`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from sqlalchemy import func, select

import triage
from meldpunt import routing
from meldpunt.casework.workflow import get_report, mark_action
from meldpunt.extensions import db
from meldpunt.models import URGENCY_RANK, Report, StaffUser, TriageDecision
from meldpunt.staff import audit


class DecisionError(ValueError):
    pass


class RouteRuleError(DecisionError):
    """The route breaks a fixed rule of the contract (``routing.route_conflict``)."""

    def __init__(self, conflict: routing.RouteConflict) -> None:
        super().__init__(conflict.rule)
        self.conflict = conflict


def decide(report_id: int, staff: StaffUser, theme: str, urgency: str, route: str) -> TriageDecision:
    decision = record_decision(get_report(report_id), staff, theme, urgency, route)
    db.session.commit()
    return decision


def record_decision(report: Report, staff: StaffUser, theme: str, urgency: str, route: str) -> TriageDecision:
    """Store and audit the decision; no commit (the decision panel combines actions)."""
    from triage.taxonomy import ROUTES, THEMES, URGENCIES

    if theme not in THEMES or urgency not in URGENCIES or route not in ROUTES:
        raise DecisionError("unknown code")
    # The same fixed rules the triage follows: staff may correct a route, not break them.
    try:
        table = routing.current_table()
    except triage.RoutingError:
        table = triage.build_routing()  # a broken routing file: the contract's rules still hold
    conflict = routing.route_conflict(theme, urgency, route, table)
    if conflict is not None:
        raise RouteRuleError(conflict)
    suggestion = report.suggestion
    changed = []
    for field, value in (("theme", theme), ("urgency", urgency), ("route", route)):
        original = getattr(suggestion, field) if suggestion else None
        if value != original:
            changed.append(field)
    before = {"theme": report.theme, "urgency": report.urgency, "route": report.route}
    decision = TriageDecision(
        report_id=report.id, staff_id=staff.id, theme=theme, urgency=urgency, route=route, changed=changed
    )
    db.session.add(decision)
    report.theme = theme
    report.urgency = urgency
    report.urgency_rank = URGENCY_RANK[urgency]
    report.route = route
    report.review = False
    mark_action(report)
    db.session.flush()
    audit.record(
        audit.DECISION,
        staff,
        "report",
        report.id,
        {
            "decision_id": decision.id,
            "before": before,
            "after": {"theme": theme, "urgency": urgency, "route": route},
            "changed_from_suggestion": changed,
        },
    )
    return decision


def decisions_for(report_id: int) -> list[TriageDecision]:
    return list(
        db.session.scalars(
            select(TriageDecision).where(TriageDecision.report_id == report_id).order_by(TriageDecision.id)
        )
    )


def training_rows(batch: int = 2000) -> Iterator[dict]:
    """The newest decision of every report that still has its text."""
    newest = (
        select(func.max(TriageDecision.id).label("id")).group_by(TriageDecision.report_id).subquery()
    )
    last_id = 0
    while True:
        rows = db.session.execute(
            select(
                TriageDecision.id,
                TriageDecision.report_id,
                TriageDecision.theme,
                TriageDecision.urgency,
                TriageDecision.route,
                Report.text,
                Report.reporter_type,
                Report.place_type,
                Report.has_attachments,
            )
            .join(newest, newest.c.id == TriageDecision.id)
            .join(Report, Report.id == TriageDecision.report_id)
            .where(TriageDecision.id > last_id, Report.purged_at.is_(None), Report.text.is_not(None))
            .order_by(TriageDecision.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            if not (row.text or "").strip():
                continue
            yield {
                "id": f"melding-{row.report_id}",
                "text": row.text,
                "reporter_type": row.reporter_type or "onbekend",
                "place_type": row.place_type or "onbekend",
                "has_attachments": bool(row.has_attachments),
                "gold": {
                    "theme": row.theme,
                    "themes_ok": [row.theme],
                    "urgency": row.urgency,
                    "urgency_ok": [row.urgency],
                    "route": row.route,
                    "routes_ok": [row.route],
                },
            }
        last_id = rows[-1].id


def export_training(out: IO[str], actor: str = "cli") -> int:
    """Write the training lines to ``out``; returns how many were written (audited)."""
    count = 0
    for row in training_rows():
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    audit.record(audit.TRAINING_EXPORT, actor, details={"lines": count})
    db.session.commit()
    return count
