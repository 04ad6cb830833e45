"""Extension objects, created unbound; ``create_app`` binds them to an app."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from meldpunt.ratelimit_key import anonymous_client_key

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
# The key function never returns an address: see ratelimit_key.py.
limiter = Limiter(key_func=anonymous_client_key, default_limits=[])
# Every limit of the app is on POST (sign-in, reporting, follow-up); there are no default
# limits. Requests that cannot send a form skip the limiter's per-request evaluation of its
# limits (about a tenth of the CPU of the form page and the thank-you page).
# tests/test_ratelimit.py checks that no limit applies to another method.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@limiter.request_filter
def _safe_methods_are_never_limited() -> bool:
    return request.method in SAFE_METHODS
