"""Every form refuses a POST without a CSRF token or with a wrong one, and changes nothing.

The apps here switch CSRF protection on explicitly, whatever the test defaults are. The
reporter forms check the token in the form itself (so an expired token keeps the text
on the page: meldpunt/intake/views.py) and answer 422; the back office is guarded by
Flask-WTF's CSRFProtect and answers 400.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, Message, Note, Report, StaffUser
from tests.backoffice.conftest import login, make_account, new_report, page_csrf
from tests.helpers import csrf_token, report_data

BAD_TOKENS = [None, "", "ImZvcmdlZCI.Zm9yZ2Vk.c2lnbmF0dXJl"]


@pytest.fixture
def csrf_app(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True, WTF_CSRF_CHECK_DEFAULT=True)
    assert app.config["WTF_CSRF_ENABLED"]
    return app


def _with_token(data: dict, token: str | None) -> dict:
    data = {k: v for k, v in data.items() if k != "csrf_token"}
    if token is not None:
        data["csrf_token"] = token
    return data


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_public_report_form(csrf_app, token):
    client = csrf_app.test_client()
    response = client.post("/melden", data=_with_token(report_data(client), token))
    assert response.status_code in (400, 422) and "Location" not in response.headers
    assert _count(csrf_app, Report) == 0


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_follow_up_form(csrf_app, token):
    _report_id, code = new_report(csrf_app)
    client = csrf_app.test_client()
    opened = client.post("/opvolgen", data={"csrf_token": csrf_token(client, "/opvolgen"), "code": code})
    assert opened.status_code == 303
    # Opening with a code is itself a form: without a valid token it opens nothing.
    other = csrf_app.test_client()
    refused = other.post("/opvolgen", data=_with_token({"code": code}, token))
    assert refused.status_code in (400, 422) and "Location" not in refused.headers
    assert other.get("/opvolgen/melding").status_code == 303
    before = _count(csrf_app, Message)
    response = client.post("/opvolgen/melding", data=_with_token({"text": "Nog iets gezien."}, token))
    assert response.status_code in (400, 422) and "Location" not in response.headers
    assert _count(csrf_app, Message) == before


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_staff_login(csrf_app, token):
    account = make_account(csrf_app, "admin")
    client = csrf_app.test_client()
    client.get("/beheer/login")
    data = _with_token({"email": account.email, "password": account.password}, token)
    response = client.post("/beheer/login", data=data)
    assert response.status_code == 400
    assert client.get("/beheer/login/code").headers["Location"].endswith("/beheer/login")
    with csrf_app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0  # not even a password check


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_report_action(csrf_app, token):
    report_id, _ = new_report(csrf_app)
    client = csrf_app.test_client()
    login(client, make_account(csrf_app, "coordinator"))
    page_csrf(client, "/beheer")
    panel = {"panel-theme": "hennep", "panel-urgency": "normaal", "panel-route": "politie",
             "panel-status": "in_behandeling"}
    for action, data in (("notitie", {"note-note": "Eerst bellen."}), ("besluit", panel)):
        response = client.post(f"/beheer/melding/{report_id}/{action}", data=_with_token(data, token))
        assert response.status_code == 400, action
    assert _count(csrf_app, Note) == 0
    with csrf_app.app_context():
        assert db.session.get(Report, report_id).status == "nieuw"


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_user_admin(csrf_app, token):
    client = csrf_app.test_client()
    login(client, make_account(csrf_app, "admin"))
    target = make_account(csrf_app, "triage")
    page_csrf(client, "/beheer/gebruikers")
    for action in ("deactiveren", "wachtwoord_resetten", "rol_wijzigen"):
        response = client.post(
            f"/beheer/gebruikers/{target.id}", data=_with_token({"actie": action, "rol": "admin"}, token)
        )
        assert response.status_code == 400, action
    with csrf_app.app_context():
        user = db.session.get(StaffUser, target.id)
        assert user.active and user.role == "triage" and not user.must_change_password


def test_a_valid_token_is_accepted(csrf_app):
    """The same requests with the page's token do go through (the refusals above are about the token)."""
    report_id, _ = new_report(csrf_app)
    client = csrf_app.test_client()
    login(client, make_account(csrf_app, "admin"))
    token = page_csrf(client, "/beheer")
    data = {"csrf_token": token, "note-note": "Eerst bellen."}
    response = client.post(f"/beheer/melding/{report_id}/notitie", data=data)
    assert response.status_code == 303
    assert _count(csrf_app, Note) == 1
