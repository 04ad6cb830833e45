"""Staff administration views: the audit log and staff accounts. Thin: read the request,
call one service, render."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, StaffUser
from meldpunt.staff import access, audit
from meldpunt.staff import admin as staff_admin
from meldpunt.staff.blueprint import bp, last_page, page_number
from meldpunt.staff.forms import UserForm

AUDIT_PAGE = 100


def _user() -> StaffUser:
    return current_user._get_current_object()


@bp.get("/audit")
@access.requires(access.AUDIT)
def audit_log():
    action = request.args.get("actie") or None
    # Failed sign-ins (anyone can cause them) are hidden unless asked for.
    failed_logins = request.args.get("mislukte_logins") == "1"
    page = page_number()
    found = audit.listing(action, failed_logins, page, AUDIT_PAGE)
    if page > last_page(found.total, AUDIT_PAGE):  # past the end: show the last page
        page = last_page(found.total, AUDIT_PAGE)
        found = audit.listing(action, failed_logins, page, AUDIT_PAGE)
    check = audit.verify_chain() if request.args.get("controleren") == "1" else None
    # Out of the session before recording the view commits: otherwise every listed event
    # is expired by that commit and reloaded with its own query while the page renders.
    for event in found.events:
        db.session.expunge(event)
    audit.record_access(audit.AUDIT_VIEW, _user(), details={"page": page, **({"verified": check.ok} if check else {})})
    actions = sorted(db.session.scalars(select(AuditEvent.action).distinct()))
    return render_template(
        "backoffice/audit.html", events=found.events, total=found.total, page=page, per_page=AUDIT_PAGE,
        check=check, action=action, actions=actions, action_label=audit.action_label, object_label=audit.object_label,
        failed_logins=failed_logins, hidden_failed_logins=found.hidden_failed_logins,
    )


@bp.get("/audit/export.jsonl")
@access.requires(access.AUDIT)
def audit_export():
    # Like the page: failed sign-ins only when asked for. Every row keeps its prev_hash,
    # so each row still verifies; the chain is continuous only with them included.
    failed_logins = request.args.get("mislukte_logins") == "1"
    audit.record_access(audit.AUDIT_EXPORT, _user(), details={"failed_logins": failed_logins})
    skip = () if failed_logins else audit.FAILED_LOGIN_ACTIONS
    # Streamed in batches: the log can be far larger than a worker's memory.
    return Response(
        stream_with_context(audit.export_rows(audit.iter_events(skip_actions=skip))),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="auditlog.jsonl"'},
    )


def _render_users(new_password: tuple[StaffUser, str] | None = None, confirm: tuple[StaffUser, str, str] | None = None,
                  new_account: dict[str, str] | None = None, problem: str | None = None, code: int = 200):
    from meldpunt.models import ROLES, utcnow

    accounts = db.session.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.email)).all()
    return render_template(
        "backoffice/users.html",
        accounts=accounts,
        form=UserForm(),
        now_utc=utcnow(),
        roles=ROLES,
        role_labels=staff_admin.ROLE_LABELS,
        new_password=new_password,
        confirm=confirm,
        new_account=new_account or {},
        problems=[{"field": "nieuw-email", "message": problem}] if problem else [],
    ), code


@bp.get("/gebruikers")
@access.requires(access.USERS)
def users():
    return _render_users()


@bp.get("/gebruikers/<int:user_id>")
@bp.get("/gebruikers/nieuw")
@access.requires(access.USERS)
def users_get(user_id: int | None = None):
    """These URLs take forms; a reload or a language switch on their answer comes back here."""
    return redirect(url_for("backoffice.users"), code=303)


@bp.post("/gebruikers/nieuw")
@access.requires(access.USERS)
def user_create():
    """A new account from the users page, as the CLI makes one (one-time password, the
    authenticator enrolled at the first sign-in); audited."""
    entered = {name: (request.form.get(name) or "").strip() for name in ("email", "rol", "route")}
    if not UserForm().validate_on_submit():
        abort(400)
    try:
        made = staff_admin.create(_user(), entered["email"], entered["rol"],
                                  entered["route"] if entered["rol"] == "partner" else None)
    except staff_admin.AdminError as error:
        return _render_users(new_account=entered, problem=str(_ADMIN_MESSAGES[str(error)]), code=422)
    return _render_users(new_password=(made.user, made.password))


_USER_ACTIONS = ("deblokkeren", "deactiveren", "activeren", "wachtwoord_resetten", "totp_resetten", "rol_wijzigen")
_ADMIN_MESSAGES = {
    "self_deactivate": _l("U kunt uw eigen account niet uitschakelen."),
    "last_admin": _l("Dat kan niet: er moet minstens één actieve beheerder overblijven."),
    "unknown_role": _l("Kies een rol uit de lijst."),
    "route_required": _l("Een partneraccount hoort bij één route. Kies de route."),
    "unknown_route": _l("Kies een route uit de lijst."),
    "route_not_allowed": _l("Alleen een partneraccount heeft een route. Kies bij deze rol geen route."),
    "unchanged": _l("De rol en de route waren al zo ingesteld."),
    "bad_email": _l("Vul een e-mailadres in, zoals naam@gemeente.nl."),
    "exists": _l("Er is al een account met dit e-mailadres."),
}
# Actions that lock someone out or end their sessions: asked again on a page of their own
# (works without JavaScript), done only when that second form is sent.
_CONFIRM_QUESTIONS = {
    "deactiveren": _l("Weet u zeker dat u het account van %(email)s wilt uitschakelen? Open sessies eindigen."),
    "wachtwoord_resetten": _l(
        "Weet u zeker dat %(email)s een nieuw wachtwoord moet krijgen? Het huidige werkt dan niet meer en "
        "open sessies eindigen."
    ),
    "totp_resetten": _l(
        "Weet u zeker dat de authenticator van %(email)s opnieuw moet worden ingesteld? Open sessies eindigen."
    ),
}


@bp.post("/gebruikers/<int:user_id>")
@access.requires(access.USERS)
def user_update(user_id: int):

    account = db.session.get(StaffUser, user_id)
    if account is None:
        abort(404)
    form = UserForm()
    action = request.form.get("actie")
    if not form.validate_on_submit() or action not in _USER_ACTIONS:
        abort(400)
    admin = _user()
    if action in _CONFIRM_QUESTIONS and request.form.get("bevestigd") != "1":
        question = str(_CONFIRM_QUESTIONS[action]) % {"email": account.email}
        return _render_users(confirm=(account, action, question))
    try:
        if action == "deblokkeren":
            staff_admin.unblock(account, admin)
        elif action == "deactiveren":
            staff_admin.deactivate(account, admin)
        elif action == "activeren":
            staff_admin.activate(account, admin)
        elif action == "wachtwoord_resetten":
            password = staff_admin.reset_password(account, admin)
            # Shown once, in this response only: never in a flash message (the session
            # cookie is signed, not encrypted) and never stored in plain text.
            return _render_users(new_password=(account, password))
        elif action == "totp_resetten":
            staff_admin.reset_totp(account, admin)
        else:
            role = request.form.get("rol", "")
            # The route list is on the same form for every role: only a partner's counts.
            staff_admin.change_role(account, admin, role, request.form.get("route") if role == "partner" else None)
    except staff_admin.AdminError as error:
        flash(str(_ADMIN_MESSAGES[str(error)]), "error")
        return redirect(url_for("backoffice.users"), code=303)
    if action == "totp_resetten":
        flash(
            _(
                "De authenticator van %(email)s is gewist. Bij de volgende keer inloggen stelt deze gebruiker "
                "de tweestapsverificatie opnieuw in.",
                email=account.email,
            ),
            "success",
        )
    elif action == "rol_wijzigen":
        flash(
            _("De rol van %(email)s is nu: %(role)s.", email=account.email, role=staff_admin.role_label(account.role)),
            "success",
        )
    else:
        flash(_("Het account is bijgewerkt."), "success")
    return redirect(url_for("backoffice.users"), code=303)
