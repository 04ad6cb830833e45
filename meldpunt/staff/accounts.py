"""Staff accounts: creation, password hashing (argon2) and TOTP secrets."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from meldpunt import crypto
from meldpunt.config import PASSWORD_HASH_STRONG
from meldpunt.extensions import db
from meldpunt.models import ROLES, StaffUser
from meldpunt.transactions import unit_of_work

ISSUER = "Meldpunt ondermijning"


class StaffError(ValueError):
    pass


@dataclass(frozen=True)
class NewAccount:
    user: StaffUser
    password: str
    totp_secret: str
    provisioning_uri: str


@lru_cache(maxsize=4)
def _hasher_with(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    """The argon2id hasher with the app's ``PASSWORD_HASH`` parameters (config.py)."""
    return _hasher_with(**current_app.config.get("PASSWORD_HASH", PASSWORD_HASH_STRONG))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def check_password(user: StaffUser, password: str) -> bool:
    try:
        # Verifying uses the parameters stored in the hash itself.
        return hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def totp_secret(user: StaffUser) -> str | None:
    if user.totp_secret_encrypted is None:
        return None
    return crypto.decrypt(user.totp_secret_encrypted).decode()


def provisioning_uri(user: StaffUser) -> str:
    secret = totp_secret(user) or ""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


@unit_of_work
def new_totp_secret(user: StaffUser) -> str:
    """A fresh authenticator secret for an account that is enrolling (not yet confirmed).

    Made at the start of the setup step of a sign-in, so the secret an account ends
    up with was never printed by a command or shown before that sign-in.
    """
    secret = pyotp.random_base32()
    user.totp_secret_encrypted = crypto.encrypt(secret.encode())
    db.session.commit()
    return secret


def find_by_email(email: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower()))


def create_user(email: str, role: str, route: str | None = None, password: str | None = None) -> NewAccount:
    """Create an account with a one-time password. Its TOTP secret is made again at the
    first sign-in (``new_totp_secret``); the one made here is only a placeholder."""
    made = add_user(email, role, route, password)
    db.session.commit()
    return made


def add_user(email: str, role: str, route: str | None = None, password: str | None = None) -> NewAccount:
    """``create_user`` without the commit, for callers that audit in the same transaction."""
    from meldpunt.labels import PARTNER_ROUTE_LABELS

    email = email.strip().lower()
    if role not in ROLES:
        raise StaffError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role == "partner" and route not in PARTNER_ROUTE_LABELS:
        raise StaffError(f"a partner account needs --route, one of {', '.join(PARTNER_ROUTE_LABELS)}")
    if role != "partner" and route:
        raise StaffError("only partner accounts are bound to a route")
    if "@" not in email:
        raise StaffError("that does not look like an e-mail address")
    if find_by_email(email) is not None:
        raise StaffError(f"an account for {email} already exists")
    password = password or secrets.token_urlsafe(12)
    secret = pyotp.random_base32()
    user = StaffUser(
        email=email,
        password_hash=hash_password(password),
        role=role,
        route=route if role == "partner" else None,
        totp_secret_encrypted=crypto.encrypt(secret.encode()),
        totp_confirmed=False,
        must_change_password=True,
        session_token=secrets.token_hex(32),
    )
    db.session.add(user)
    db.session.flush()
    return NewAccount(user=user, password=password, totp_secret=secret, provisioning_uri=provisioning_uri(user))
