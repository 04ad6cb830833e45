"""Bulk actions from the queue: assign, or close as ``niet_ontvankelijk`` with an outcome.

All ticked reports in one transaction; every report gets its own audit event
(the same events the single actions write), marked ``via: bulk``.
"""

from __future__ import annotations

from meldpunt.casework.assignment import AssignmentError, record_assignment
from meldpunt.casework.workflow import WorkflowError, get_report, next_statuses, record_status
from meldpunt.extensions import db
from meldpunt.models import OUTCOMES, StaffUser
from meldpunt.staff import access
from meldpunt.transactions import unit_of_work

MAX_BULK = 200


class BulkError(ValueError):
    """The message is a code for the view."""


@unit_of_work
def apply(actor: StaffUser, report_ids: list[int], action: str, assignee_id: int | None = None,
          outcome: str | None = None) -> int:
    """Returns how many reports changed."""
    if not access.allowed(actor.role, access.BULK):
        raise BulkError("not_allowed")
    ids = sorted(set(report_ids))
    if not ids:
        raise BulkError("nothing_chosen")
    if len(ids) > MAX_BULK:
        raise BulkError("too_many")
    assignee = None
    if action == "toewijzen":
        if assignee_id:
            assignee = db.session.get(StaffUser, assignee_id)
            if assignee is None:
                raise BulkError("not_assignable")
    elif action == "niet_ontvankelijk":
        if outcome not in OUTCOMES:
            raise BulkError("outcome_required")
    else:
        raise BulkError("unknown_action")
    changed = 0
    for report_id in ids:
        try:
            report = get_report(report_id)
        except LookupError as error:
            raise BulkError("unknown_report") from error
        if action == "toewijzen":
            try:
                changed += record_assignment(report, actor, assignee, via="bulk")
            except AssignmentError as error:
                raise BulkError("not_assignable") from error
        else:
            if "niet_ontvankelijk" not in next_statuses(report.status):
                raise BulkError("transition_not_allowed")
            try:
                record_status(report, actor, "niet_ontvankelijk", outcome)
            except WorkflowError as error:
                raise BulkError(str(error)) from error
            changed += 1
    db.session.commit()
    return changed
