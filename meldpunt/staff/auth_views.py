"""Sign-in views: password, then TOTP code (or, the first time, TOTP setup)."""

from __future__ import annotations

import io
import time
from typing import Any

import segno
from flask import Response, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import InternalError, OperationalError

from meldpunt.extensions import db, limiter
from meldpunt.models import StaffUser
from meldpunt.ratelimit_key import fitting_limits
from meldpunt.staff import access, authentication, device
from meldpunt.staff import accounts as staff
from meldpunt.staff.blueprint import add_problem, bp, clear_session, problems, session_limit, touch_session
from meldpunt.staff.forms import CodeForm, LoginForm, SetupForm

PENDING_KEY = "bo_pending"
PENDING_SECONDS = 300
RETRY_KEY = "bo_retry"


# Per client key (salted, rotating; never the address). The per-account lock-out
# after 5 failures guards each account; this guards against trying many accounts.
# Windows stay within the key's salt lifetime (an hour), or rotation would reset them.
LOGIN_LIMIT = fitting_limits("20 per 10 minutes;60 per hour")


def _failed_message() -> str:
    return _(
        "Inloggen is niet gelukt. Controleer uw gegevens. Na 5 mislukte pogingen kunt u "
        "15 minuten niet inloggen."
    )


def _pending(stage: str) -> StaffUser | None:
    """The account halfway through signing in, if the session holds one for ``stage``."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("stage") != stage:
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        # Said on the sign-in page, which offers the same e-mail address again.
        session[RETRY_KEY] = pending.get("uid")
        return None
    user = db.session.get(StaffUser, pending.get("uid"))
    if user is None or not user.active or user.session_token != pending.get("token"):
        return None
    return user


def _complete(user: StaffUser) -> Any:
    """Signed in: a fresh session (no state carried over), then the landing page; this
    browser is remembered as the account's own (no lock-out by others, device.py)."""
    authentication.finish_login(user)
    clear_session()
    login_user(user)
    touch_session()
    response = redirect(url_for("backoffice.home"), code=303)
    device.remember(response, user)
    return response


def _trusted(user: StaffUser) -> bool:
    return device.is_trusted(request, user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@access.requires(access.PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("backoffice.home"), code=303)
    form = LoginForm()
    status = 200
    retry = session.pop(RETRY_KEY, None)
    if request.method == "GET" and isinstance(retry, int):
        # The code step took too long: the address is offered again (never the password).
        again = db.session.get(StaffUser, retry)
        if again is not None and again.active:
            form.email.data = again.email
    if form.validate_on_submit():
        try:
            check = authentication.check_password(form.email.data, form.password.data, trusted=_trusted)
        except (OperationalError, InternalError):
            # Signing in writes (audit, failure count): with the database read-only or down,
            # say so calmly and keep the e-mail address (never the password) in the form
            # (check_password owns its transaction and has rolled it back).
            add_problem(form, "email", _("Inloggen kan op dit moment even niet. Probeer het over een paar "
                                         "minuten opnieuw."))
            return render_template("backoffice/login.html", form=form, problems=problems(form)), 503
        if check.ok:
            user = check.user
            stage = "setup" if authentication.needs_setup(user) else "code"
            if stage == "setup" and not user.totp_confirmed:
                # Enrolling: a secret made now, shown only on the setup page of this sign-in.
                staff.new_totp_secret(user)
            clear_session()
            session[PENDING_KEY] = {"uid": user.id, "token": user.session_token, "at": time.time(), "stage": stage}
            return redirect(url_for("backoffice.login_code" if stage == "code" else "backoffice.login_setup"), code=303)
        add_problem(form, "email", _failed_message())
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("backoffice/login.html", form=form, problems=problems(form)), status


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@access.requires(access.PUBLIC)
def login_code():
    user = _pending("code")
    if user is None:
        return _start_again()
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if authentication.check_code(user, form.code.data, trusted=_trusted(user)):
            return _complete(user)
        if authentication.is_locked(user) and not _trusted(user):
            session.pop(PENDING_KEY, None)
            flash(_failed_message(), "error")
            return redirect(url_for("backoffice.login"), code=303)
        add_problem(form, "code", _("Deze code klopt niet. Gebruik de code die nu in uw app staat."))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("backoffice/login_code.html", form=form, problems=problems(form),
                           session_limit=_code_limit()), status


def _start_again() -> Any:
    """No sign-in under way: back to the password, saying why when the time ran out."""
    if session.get(RETRY_KEY) is not None:
        flash(_("Het inloggen duurde langer dan %(minutes)s minuten. Vul uw wachtwoord opnieuw in.",
                minutes=PENDING_SECONDS // 60), "warning")
    return redirect(url_for("backoffice.login"), code=303)


def _code_limit() -> dict[str, Any]:
    """The time left between password and code, for the page's statement and warning."""
    pending = session.get(PENDING_KEY) or {}
    left = max(0.0, PENDING_SECONDS - (time.time() - float(pending.get("at", 0))))
    return session_limit(left, url_for("backoffice.extend_login"), login=True)


@bp.post("/login/verlengen")
@access.requires(access.PUBLIC)
def extend_login():
    """"Verlengen" in the code step's time-limit warning: the sign-in under way gets
    its full time again (CSRF-protected). Nothing under way: 409."""
    pending = session.get(PENDING_KEY)
    if isinstance(pending, dict) and _pending(str(pending.get("stage"))) is not None:
        session[PENDING_KEY] = {**pending, "at": time.time()}
        return jsonify(seconds=PENDING_SECONDS)
    return jsonify(expired=True), 409


_SETUP_MESSAGES = {
    "password_short": ("new_password", _l("Kies een wachtwoord van minstens 12 tekens.")),
    "password_mismatch": ("repeat_password", _l("De twee wachtwoorden zijn niet gelijk.")),
    "password_same": ("new_password", _l("Kies een ander wachtwoord dan het eenmalige wachtwoord.")),
    "code": ("code", _l("Deze code klopt niet. Gebruik de code die nu in uw app staat.")),
    "locked": ("code", _l("Inloggen is niet gelukt.")),
}


@bp.route("/login/instellen", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@access.requires(access.PUBLIC)
def login_setup():
    user = _pending("setup")
    if user is None:
        return _start_again()
    form = SetupForm()
    status = 200
    if form.validate_on_submit():
        try:
            authentication.complete_setup(
                user, form.code.data, form.new_password.data or "", form.repeat_password.data or ""
            )
        except authentication.SetupError as error:
            field, message = _SETUP_MESSAGES[str(error)]
            add_problem(form, field, str(message))
            status = 422
            if authentication.is_locked(user):
                session.pop(PENDING_KEY, None)
                flash(_failed_message(), "error")
                return redirect(url_for("backoffice.login"), code=303)
        else:
            return _complete(user)
    elif form.is_submitted():
        status = 422
    # The authenticator's secret is shown only while none is confirmed: after an admin
    # reset only the password, the one-time password must not reveal the second factor.
    needs_totp = not user.totp_confirmed
    return render_template(
        "backoffice/login_setup.html",
        form=form,
        problems=problems(form),
        secret=staff.totp_secret(user) if needs_totp else None,
        needs_totp=needs_totp,
        needs_password=user.must_change_password,
        session_limit=_code_limit(),
    ), status


@bp.get("/login/qr.svg")
@access.requires(access.PUBLIC)
def setup_qr():
    """The provisioning URI as a QR code, made here: no external service sees the secret."""
    user = _pending("setup")
    if user is None or user.totp_confirmed:
        abort(404)
    qr = segno.make(staff.provisioning_uri(user), error="m")
    # A standalone SVG document (with its namespace): served as an image, the inline
    # variant without xmlns is not drawn by browsers.
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=5, border=2, xmldecl=False,
            title=_("QR-code voor uw authenticator-app"))
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.post("/uitloggen")
@access.requires(access.SIGNED_IN)
def logout():
    user = current_user._get_current_object()
    authentication.logout(user)
    logout_user()
    clear_session()
    flash(_("U bent uitgelogd."), "success")
    return redirect(url_for("backoffice.login"), code=303)
