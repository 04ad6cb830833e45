"""Shared fixtures: an app on a migrated database (SQLite or PostgreSQL).

Tests run the Alembic migrations, never ``create_all``. On SQLite the
migrated database file is made once per session and copied for each test; on
PostgreSQL (``MELDPUNT_TEST_DATABASE_URL``) a fresh database is created and
migrated once per session and its tables are emptied after each test.

Safe under pytest-xdist (``-n auto``): every worker is its own session, with its
own temporary folders, SQLite template, PostgreSQL database (a random name) and
ports (always asked of the kernel, never fixed). Parameter ids are made
deterministic here, since every worker must collect exactly the same tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("MELDPUNT_TEST_DATABASE_URL")


def pytest_make_parametrize_id(config, val, argname):
    """File contents as parameters are named by their size, not their bytes: the bytes
    may hold a timestamp (gzip, ZIP), and then workers would collect different tests."""
    if isinstance(val, bytes | bytearray):
        return f"{len(val)}B"
    return None


class StoppedClock:
    """A clock that stands still until a test moves it (``advance``)."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def auth_clock() -> StoppedClock:
    """The time the staff sign-in sees (lock-outs, TOTP steps) in every app made by
    ``app_factory``: the real time when the test starts, then still until moved.
    Tests move it a TOTP step on instead of waiting 30 seconds for one."""
    return StoppedClock(datetime.now(UTC))


def migrate_to_head(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def make_app(data_dir: Path, database_url: str, **overrides):
    from meldpunt import create_app

    config = {
        "DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "meldpunt.test",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A migrated database: a template file on SQLite, a fresh database on PostgreSQL."""
    if PG_URL:
        url = make_url(PG_URL)
        name = f"meldpunt_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        test_url = url.set(database=name).render_as_string(hide_password=False)
        app = make_app(tmp_path_factory.mktemp("pg-template"), test_url)
        migrate_to_head(app)
        with app.app_context():
            from meldpunt.extensions import db

            db.engine.dispose()
        yield {"kind": "postgresql", "url": test_url}
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        folder = tmp_path_factory.mktemp("sqlite-template")
        path = folder / "template.sqlite3"
        app = make_app(folder, f"sqlite:///{path}")
        migrate_to_head(app)
        with app.app_context():
            from meldpunt.extensions import db

            db.engine.dispose()
        yield {"kind": "sqlite", "path": path}


@pytest.fixture(scope="session")
def anchor_database_url(database_template, tmp_path_factory):
    """PostgreSQL only: the URL of an insert-only anchor role on the session's database,
    made by `flask audit-anchor-setup` (a unique role per session, dropped afterwards)."""
    if database_template["kind"] != "postgresql":
        pytest.skip("the shared anchor table needs PostgreSQL (MELDPUNT_TEST_DATABASE_URL)")
    role = f"meldpunt_anchor_{uuid.uuid4().hex[:10]}"
    url = make_url(database_template["url"])
    app = make_app(tmp_path_factory.mktemp("anchor-setup"), database_template["url"])
    result = app.test_cli_runner().invoke(args=["audit-anchor-setup", "--role", role])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from meldpunt.extensions import db

        db.engine.dispose()
    yield url.set(username=role, password=None).render_as_string(hide_password=False)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))
    admin.dispose()


def _empty_tables(app) -> None:
    from meldpunt.extensions import db

    with app.app_context():
        db.session.remove()
        names = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            # audit_anchor's trigger refuses TRUNCATE (migration 0020); the tests connect as
            # a superuser, who may switch user triggers off for this one transaction.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def app_factory(database_template, tmp_path, auth_clock):
    """Make an app on a fresh, migrated database; ``overrides`` go into its config.
    Its sign-in runs on ``auth_clock`` (meldpunt.authentication.current_time)."""
    made = []

    def factory(**overrides):
        data_dir = tmp_path / "data"
        data_dir.mkdir(exist_ok=True)
        if database_template["kind"] == "sqlite":
            db_path = data_dir / "meldpunt.sqlite3"
            if not db_path.exists():
                shutil.copy(database_template["path"], db_path)
            url = f"sqlite:///{db_path}"
        else:
            url = database_template["url"]
        app = make_app(data_dir, url, **overrides)
        app.extensions["meldpunt_clock"] = auth_clock
        made.append(app)
        return app

    yield factory
    if made and database_template["kind"] == "postgresql":
        _empty_tables(made[0])
    for app in made:
        with app.app_context():
            from meldpunt.extensions import db
            from meldpunt.staff import anchor

            db.session.remove()
            db.engine.dispose()
            anchor.dispose(app)


@pytest.fixture
def app(app_factory, request):
    """The app; ``@both_stores`` (tests/helpers.py) passes an attachment store as parameter."""
    store = getattr(request, "param", None)
    return app_factory(**({"ATTACHMENT_STORAGE": store} if store else {}))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def data_dir(app) -> Path:
    return Path(app.config["DATA_DIR"])
