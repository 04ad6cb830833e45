"""The follow-up session: gone with the browser, idle-limited on the server, and only
reachable from our own pages."""

from __future__ import annotations

import time

from tests.helpers import csrf_token, receipt_code_from, submit

TEXT = "Achter de garage aan de Molenweg staan elke nacht busjes met draaiende motor."


def _login(client, code, **headers):
    return client.post("/opvolgen", data={"csrf_token": csrf_token(client, "/opvolgen"), "code": code},
                       headers=headers)


def _code(client):
    submit(client, text=TEXT)
    return receipt_code_from(client)


def test_the_follow_up_cookie_is_a_browser_session_cookie(client):
    code = _code(client)
    response = _login(client, code)
    assert response.status_code == 303
    cookie = response.headers.get("Set-Cookie", "")
    assert "meldpunt_session=" in cookie
    assert "Expires=" not in cookie and "Max-Age=" not in cookie  # gone when the browser closes


def test_the_follow_up_session_ends_after_15_idle_minutes(app, client, monkeypatch):
    code = _code(client)
    assert _login(client, code).status_code == 303
    assert client.get("/opvolgen/melding").status_code == 200
    later = time.time() + 16 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/opvolgen/melding").status_code == 303  # back to the code form


def test_the_follow_up_page_says_how_long_it_stays_open(app_factory):
    """Told in the page itself (no script): the idle limit the server really uses."""
    from datetime import timedelta

    from tests.helpers import soup

    for minutes in (15, 20):
        app = app_factory(PERMANENT_SESSION_LIFETIME=timedelta(minutes=minutes))
        client = app.test_client()
        assert _login(client, _code(client)).status_code == 303
        notice = soup(client.get("/opvolgen/melding")).find(id="idle-limit").get_text()
        assert f"{minutes} minuten" in notice and "meldcode" in notice
        client.get("/taal/en")
        notice = soup(client.get("/opvolgen/melding")).find(id="idle-limit").get_text()
        assert f"{minutes} minutes" in notice


def test_a_cross_site_post_cannot_log_a_visitor_in_with_a_prefilled_answer(client):
    code = _code(client)
    data = {"code": code, "carried_text": "Ik woon zelf op nummer 12, bel mij."}
    refused = client.post("/opvolgen", data=data, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    forged = client.post("/opvolgen", data=data, headers={"Origin": "https://kwaadwillend.example"})
    assert forged.status_code == 403
    assert client.get("/opvolgen/melding").status_code == 303  # nobody was logged in
    # Our own pages send Origin: null (no referrer is ever sent) or our own origin: allowed.
    assert _login(client, code, **{"Sec-Fetch-Site": "same-origin", "Origin": "null"}).status_code == 303
    assert _login(client, code, Origin="http://meldpunt.test").status_code == 303


def test_a_cross_site_post_of_the_report_form_stores_nothing(app, client):
    from sqlalchemy import func, select

    from meldpunt.extensions import db
    from meldpunt.models import Report

    response = client.post("/melden", data={"text": TEXT, "anonymous": "ja"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Report.id))) == 0
