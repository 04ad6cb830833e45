"""Staff sign-in: password + TOTP, lock-out, first-login setup, idle timeout, logout."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, StaffUser, utcnow
from meldpunt.staff import accounts as staff
from tests.backoffice.conftest import PASSWORD, login, make_account, page_csrf
from tests.helpers import soup


def _user(app, account) -> StaffUser:
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        db.session.expunge(user)
        return user


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _password_step(client, email, password):
    return client.post("/beheer/login", data={"csrf_token": page_csrf(client), "email": email, "password": password})


def test_password_and_totp_sign_in(app, client):
    account = make_account(app, "triage")
    assert client.get("/beheer").headers["Location"].endswith("/beheer/login")
    response = login(client, account)
    assert response.status_code == 303
    page = client.get("/beheer")
    assert page.status_code == 200
    assert "Werkvoorraad" in page.get_data(as_text=True)
    assert "login" in _actions(app)


def test_wrong_code_is_refused_and_a_code_cannot_be_replayed(app):
    account = make_account(app, "triage")
    client = app.test_client()
    wrong = login(client, account, code="000000" if pyotp.TOTP(account.secret).now() != "000000" else "111111")
    assert wrong.status_code == 422
    assert "Deze code klopt niet" in wrong.get_data(as_text=True)
    code = account.code()
    assert login(client, account, code=code).status_code == 303
    other = app.test_client()
    replay = login(other, account, code=code)
    assert replay.status_code == 422
    assert other.get("/beheer").status_code == 303


def test_unknown_account_and_wrong_password_look_the_same(app, client):
    make_account(app, "triage")
    unknown = _password_step(client, "niemand@gemeente.example", PASSWORD)
    wrong = _password_step(client, "triage@gemeente.example", "verkeerd-wachtwoord")
    assert unknown.status_code == wrong.status_code == 422
    assert soup(unknown).select_one(".error-summary").get_text() == soup(wrong).select_one(".error-summary").get_text()


def test_lock_out_after_five_failures_for_fifteen_minutes(app, client, auth_clock):
    account = make_account(app, "coordinator")
    for _ in range(5):
        assert _password_step(client, account.email, "fout-wachtwoord-123").status_code == 422
    user = _user(app, account)
    assert user.locked_until is not None
    assert user.locked_until - auth_clock() == timedelta(minutes=15)
    # The right password is refused while locked.
    locked = _password_step(client, account.email, account.password)
    assert locked.status_code == 422
    assert client.get("/beheer").status_code == 303
    assert "login.locked" in _actions(app)
    # Still locked a second before the fifteen minutes are over; then it works again.
    auth_clock.advance(minutes=15, seconds=-1)
    assert _password_step(client, account.email, account.password).status_code == 422
    auth_clock.advance(seconds=1)
    assert login(client, account).status_code == 303
    assert client.get("/beheer").status_code == 200


def test_wrong_codes_count_towards_the_lock_out(app, client):
    account = make_account(app, "triage")
    bad = "123456" if pyotp.TOTP(account.secret).now() != "123456" else "654321"
    for attempt in range(5):
        response = login(client, account, code=bad)
        if attempt < 4:
            assert response.status_code == 422
    assert response.status_code == 303 and response.headers["Location"].endswith("/beheer/login")
    assert _user(app, account).locked_until > utcnow()


def test_first_login_sets_up_totp_with_a_server_made_qr_code(app, client):
    account = make_account(app, "admin", ready=False)
    first = _password_step(client, account.email, account.password)
    assert first.headers["Location"].endswith("/beheer/login/instellen")
    page = client.get("/beheer/login/instellen")
    html = page.get_data(as_text=True)
    # The secret is made at this sign-in: not the one made when the account was created.
    assert account.secret not in html
    with app.app_context():
        account.secret = staff.totp_secret(db.session.get(StaffUser, account.id))
    assert account.secret in html
    img = soup(page).select_one("img.qr")
    assert img["src"] == "/beheer/login/qr.svg" and img["alt"]
    qr = client.get("/beheer/login/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).lstrip().startswith("<svg")
    token = page_csrf(client, "/beheer/login/instellen")
    short = client.post(
        "/beheer/login/instellen",
        data={"csrf_token": token, "code": account.code(), "new_password": "kort", "repeat_password": "kort"},
    )
    assert short.status_code == 422
    assert "minstens 12 tekens" in short.get_data(as_text=True)
    new_password = "mijn-eigen-sterke-wachtwoord"
    done = client.post(
        "/beheer/login/instellen",
        data={
            "csrf_token": token, "code": account.code(), "new_password": new_password, "repeat_password": new_password
        },
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/beheer")
    user = _user(app, account)
    assert user.totp_confirmed and not user.must_change_password
    assert "totp.setup" in _actions(app)
    # The QR code is not available once set up, nor to anyone without a pending setup.
    assert app.test_client().get("/beheer/login/qr.svg").status_code == 404
    # The one-time password no longer works; the new one does, with a code.
    other = app.test_client()
    assert _password_step(other, account.email, account.password).status_code == 422
    account.password = new_password
    assert login(other, account).status_code == 303


def test_idle_session_expires_after_fifteen_minutes(app, staff_client):
    client, _account = staff_client("triage")
    assert client.get("/beheer").status_code == 200
    with client.session_transaction() as session:
        session["bo_seen"] = time.time() - 14 * 60
    assert client.get("/beheer").status_code == 200  # activity keeps it alive
    with client.session_transaction() as session:
        session["bo_seen"] = time.time() - 16 * 60
    expired = client.get("/beheer")
    assert expired.status_code == 303 and expired.headers["Location"].endswith("/beheer/login")
    assert "niet actief" in client.get("/beheer/login").get_data(as_text=True)
    assert client.get("/beheer").status_code == 303
    assert "session.expired" in _actions(app)


def test_session_is_rotated_at_login_and_killed_at_logout(app):
    account = make_account(app, "triage")
    client = app.test_client()
    client.get("/beheer/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, account)
    with client.session_transaction() as session:
        assert "planted" not in session
        stolen = dict(session)
    token_before = _user(app, account).session_token
    response = client.post("/beheer/uitloggen", data={"csrf_token": page_csrf(client, "/beheer")})
    assert response.status_code == 303
    assert _user(app, account).session_token != token_before
    assert "logout" in _actions(app)
    # A copy of the old cookie no longer signs anyone in.
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
        session["bo_seen"] = time.time()
    assert thief.get("/beheer").status_code == 303


def test_create_user_command_prints_the_password_but_no_second_factor(app):
    runner = app.test_cli_runner()
    with app.app_context():
        result = runner.invoke(
            args=["create-user", "partner@politie.example", "--role", "partner", "--route", "politie"]
        )
    assert result.exit_code == 0, result.output
    assert "One-time password:" in result.output
    # The authenticator's secret is made at the first sign-in, never printed by a command.
    assert "otpauth://totp/" not in result.output and "TOTP secret" not in result.output
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == "partner@politie.example"))
        assert user.role == "partner" and user.route == "politie" and not user.totp_confirmed


def _session_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def test_login_rotates_the_session_identifier_and_ends_older_sessions(app):
    account = make_account(app, "triage")
    before = _user(app, account).session_token
    first = app.test_client()
    login(first, account)
    first_id = _session_id(first)
    assert first_id and first_id != before
    assert first_id == _user(app, account).session_token
    with first.session_transaction() as session:
        captured = dict(session)
    # A session cookie made before this login (here: with the identifier the account
    # had before it) signs nobody in afterwards.
    planted = app.test_client()
    with planted.session_transaction() as session:
        session.update({"_user_id": before, "_fresh": True, "bo_seen": time.time()})
    assert planted.get("/beheer").status_code == 303
    # A second login of the same account gets another identifier; the first session ends.
    second = app.test_client()
    login(second, account)
    assert _session_id(second) not in (None, before, first_id)
    assert second.get("/beheer").status_code == 200
    assert first.get("/beheer").status_code == 303
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(captured)
        session["bo_seen"] = time.time()
    assert thief.get("/beheer").status_code == 303


def test_the_cookie_from_before_the_login_is_not_the_signed_in_one(app):
    account = make_account(app, "triage")
    client = app.test_client()
    token = page_csrf(client)
    client.post("/beheer/login", data={"csrf_token": token, "email": account.email, "password": account.password})
    cookie_before = client.get_cookie("meldpunt_session", domain="meldpunt.test").value
    code = client.post(
        "/beheer/login/code", data={"csrf_token": page_csrf(client, "/beheer/login/code"), "code": account.code()}
    )
    assert code.status_code == 303
    assert client.get_cookie("meldpunt_session", domain="meldpunt.test").value != cookie_before
    replay = app.test_client()
    replay.set_cookie("meldpunt_session", cookie_before, domain="meldpunt.test")
    assert replay.get("/beheer").status_code == 303


def _hash_parameters(app) -> str:
    """The argon2 parameters in a hash the app makes, e.g. ``m=65536,t=3,p=4``."""
    from meldpunt.staff import accounts as staff

    with app.app_context():
        made = staff.hash_password("een-lang-genoeg-wachtwoord")
    algorithm, version, parameters = made.split("$")[1:4]
    assert (algorithm, version) == ("argon2id", "v=19")
    return parameters


STRONG = "m=65536,t=3,p=4"  # argon2id as before configurable parameters: argon2-cffi's defaults


def _production_environment(monkeypatch):
    """Production refuses to start without its keys from outside (tests/test_production_keys.py)."""
    from cryptography.fernet import Fernet

    monkeypatch.setenv("MELDPUNT_ENV", "production")
    monkeypatch.setenv("MELDPUNT_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("MELDPUNT_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("MELDPUNT_RECEIPT_KEY", "r" * 48)


def test_only_testing_hashes_passwords_cheaply(app_factory, monkeypatch):
    assert _hash_parameters(app_factory()) == "m=8192,t=1,p=1"
    assert _hash_parameters(app_factory(TESTING=False)) == STRONG
    # Production is strong even if something set TESTING there.
    _production_environment(monkeypatch)
    production = app_factory()
    assert production.config["ENV"] == "production" and production.config["TESTING"] is True
    assert _hash_parameters(production) == STRONG


def test_production_config_uses_the_strong_password_hash(tmp_path, monkeypatch):
    from meldpunt.config import load_config

    _production_environment(monkeypatch)
    assert load_config({"DATA_DIR": str(tmp_path)})["PASSWORD_HASH"] == {
        "time_cost": 3, "memory_cost": 65536, "parallelism": 4,
    }
    monkeypatch.delenv("MELDPUNT_ENV")
    assert load_config({"DATA_DIR": str(tmp_path)})["PASSWORD_HASH"]["time_cost"] == 3  # development
    assert load_config({"DATA_DIR": str(tmp_path), "TESTING": True})["PASSWORD_HASH"]["time_cost"] == 1


def test_a_strong_hash_signs_in_under_cheap_parameters_and_back(app_factory, client):
    """Hashes carry their parameters: accounts made in production still sign in anywhere."""
    from meldpunt.staff import accounts as staff

    app = client.application
    account = make_account(app, "triage")
    with app_factory(TESTING=False).app_context():
        strong = staff.hash_password(account.password)
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        user.password_hash = strong
        db.session.commit()
        assert staff.check_password(user, account.password)
        assert not staff.check_password(user, "een-ander-wachtwoord-123")
    assert login(client, account).status_code == 303
