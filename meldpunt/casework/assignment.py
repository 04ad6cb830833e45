"""Who works on a report: a triage worker takes one, a coordinator assigns or reassigns.

The assignee is a cache column on ``Report`` (the queue filters and shows it); every
change is an audit event with the previous and the new assignee, in the same
transaction.
"""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.casework.workflow import get_report, start_work
from meldpunt.extensions import db
from meldpunt.models import Report, StaffUser, utcnow
from meldpunt.staff import access, audit
from meldpunt.transactions import unit_of_work


class AssignmentError(ValueError):
    """The message is a code for the view."""


def assignable_staff() -> list[StaffUser]:
    """Active accounts that can work on reports, for the coordinator's choice."""
    roles = sorted(access.PERMISSIONS[access.REPORT_WORK])
    return list(
        db.session.scalars(
            select(StaffUser).where(StaffUser.active.is_(True), StaffUser.role.in_(roles)).order_by(StaffUser.email)
        )
    )


def record_assignment(report: Report, actor: StaffUser, assignee: StaffUser | None, via: str = "report") -> bool:
    """Set the assignee and audit it; no commit (callers combine actions). False when unchanged."""
    if assignee is not None and (not assignee.active or not access.allowed(assignee.role, access.REPORT_WORK)):
        raise AssignmentError("not_assignable")
    new_id = assignee.id if assignee else None
    if report.assignee_id == new_id:
        return False
    previous = report.assignee_id
    report.assignee_id = new_id
    report.assigned_at = utcnow() if new_id else None
    audit.record(
        audit.ASSIGN,
        actor,
        "report",
        report.id,
        {"from": previous, "to": new_id, "via": via, "self": bool(new_id and new_id == actor.id)},
    )
    return True


@unit_of_work
def take(report_id: int, staff: StaffUser) -> bool:
    """The signed-in worker takes the report (also from a colleague: the page warned first)."""
    report = get_report(report_id)
    changed = record_assignment(report, staff, staff)
    start_work(report, staff)
    db.session.commit()
    return changed


@unit_of_work
def assign(report_id: int, actor: StaffUser, assignee_id: int | None) -> bool:
    """A coordinator gives the report to a colleague, or to nobody (``None``)."""
    if not access.allowed(actor.role, access.ASSIGN):
        raise AssignmentError("not_allowed")
    report = get_report(report_id)
    assignee = db.session.get(StaffUser, assignee_id) if assignee_id else None
    if assignee_id and assignee is None:
        raise AssignmentError("not_assignable")
    changed = record_assignment(report, actor, assignee)
    db.session.commit()
    return changed
