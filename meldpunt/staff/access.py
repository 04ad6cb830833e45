"""The one place that decides who may do what in the back office.

Every ``/beheer`` view declares one permission with ``@requires(...)``; the
blueprint's ``before_request`` calls ``enforce()``, which looks the permission
up in ``PERMISSIONS`` for the signed-in user's role. A view without a declared
permission is refused (fail closed). Object-level rules (a partner sees only
the reports forwarded to their route; who may see a reporter's identity) are
the functions further down, used by the services and views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import exists, select

from meldpunt.extensions import db
from meldpunt.models import Forward, Report, StaffUser

F = TypeVar("F", bound=Callable[..., Any])

# Markers for views outside the role table.
PUBLIC = "public"  # the login steps: reachable without a session
SIGNED_IN = "signed_in"  # any signed-in account (landing page, logout)

HOME = SIGNED_IN
QUEUE = "queue"
REPORT_VIEW = "report.view"
REPORT_WORK = "report.work"  # decide, status, notes, messages, links
CONTACT_VIEW = "report.contact"
FORWARD = "report.forward"
SIGNAL_EXPORT = "report.export"
ATTACHMENT = "attachment"
PARTNER = "partner"
ROUTING = "routing"
AUDIT = "audit"
USERS = "users"
STATISTICS = "statistics"  # /statistiek: aggregate figures only, never a report
JOBS = "jobs"  # the scheduled-jobs status page
STALE_REPORTS = "reports.stale"  # reports open longer than STALE_OPEN_DAYS
TRIAGE_MODEL = "triage.model"  # the triage model in use and its retraining comparisons
ASSIGN = "report.assign"  # give a report to a colleague (taking one yourself is REPORT_WORK)
BULK = "reports.bulk"  # bulk assign / close from the queue
TEMPLATES = "templates"  # message templates per theme

STAFF_CASEWORK = frozenset({"triage", "coordinator", "admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    QUEUE: STAFF_CASEWORK,
    REPORT_VIEW: STAFF_CASEWORK,
    REPORT_WORK: STAFF_CASEWORK,
    CONTACT_VIEW: frozenset({"coordinator", "admin"}),
    FORWARD: frozenset({"coordinator", "admin"}),
    # Partners only for their own forwarded RIEC signals (may_export_signal).
    SIGNAL_EXPORT: frozenset({"coordinator", "admin", "partner"}),
    # Partners only for reports forwarded to them (can_view_report).
    ATTACHMENT: STAFF_CASEWORK | {"partner"},
    PARTNER: frozenset({"partner"}),
    ROUTING: frozenset({"coordinator", "admin"}),
    AUDIT: frozenset({"admin"}),
    USERS: frozenset({"admin"}),
    STATISTICS: frozenset({"communicatie", "coordinator", "admin"}),
    JOBS: frozenset({"admin"}),
    STALE_REPORTS: frozenset({"coordinator", "admin"}),
    TRIAGE_MODEL: frozenset({"admin"}),
    ASSIGN: frozenset({"coordinator", "admin"}),
    BULK: frozenset({"coordinator", "admin"}),
    TEMPLATES: frozenset({"coordinator", "admin"}),
}


def requires(permission: str) -> Callable[[F], F]:
    """Declare the permission a view needs; checked by ``enforce``."""
    if permission not in PERMISSIONS and permission not in (PUBLIC, SIGNED_IN):
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view: F) -> F:
        view.required_permission = permission  # type: ignore[attr-defined]
        return view

    return decorate


def allowed(role: str | None, permission: str) -> bool:
    if permission == PUBLIC:
        return True
    if role is None:
        return False
    if permission == SIGNED_IN:
        return True
    return role in PERMISSIONS.get(permission, frozenset())


def required_permission(endpoint: str | None) -> str | None:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "required_permission", None)


def enforce(login_view: str) -> Any:
    """before_request for the back office: None to continue, or a response/abort."""
    from flask import redirect, url_for

    if request.endpoint is None:
        return None  # no route matched: the 404 handler answers
    permission = required_permission(request.endpoint)
    if permission is None:
        abort(403)
    if permission == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for(login_view), code=303)
    if not allowed(current_user.role, permission):
        abort(403)
    return None


# --- object-level rules ---------------------------------------------------------


def is_partner(user: StaffUser) -> bool:
    return user.role == "partner"


def forwarded_to(report_id: int, route: str | None) -> bool:
    if not route:
        return False
    return bool(
        db.session.scalar(
            select(exists().where(Forward.report_id == report_id, Forward.route == route))
        )
    )


def can_view_report(user: StaffUser, report: Report) -> bool:
    if user.role in STAFF_CASEWORK:
        return True
    if is_partner(user):
        return forwarded_to(report.id, user.route)
    return False


def may_reveal_contact(user: StaffUser) -> bool:
    return allowed(user.role, CONTACT_VIEW)


def partner_sees_identity(report: Report) -> bool:
    """A partner sees who reported only when the reporter agreed to share it."""
    return bool(report.share_identity and not report.anonymous and report.contact_encrypted)


def may_export_signal(user: StaffUser, report: Report) -> bool:
    """The RIEC signal export exists for reports forwarded to the RIEC."""
    if not forwarded_to(report.id, "riec"):
        return False
    if is_partner(user):
        return user.route == "riec"
    return allowed(user.role, SIGNAL_EXPORT)
