"""The one decision panel on the report page: triage, status and forwarding in one submit.

A triage worker confirms or corrects theme, urgency and route, chooses the next
status (with an outcome when closing) and - coordinators - forwards, all in one
transaction: either every part is stored and audited, or none is. It is the one
way staff do these three things (the separate triage, status and forwarding
forms are gone); its parts (``record_decision``, ``record_status``,
``record_forward``) are also behind the bulk actions and the single-step services
(``triage_decisions.decide``, ``workflow.change_status``, ``forwarding.forward``),
so the audit trail reads the same whichever way a change came.
"""

from __future__ import annotations

from dataclasses import dataclass

from meldpunt.casework import assignment, triage_decisions
from meldpunt.casework.forwarding import Forwarded, ForwardError, record_forward
from meldpunt.casework.workflow import WorkflowError, get_report, mark_handled, record_status
from meldpunt.extensions import db
from meldpunt.models import StaffUser
from meldpunt.staff import access
from meldpunt.transactions import unit_of_work


@dataclass(frozen=True)
class PanelResult:
    decided: bool
    status: str | None
    forwarded: Forwarded | None


class PanelError(ValueError):
    """``part`` names the field at fault, ``code`` the reason (a message key for the view);
    ``required`` is the route a fixed routing rule asks for, when there is one."""

    def __init__(self, part: str, code: str, required: str | None = None) -> None:
        super().__init__(code)
        self.part = part
        self.code = code
        self.required = required


@unit_of_work
def apply(
    report_id: int,
    staff: StaffUser,
    theme: str,
    urgency: str,
    route: str,
    status: str | None = None,
    outcome: str | None = None,
    forward_to: str | None = None,
) -> PanelResult:
    report = get_report(report_id)
    try:
        triage_decisions.record_decision(report, staff, theme, urgency, route)
    except triage_decisions.RouteRuleError as error:
        raise PanelError("route", f"route_{error.conflict.rule}", required=error.conflict.required) from error
    except triage_decisions.DecisionError as error:
        raise PanelError("theme", "unknown_code") from error
    # Deciding on a report nobody has taken makes it yours.
    if report.assignee_id is None:
        assignment.record_assignment(report, staff, staff, via="decision")
    forwarded = None
    if forward_to:
        if not access.allowed(staff.role, access.FORWARD):
            raise PanelError("forward_to", "not_allowed")
        try:
            forwarded = record_forward(report, staff, forward_to)
        except ForwardError as error:
            raise PanelError("forward_to", str(error)) from error
    if status and status != report.status:
        try:
            record_status(report, staff, status, outcome)
        except WorkflowError as error:
            raise PanelError("outcome" if str(error) == "outcome_required" else "status", str(error)) from error
    # A submitted decision is acting on the report's news (reporter's answer, partner feedback).
    mark_handled(report)
    db.session.commit()
    return PanelResult(decided=True, status=report.status, forwarded=forwarded)
