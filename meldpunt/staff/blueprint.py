"""The back-office blueprint's frame: ``/beheer``, its session guard and its template helpers.

The blueprint "backoffice" carries the staff pages (``staff.auth_views``,
``staff.views``), casework (``casework.views``) and the job pages
(``jobs.views``); ``create_app`` imports those view modules and then registers
this blueprint. The guard below is registered here, with the blueprint, so every
page on it runs the idle timeout and the one role check (``meldpunt.staff.access``)
whatever else happens to be imported.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from meldpunt.error_targets import add_problem, form_problems
from meldpunt.extensions import login_manager
from meldpunt.staff import access, authentication

bp = Blueprint("backoffice", __name__, url_prefix="/beheer")

SEEN_KEY = "bo_seen"


def init_login(app: Flask) -> None:
    """Flask-Login for the back office: its sign-in page and the user loader."""
    login_manager.login_view = "backoffice.login"
    # Our own idle timeout and token rotation replace Flask-Login's session
    # protection, which would keep a hash of the client address in the cookie.
    login_manager.session_protection = None
    login_manager.user_loader(authentication.load_user)


# A page number above this is no page anyone reached by clicking; it is clamped (to the
# last page where the total is known) instead of overflowing the database.
MAX_PAGE_NUMBER = 1_000_000


def page_number() -> int:
    """The ``pagina`` argument of a back-office list, always a usable page number."""
    raw = request.args.get("pagina", "1")
    if not raw.isdigit():
        return 1
    if len(raw) > 7:
        return MAX_PAGE_NUMBER
    return min(max(1, int(raw)), MAX_PAGE_NUMBER)


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def idle_seconds() -> float:
    return current_app.permanent_session_lifetime.total_seconds()


def touch_session() -> None:
    session.permanent = True
    session[SEEN_KEY] = time.time()


@bp.before_request
def guard() -> Any:
    """Idle timeout first, then the one role check for every back-office page."""
    if current_user.is_authenticated:
        seen = session.get(SEEN_KEY)
        if not isinstance(seen, int | float) or time.time() - seen > idle_seconds():
            user = current_user._get_current_object()
            logout_user()
            session.clear()
            authentication.record_expiry(user)
            flash(_("U was een kwartier niet actief en bent daarom uitgelogd. Log opnieuw in."), "warning")
            return redirect(url_for("backoffice.login"), code=303)
        touch_session()
    return access.enforce("backoffice.login")


@bp.app_context_processor
def backoffice_context() -> dict[str, Any]:
    def can(permission: str) -> bool:
        return current_user.is_authenticated and access.allowed(current_user.role, permission)

    from meldpunt import labels

    return {
        "can": can,
        "access": access,
        "labels": labels,
        "mail_sink_enabled": bool(current_app.config.get("MAIL_SINK_ENABLED")),
    }


# The back office's error summary: the one helper, with the back office's word for an expired form.
EXPIRED = ("inhoud", _l("Het formulier was verlopen. Probeer het opnieuw."))
problems = functools.partial(form_problems, expired=EXPIRED)

__all__ = ["EXPIRED", "add_problem", "bp", "guard", "init_login", "problems", "touch_session"]
