"""Finding 2 of the outside test: a reload of the thank-you page keeps the receipt code for a while.

Phones reload a tab after the reporter switched apps (to write the code down). The same
browser session sees the code again for thanks_page.reopen_seconds() (15 minutes), or until "Ik heb de code
bewaard"; after that the page says the code is gone, as before (shared computers). The code
travels only encrypted in the signed cookie and is never stored readable in the database.
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import text

from meldpunt.extensions import db
from meldpunt.intake import thanks_page
from tests.helpers import receipt_code_from, soup, submit


def _code_on_page(response) -> str | None:
    code = soup(response).select_one(".receipt-code strong")
    return code.get_text().strip() if code else None


def test_reload_within_the_time_shows_the_same_code_again(client):
    assert submit(client).status_code == 303
    code = receipt_code_from(client)
    for _ in range(2):
        assert _code_on_page(client.get("/melden/bedankt")) == code
    page = soup(client.get("/melden/bedankt"))
    assert page.select_one("form.receipt-saved button").get_text(strip=True) == "Ik heb de code bewaard"
    assert "15 minuten" in page.select_one("form.receipt-saved").get_text()


def test_after_the_time_the_code_is_gone(app, client, monkeypatch):
    submit(client)
    code = receipt_code_from(client)
    start = time.time()
    with app.app_context():
        limit = thanks_page.reopen_seconds()
    monkeypatch.setattr(time, "time", lambda: start + limit - 30)
    assert _code_on_page(client.get("/melden/bedankt")) == code  # just within the time
    for late in (limit + 5, limit + 3600):
        monkeypatch.setattr(time, "time", lambda late=late: start + late)
        response = client.get("/melden/bedankt")
        assert code not in response.get_data(as_text=True)
        assert "Deze pagina is al getoond" in response.get_data(as_text=True)


def test_after_the_button_the_code_is_gone(client):
    submit(client)
    code = receipt_code_from(client)
    response = client.post("/melden/bedankt")
    assert response.status_code == 303
    again = client.get("/melden/bedankt").get_data(as_text=True)
    assert code not in again and "Deze pagina is al getoond" in again


def test_the_code_is_neither_readable_in_the_cookie_nor_in_the_database(app, client):
    submit(client)
    code = receipt_code_from(client)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=app.config["SERVER_NAME"])
    assert cookie is not None
    raw = cookie.value
    assert code not in raw and code.replace("-", "") not in raw
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    stored = signer.loads(raw)
    assert code not in repr(stored) and code.replace("-", "") not in repr(stored)
    with app.app_context():
        for table in ("report", "message", "status_event", "audit_event"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
            assert code not in repr(rows) and code.replace("-", "") not in repr(rows)


def test_another_browser_never_sees_the_code(app, client):
    submit(client)
    code = receipt_code_from(client)
    other = app.test_client()
    assert code not in other.get("/melden/bedankt").get_data(as_text=True)
