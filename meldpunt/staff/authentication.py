"""Staff sign-in: password (argon2) + TOTP, lock-out, first-login setup, logout.

Five failed attempts (a wrong password or a wrong code, counted together) lock
the account for fifteen minutes; while locked even the right password is
refused — except from a browser in which the account signed in before
(``trusted``, see backoffice/device.py), so that someone who knows a staff
member's address cannot keep them out. Every path does the same work (one
argon2 computation) and gives the same answer, so neither a locked nor an
unknown account can be told apart by its timing. A TOTP code is accepted
once: the last used time step is stored so a code seen over someone's shoulder
cannot be replayed.

The setup step runs whenever an account has no confirmed authenticator (a new
account, or after an admin reset it) or must replace a one-time password (a
new account, or after an admin reset the password). Every finished login gives
the account a new session token, so a session identifier from before the login
is worth nothing after it.

Every check reads the time from ``current_time()``: real UTC time, unless the
app carries a clock of its own in ``app.extensions["meldpunt_clock"]``. Tests
install a clock they move by hand, so they never wait for a fresh TOTP step.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from flask import current_app, has_app_context, has_request_context
from limits import parse, parse_many

from meldpunt.extensions import db, limiter
from meldpunt.models import StaffUser, utcnow
from meldpunt.ratelimit_key import anonymous_client_key, fitting_limits
from meldpunt.staff import accounts as staff
from meldpunt.staff import audit
from meldpunt.transactions import unit_of_work

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
MIN_PASSWORD = 12

# Failed sign-ins are audited, but the sign-in page is public: without a bound anyone
# could fill the audit log. Per client (the limiter's salted, rotating key; never the
# address) this many failures are written; past it an attempt is still refused and
# still counts towards the account's lock-out (which is always audited), and one
# LOGIN_FAILED_THROTTLED event per window says that failures are being left out.
FAILED_LOGIN_AUDIT_LIMIT = fitting_limits("10 per 10 minutes;30 per hour")
_THROTTLED_NOTICE_LIMIT = fitting_limits("1 per 10 minutes")


def _record_failure(actor: StaffUser | str, object_id: int | None, details: dict[str, Any]) -> None:
    """Audit one failed sign-in, unless this client has reached its share (see above)."""
    if has_request_context() and current_app.config.get("RATELIMIT_ENABLED", True):
        strategy = limiter.limiter
        key = anonymous_client_key()
        # Hit every window (no short-circuit), so each one counts this attempt.
        within = [strategy.hit(item, "audit-login-failed", key) for item in parse_many(FAILED_LOGIN_AUDIT_LIMIT)]
        if not all(within):
            if strategy.hit(parse(_THROTTLED_NOTICE_LIMIT), "audit-login-failed-notice", key):
                audit.record(audit.LOGIN_FAILED_THROTTLED, "onbekend", details={"limit": FAILED_LOGIN_AUDIT_LIMIT})
            return
    object_type = "staff_user" if object_id is not None else None
    audit.record(audit.LOGIN_FAILED, actor, object_type, object_id, details)


def current_time() -> datetime:
    """Now, for lock-outs and TOTP steps: the app's clock if it has one, else real UTC time."""
    clock = current_app.extensions.get("meldpunt_clock") if has_app_context() else None
    return clock() if clock is not None else utcnow()


@dataclass(frozen=True)
class PasswordCheck:
    user: StaffUser | None
    locked: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None and not self.locked


def is_locked(user: StaffUser, now: datetime | None = None) -> bool:
    return bool(user.locked_until and user.locked_until > (now or current_time()))


def register_failure(user: StaffUser, step: str, now: datetime | None = None) -> None:
    now = now or current_time()
    user.failed_logins = (user.failed_logins or 0) + 1
    _record_failure(user, user.id, {"step": step, "count": user.failed_logins})
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until = now + LOCK_DURATION
        user.failed_logins = 0
        audit.record(
            audit.LOGIN_LOCKED, user, "staff_user", user.id, {"minutes": int(LOCK_DURATION.total_seconds() // 60)}
        )
    db.session.commit()


@unit_of_work
def check_password(email: str, password: str, now: datetime | None = None,
                   trusted: Callable[[StaffUser], bool] = lambda user: False) -> PasswordCheck:
    """Step one. Unknown accounts, locked accounts and wrong passwords look the same to
    the caller, and take the same time. ``trusted(user)`` says whether the request comes
    from a browser in which that account signed in before (the lock does not apply)."""
    user = staff.find_by_email(email or "")
    if user is None or not user.active:
        # Hash anyway, so a missing account does not answer faster than a wrong password.
        staff.hash_password(password or "x")
        _record_failure("onbekend", None, {"step": "password"})
        db.session.commit()
        return PasswordCheck(None)
    password_ok = staff.check_password(user, password or "")  # the same work on every path
    if is_locked(user, now) and not trusted(user):
        _record_failure(user, user.id, {"step": "password", "locked": True})
        db.session.commit()
        return PasswordCheck(None, locked=True)
    if not password_ok:
        register_failure(user, "password", now)
        return PasswordCheck(None, locked=is_locked(user, now))
    return PasswordCheck(user)


def _accept_code(user: StaffUser, code: str, now: datetime) -> bool:
    secret = staff.totp_secret(user)
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            if user.last_totp_step is not None and step <= user.last_totp_step:
                return False  # replayed
            user.last_totp_step = step
            return True
    return False


def check_code(user: StaffUser, code: str, now: datetime | None = None, trusted: bool = False) -> bool:
    """Step two: the TOTP code. A failure counts towards the lock-out (and is stored here);
    the lock does not apply in a ``trusted`` browser, one the account signed in from before."""
    now = now or current_time()
    if not user.active or (is_locked(user, now) and not trusted) or not user.totp_confirmed:
        return False
    if _accept_code(user, code, now):
        return True  # finish_login stores the used step with the sign-in
    register_failure(user, "code", now)
    db.session.commit()
    return False


class SetupError(ValueError):
    pass


def needs_setup(user: StaffUser) -> bool:
    """The account must enrol an authenticator or replace a one-time password first."""
    return not user.totp_confirmed or user.must_change_password


def complete_setup(user: StaffUser, code: str, new_password: str, repeat: str, now: datetime | None = None) -> None:
    """Confirm the authenticator app (if not yet done) and replace a one-time password (if any)."""
    now = now or current_time()
    if not user.active or is_locked(user, now):
        raise SetupError("locked")
    if user.must_change_password:
        if len(new_password or "") < MIN_PASSWORD:
            raise SetupError("password_short")
        if new_password != repeat:
            raise SetupError("password_mismatch")
        if staff.check_password(user, new_password):
            raise SetupError("password_same")
    if not _accept_code(user, code, now):
        register_failure(user, "setup", now)
        raise SetupError("code")
    if user.must_change_password:
        user.password_hash = staff.hash_password(new_password)
        user.must_change_password = False
        audit.record(audit.PASSWORD_CHANGE, user, "staff_user", user.id)
    if not user.totp_confirmed:
        user.totp_confirmed = True
        audit.record(audit.TOTP_SETUP, user, "staff_user", user.id)
    db.session.commit()


def finish_login(user: StaffUser) -> None:
    """Both steps passed: reset the failure count and start with a new session token.

    Rotating the token here means the session made by this login carries an
    identifier nobody saw before it (no session fixation), and it also ends
    every other session of this account, e.g. one left open on another
    computer: one account, one live session. That is deliberate and safer.
    """
    user.failed_logins = 0
    user.locked_until = None
    rotate_session_token(user)
    audit.record(audit.LOGIN, user, "staff_user", user.id)
    db.session.commit()


def rotate_session_token(user: StaffUser) -> None:
    """Every cookie that carries the old token stops working (Flask-Login id)."""
    user.session_token = secrets.token_hex(32)


def logout(user: StaffUser) -> None:
    rotate_session_token(user)
    audit.record(audit.LOGOUT, user, "staff_user", user.id)
    db.session.commit()


def record_expiry(user: StaffUser) -> None:
    """An idle session ended; the cookie is cleared by the caller."""
    audit.record(audit.SESSION_EXPIRED, user, "staff_user", user.id)
    db.session.commit()


def load_user(session_token: str) -> StaffUser | None:
    from sqlalchemy import select

    if not session_token:
        return None
    user = db.session.scalar(select(StaffUser).where(StaffUser.session_token == session_token))
    return user if user is not None and user.active else None
