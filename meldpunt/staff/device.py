"""The staff member's own browser, recognised so that nobody else can lock them out.

Five wrong passwords or codes lock an account for fifteen minutes, and anyone
who knows a staff e-mail address could do that, over and over. A browser in
which the account last signed in successfully receives a signed, HttpOnly
cookie (OWASP's "device cookie"); from that browser the lock does not apply,
so an attacker's failures lock out only browsers the account never used.
Brute force through a trusted browser is still limited by the per-client rate
limit and by the second factor.

The cookie holds the account id and a fingerprint of the current password
hash: a password change or reset makes every device cookie of that account
worthless. Nothing is stored on the server. It is a staff-only cookie, on
``/beheer`` paths; reporters never get it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import Request, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from meldpunt.models import StaffUser

COOKIE = "meldpunt_staff_device"
MAX_AGE = timedelta(days=180)
_SALT = "meldpunt staff device v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: StaffUser) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def remember(response: Response, user: StaffUser) -> None:
    """After a successful sign-in: mark this browser as the account's own."""
    token = _serializer().dumps({"u": user.id, "p": _fingerprint(user)})
    response.set_cookie(
        COOKIE, token, max_age=int(MAX_AGE.total_seconds()), path="/beheer",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=True, samesite="Strict",
    )


def is_trusted(request: Request, user: StaffUser | None) -> bool:
    """Whether this request comes from a browser in which ``user`` signed in before."""
    raw = request.cookies.get(COOKIE)
    if not raw or user is None:
        return False
    try:
        data = _serializer().loads(raw, max_age=int(MAX_AGE.total_seconds()))
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("u") == user.id and data.get("p") == _fingerprint(user)
