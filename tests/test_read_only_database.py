"""With the database taking no writes (failover, maintenance), reading still works and
what needs a write answers with a calm 503 that keeps what was typed."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.backoffice.conftest import make_account, new_report, page_csrf
from tests.conftest import make_app
from tests.helpers import csrf_token, soup

KEYS = ("SECRET_KEY", "ENCRYPTION_KEYS", "RECEIPT_KEY")


@pytest.fixture
def read_only(app, tmp_path):
    """``read_only()`` -> a second app (same keys) on the same database, which from then
    on refuses every write. Call it after the test has written what it needs."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    keys = {k: app.config[k] for k in KEYS}
    admin = None

    def make():
        nonlocal admin
        if url.get_backend_name() == "sqlite":
            return make_app(tmp_path / "ro", f"sqlite:///file:{url.database}?mode=ro&uri=true", **keys)
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on'))
        return make_app(tmp_path / "ro", app.config["SQLALCHEMY_DATABASE_URI"], **keys)

    yield make
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = off'))
        admin.dispose()
        with app.app_context():
            from meldpunt.extensions import db

            db.session.remove()
            db.engine.dispose()  # no pooled connection keeps the read-only setting


def test_a_reporter_can_still_open_their_report(app, read_only):
    report_id, code = new_report(app, text="Er staat elke nacht een busje bij de loods aan de Kade.")
    client = read_only().test_client()
    response = client.post("/opvolgen", data={"csrf_token": csrf_token(client, "/opvolgen"), "code": code})
    assert response.status_code == 303
    shown = client.get(response.headers["Location"])
    assert shown.status_code == 200
    assert soup(shown).find("h1") is not None


def test_staff_sign_in_answers_a_calm_503(app, read_only):
    account = make_account(app, "coordinator")
    client = read_only().test_client()
    # A wrong password must be counted (a write): refused calmly, the address kept.
    wrong = client.post("/beheer/login", data={"csrf_token": page_csrf(client), "email": account.email,
                                               "password": "niet-het-goede-1"})
    assert wrong.status_code == 503
    body = wrong.get_data(as_text=True)
    assert "Inloggen kan op dit moment even niet" in body and account.email in body
    assert "niet-het-goede-1" not in body
    # The right password, then the code: finishing the sign-in writes, so a calm 503.
    first = client.post("/beheer/login", data={"csrf_token": page_csrf(client), "email": account.email,
                                               "password": account.password})
    assert first.status_code == 303
    code = client.post("/beheer/login/code", data={"csrf_token": page_csrf(client, "/beheer/login/code"),
                                                    "code": account.code()})
    assert code.status_code == 503
    assert "Dit lukt op dit moment even niet" in code.get_data(as_text=True)


def test_the_form_still_shows_when_its_view_cannot_be_counted(app, read_only):
    client = read_only().test_client()
    response = client.get("/melden")  # the view counter cannot be written: the form still shows
    assert response.status_code == 200
