"""The status workflow of a report: every change is a new StatusEvent.

``nieuw`` → ``in_behandeling`` → ``doorgestuurd`` → ``afgerond`` (with an
outcome) or ``niet_ontvankelijk``. A closed report can be reopened. The status
columns on ``Report`` are a cache of the newest event, kept for the queue.
"""

from __future__ import annotations

from datetime import datetime

from meldpunt.extensions import db
from meldpunt.models import CLOSED_STATUSES, OUTCOMES, STATUSES, Report, StaffUser, StatusEvent, utcnow
from meldpunt.staff import audit
from meldpunt.transactions import unit_of_work

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "nieuw": ("in_behandeling", "doorgestuurd", "afgerond", "niet_ontvankelijk"),
    "in_behandeling": ("doorgestuurd", "afgerond", "niet_ontvankelijk"),
    "doorgestuurd": ("in_behandeling", "afgerond"),
    "afgerond": ("in_behandeling",),
    "niet_ontvankelijk": ("in_behandeling",),
}


class WorkflowError(ValueError):
    """A change the workflow does not allow; the message is a code for the view."""


def next_statuses(current: str) -> tuple[str, ...]:
    return TRANSITIONS.get(current, ())


def get_report(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None or report.purged_at is not None:
        raise LookupError(report_id)
    return report


def mark_action(report: Report, now: datetime | None = None) -> None:
    """The first thing staff did with the report (for response-time statistics)."""
    if report.first_action_at is None:
        report.first_action_at = now or utcnow()


def record_status(
    report: Report, staff: StaffUser | None, status: str, outcome: str | None = None
) -> StatusEvent:
    """Add the event and update the cache; no commit (callers combine actions)."""
    if status not in STATUSES:
        raise WorkflowError("unknown_status")
    if status not in next_statuses(report.status):
        raise WorkflowError("transition_not_allowed")
    if status == "afgerond":
        if outcome not in OUTCOMES:
            raise WorkflowError("outcome_required")
    elif status == "niet_ontvankelijk":
        # Optional here (e.g. "doorverwezen"): the statistics then count that outcome.
        outcome = outcome if outcome in OUTCOMES else None
    else:
        outcome = None
    now = utcnow()
    event = StatusEvent(status=status, outcome=outcome, staff_id=staff.id if staff else None, created_at=now)
    report.status_events.append(event)
    previous = report.status
    report.status = status
    report.outcome = outcome
    report.closed_at = now if status in CLOSED_STATUSES else None
    mark_action(report, now)
    mark_handled(report, now)
    audit.record(
        audit.STATUS,
        staff,
        "report",
        report.id,
        {"from": previous, "to": status, **({"outcome": outcome} if outcome else {})},
    )
    return event


def start_work(report: Report, staff: StaffUser) -> None:
    """Taking a new report or writing to its reporter starts the work on it: a report
    that is still ``nieuw`` becomes ``in_behandeling`` (an event and an audit line like
    any status change), so the queue and the statistics do not show it as untouched.
    No commit; other statuses are left as they are."""
    if report.status == "nieuw":
        record_status(report, staff, "in_behandeling")


@unit_of_work
def change_status(report_id: int, staff: StaffUser, status: str, outcome: str | None = None) -> StatusEvent:
    report = get_report(report_id)
    event = record_status(report, staff, status, outcome)
    db.session.commit()
    return event


def mark_handled(report: Report, now: datetime | None = None) -> None:
    """Staff acted on the report (a decision, a message, "gelezen"): the reporter's and
    partners' news is dealt with, so it leaves "Nieuwe info". No commit."""
    report.unread_for_staff = False
    report.feedback_unread = False
    report.staff_caught_up_at = now or utcnow()


def has_news(report: Report) -> bool:
    return bool(report.unread_for_staff or report.feedback_unread)


def is_new(report: Report, created_at: datetime, from_partner: bool = False) -> bool:
    """Whether an addition (a reporter's message or file, a partner's feedback) came
    after staff last acted on the report, and is still unhandled."""
    if not (report.feedback_unread if from_partner else report.unread_for_staff):
        return False
    return report.staff_caught_up_at is None or created_at > report.staff_caught_up_at


def mark_opened(report: Report, staff: StaffUser) -> None:
    """A staff member opened the report: audit the view. Opening is not acting: news
    from the reporter or a partner stays in the queue until ``mark_handled``."""
    if report.first_opened_at is None and staff.role != "partner":
        report.first_opened_at = utcnow()
    audit.record(audit.REPORT_VIEW, staff, "report", report.id)
    db.session.commit()


@unit_of_work
def acknowledge(report_id: int, staff: StaffUser) -> bool:
    """"Gelezen - geen actie nodig": the news needs nothing more (audited). False when
    there was nothing unread (a second click, or a colleague was first)."""
    report = get_report(report_id)
    if not has_news(report):
        return False
    details = {"reporter": bool(report.unread_for_staff), "partner": bool(report.feedback_unread)}
    mark_handled(report)
    audit.record(audit.NEWS_READ, staff, "report", report.id, details)
    db.session.commit()
    return True
