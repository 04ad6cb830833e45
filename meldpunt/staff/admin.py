"""What admins do with staff accounts: unblock, switch off and on, reset the
password or the authenticator, change the role or a partner's route.

Each function changes one account, writes a ``user.change`` audit event (the
action and what changed, never a password or secret) and commits. The views
and the CLI call the same functions; ``actor`` is the admin (a StaffUser) or,
from the command line, a short description such as ``"cli reset-password"``.

No change may leave the system without an active admin account, and an admin
cannot switch off their own account.
"""

from __future__ import annotations

import re
import secrets

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from meldpunt import crypto
from meldpunt.extensions import db
from meldpunt.models import ROLES, StaffUser
from meldpunt.staff import accounts as staff
from meldpunt.staff import audit
from meldpunt.staff.authentication import rotate_session_token
from meldpunt.transactions import unit_of_work

ROLE_LABELS = {
    "triage": _l("Triage"),
    "coordinator": _l("Coördinator"),
    "communicatie": _l("Communicatie (alleen statistiek)"),
    "admin": _l("Beheerder"),
    "partner": _l("Partner"),
}


# Something@something.tld, no spaces: a typing mistake is caught, deliverability is not our job.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AdminError(ValueError):
    """A change that is not allowed; the message is a code for the view or the CLI."""


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role or "", role or ""))


def _is_self(account: StaffUser, actor: StaffUser | str) -> bool:
    return isinstance(actor, StaffUser) and actor.id == account.id


def _other_active_admins(account: StaffUser) -> int:
    return (
        db.session.scalar(
            select(func.count(StaffUser.id)).where(
                StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != account.id
            )
        )
        or 0
    )


def _keeps_an_admin(account: StaffUser) -> None:
    """``account`` stops being an active admin: refuse when it is the last one."""
    if account.role == "admin" and account.active and _other_active_admins(account) == 0:
        raise AdminError("last_admin")


def _done(account: StaffUser, actor: StaffUser | str, action: str, **changes: object) -> None:
    audit.record(audit.USER_CHANGE, actor, "staff_user", account.id, {"action": action, **changes})
    db.session.commit()


@unit_of_work
def unblock(account: StaffUser, actor: StaffUser | str) -> None:
    account.locked_until = None
    account.failed_logins = 0
    _done(account, actor, "deblokkeren")


@unit_of_work
def deactivate(account: StaffUser, actor: StaffUser | str) -> None:
    if _is_self(account, actor):
        raise AdminError("self_deactivate")
    _keeps_an_admin(account)
    account.active = False
    rotate_session_token(account)
    _done(account, actor, "deactiveren")


@unit_of_work
def activate(account: StaffUser, actor: StaffUser | str) -> None:
    account.active = True
    _done(account, actor, "activeren")


@unit_of_work
def reset_password(account: StaffUser, actor: StaffUser | str) -> str:
    """A new one-time password (returned once, never stored in plain); the user
    chooses their own at the next login. Open sessions end, a lock-out is lifted."""
    password = secrets.token_urlsafe(12)
    account.password_hash = staff.hash_password(password)
    account.must_change_password = True
    account.failed_logins = 0
    account.locked_until = None
    rotate_session_token(account)
    _done(account, actor, "wachtwoord_resetten")
    return password


@unit_of_work
def reset_totp(account: StaffUser, actor: StaffUser | str) -> None:
    """A fresh authenticator secret: the user enrols again at the next login. Open sessions end."""
    # The new secret is made at the next sign-in's setup step (staff.new_totp_secret).
    account.totp_secret_encrypted = crypto.encrypt(pyotp.random_base32().encode())
    account.totp_confirmed = False
    account.last_totp_step = None
    rotate_session_token(account)
    _done(account, actor, "totp_resetten")


@unit_of_work
def change_role(account: StaffUser, actor: StaffUser | str, role: str, route: str | None = None) -> None:
    """Set the role, and the route for a partner account (other roles have none)."""
    from meldpunt.labels import PARTNER_ROUTE_LABELS

    route = (route or "").strip() or None
    if role not in ROLES:
        raise AdminError("unknown_role")
    if role == "partner":
        if route is None:
            raise AdminError("route_required")
        if route not in PARTNER_ROUTE_LABELS:
            raise AdminError("unknown_route")
    elif route is not None:
        raise AdminError("route_not_allowed")
    if role == account.role and route == account.route:
        raise AdminError("unchanged")
    if role != "admin":
        _keeps_an_admin(account)
    before = {"role": account.role, "route": account.route}
    account.role = role
    account.route = route
    _done(account, actor, "rol_wijzigen", before=before, after={"role": role, "route": route})


@unit_of_work
def create(actor: StaffUser | str, email: str, role: str, route: str | None = None) -> staff.NewAccount:
    """A new account, as ``create-user`` makes one: a one-time password (returned once) and
    no authenticator yet, so the first sign-in enrols one and chooses a password. Audited."""
    from meldpunt.labels import PARTNER_ROUTE_LABELS

    email = (email or "").strip().lower()
    route = (route or "").strip() or None
    if role not in ROLES:
        raise AdminError("unknown_role")
    if role == "partner" and route is None:
        raise AdminError("route_required")
    if role == "partner" and route not in PARTNER_ROUTE_LABELS:
        raise AdminError("unknown_route")
    if role != "partner":
        route = None  # the route list is on the form for every role: only a partner's counts
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise AdminError("bad_email")
    if staff.find_by_email(email) is not None:
        raise AdminError("exists")
    made = staff.add_user(email, role, route)
    _done(made.user, actor, "aanmaken", role=role, route=route)
    return made
