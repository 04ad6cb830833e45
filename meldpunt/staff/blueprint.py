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

from flask import Blueprint, Flask, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError

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


# What survives the fresh session of a sign-in, a logout or an idle timeout: only the
# language chosen with the visible switch (nothing that identifies anyone).
KEPT_ACROSS_SIGN_IN = ("lang",)


def clear_session() -> None:
    """Start a new session (no state carried over), keeping the chosen language."""
    kept = {key: session[key] for key in KEPT_ACROSS_SIGN_IN if key in session}
    session.clear()
    session.update(kept)


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


def session_limit(seconds: float, extend_url: str, *, login: bool = False) -> dict[str, Any]:
    """The time limit of a page (WCAG 2.2.1): the sentence that states it (shown with or
    without JavaScript), and what enhance.js needs to warn before it ends and extend it."""
    if login:
        statement = _("U heeft %(minutes)s minuten om de code in te vullen. Daarna begint u opnieuw met uw "
                      "wachtwoord.", minutes=_minutes(seconds))
        warning = _("Om {time} is de tijd om de code in te vullen voorbij. Kies Verlengen als u meer tijd "
                    "nodig heeft.")
        expired = _("De tijd om de code in te vullen is voorbij. Log opnieuw in.")
    else:
        statement = _("Na %(minutes)s minuten zonder activiteit wordt u uitgelogd. Verstuur of bewaar uw "
                      "tekst op tijd.", minutes=_minutes(seconds))
        warning = _("U bent een tijd niet actief geweest. Om {time} wordt u uitgelogd. Kies Verlengen om "
                    "ingelogd te blijven. Wat u heeft getypt, blijft in dit tabblad bewaard.")
        expired = _("U bent uitgelogd omdat u te lang niet actief was. Log opnieuw in. Wat u had getypt, "
                    "zetten wij daarna terug.")
    return {"seconds": int(seconds), "extend_url": extend_url, "login": login,
            "statement": statement, "warning": warning, "expired": expired}


@bp.before_request
def refuse_file_parts() -> Any:
    """No back-office form takes a file: a field sent as a multipart file part (any client
    can send one) is bad input, answered with a calm 400 instead of reaching a validator
    that expects text (a 500 before)."""
    if request.method == "POST" and request.files:
        return render_template("errors/error.html", code=400,
                               message=_("Deze aanvraag konden we niet verwerken.")), 400
    return None


@bp.before_request
def guard() -> Any:
    """Idle timeout first, then the one role check for every back-office page."""
    if current_user.is_authenticated:
        seen = session.get(SEEN_KEY)
        if not isinstance(seen, int | float) or time.time() - seen > idle_seconds():
            user = current_user._get_current_object()
            logout_user()
            clear_session()
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

    context: dict[str, Any] = {
        "can": can,
        "access": access,
        "labels": labels,
        "mail_sink_enabled": bool(current_app.config.get("MAIL_SINK_ENABLED")),
    }
    if current_user.is_authenticated and request.blueprint in ("backoffice", "stats"):
        context["session_limit"] = session_limit(idle_seconds(), url_for("backoffice.extend_session"))
    return context


@bp.post("/sessie/verlengen")
@access.requires(access.SIGNED_IN)
def extend_session() -> Any:
    """"Verlengen" in the time-limit warning: the guard above has just refreshed the
    session; say how long it now lasts. (CSRF-protected like every POST.)"""
    return jsonify(seconds=int(idle_seconds()))


@bp.errorhandler(CSRFError)
def expired_form(error: CSRFError) -> Any:
    """A back-office form sent after the session had ended (its cookie is gone, so its
    CSRF token cannot be checked): back to the sign-in with a word about why, instead of
    a bare error page. What was typed is put back after signing in (enhance.js)."""
    if current_user.is_authenticated or access.required_permission(request.endpoint) == access.PUBLIC:
        return render_template("errors/error.html", code=400,
                               message=_("Deze aanvraag konden we niet verwerken.")), 400
    flash(_("U was te lang niet actief en bent daarom uitgelogd. Log opnieuw in. Wat u had getypt, "
            "zetten wij daarna terug."), "warning")
    return redirect(url_for("backoffice.login"), code=303)


# The back office's error summary: the one helper, with the back office's word for an expired form.
EXPIRED = ("inhoud", _l("Het formulier was verlopen. Probeer het opnieuw."))
problems = functools.partial(form_problems, expired=EXPIRED, name_fields=True)

__all__ = ["EXPIRED", "add_problem", "bp", "clear_session", "guard", "init_login", "problems", "session_limit",
           "touch_session"]
