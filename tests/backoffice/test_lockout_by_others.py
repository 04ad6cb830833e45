"""Nobody can lock a staff member out of their own browser, and the lock is no oracle."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from meldpunt.extensions import db
from meldpunt.models import StaffUser
from meldpunt.staff import accounts as staff
from meldpunt.staff import device
from tests.backoffice.conftest import login, make_account, page_csrf


def _password_step(client, email, password):
    return client.post("/beheer/login", data={"csrf_token": page_csrf(client), "email": email, "password": password})


def _lock_from_elsewhere(app, account) -> None:
    attacker = app.test_client()
    for _ in range(5):
        assert _password_step(attacker, account.email, "geraden-wachtwoord-1").status_code == 422
    with app.app_context():
        assert db.session.get(StaffUser, account.id).locked_until is not None
    # The attacker's own browser stays locked out, even with the right password.
    assert _password_step(attacker, account.email, account.password).status_code == 422


def test_an_attacker_cannot_lock_the_staff_member_out_of_their_own_browser(app):
    account = make_account(app, "coordinator")
    own = app.test_client()
    assert login(own, account).status_code == 303
    assert own.get_cookie(device.COOKIE, domain="meldpunt.test", path="/beheer") is not None
    own.post("/beheer/uitloggen", data={"csrf_token": page_csrf(own, "/beheer")})

    _lock_from_elsewhere(app, account)

    assert login(own, account).status_code == 303  # the usual browser signs in all the same
    assert own.get("/beheer").status_code == 200


def test_a_new_browser_stays_locked_and_a_password_change_revokes_old_devices(app):
    account = make_account(app, "coordinator")
    own = app.test_client()
    assert login(own, account).status_code == 303
    own.post("/beheer/uitloggen", data={"csrf_token": page_csrf(own, "/beheer")})
    _lock_from_elsewhere(app, account)
    assert _password_step(app.test_client(), account.email, account.password).status_code == 422
    with app.app_context():  # an admin resets the password: every device cookie is void
        user = db.session.get(StaffUser, account.id)
        user.password_hash = staff.hash_password("een-heel-ander-wachtwoord")
        db.session.commit()
    assert _password_step(own, account.email, "een-heel-ander-wachtwoord").status_code == 422


def test_a_forged_device_cookie_is_ignored(app):
    account = make_account(app, "coordinator")
    _lock_from_elsewhere(app, account)
    other = app.test_client()
    other.set_cookie(device.COOKIE, "eyJ1IjoxfQ.forged.signature", domain="meldpunt.test", path="/beheer")
    assert _password_step(other, account.email, account.password).status_code == 422


def test_locked_unknown_and_wrong_paths_do_the_same_password_work(app, monkeypatch):
    """The audit measured 0.05 s for a locked account and 0.57 s for an unknown one:
    every path must run argon2 exactly once."""
    account = make_account(app, "triage")
    _lock_from_elsewhere(app, account)
    calls: list[str] = []
    real_hash, real_check = staff.hash_password, staff.check_password
    monkeypatch.setattr(staff, "hash_password", lambda p: calls.append("hash") or real_hash(p))
    monkeypatch.setattr(staff, "check_password", lambda u, p: calls.append("check") or real_check(u, p))
    client = app.test_client()
    for email in (account.email, "niemand@gemeente.example"):
        calls.clear()
        assert _password_step(client, email, "nog-een-gok-123").status_code == 422
        assert len(calls) == 1, (email, calls)


def test_the_authenticator_qr_code_is_a_drawable_svg_image(app):
    account = make_account(app, "triage", ready=False)
    client = app.test_client()
    first = _password_step(client, account.email, account.password)
    assert first.headers["Location"].endswith("/beheer/login/instellen")
    response = client.get("/beheer/login/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)  # noqa: S314  # our own response, not untrusted input
    assert root.tag == "{http://www.w3.org/2000/svg}svg"  # the namespace browsers need
