"""Admins manage staff accounts: unblock, switch off and on, reset the password or the
authenticator, change role and route. Every change is audited; an admin account always remains."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, StaffUser, utcnow
from meldpunt.staff import accounts as staff
from meldpunt.staff import admin as staff_admin
from tests.backoffice.conftest import login, make_account, page_csrf, post_form
from tests.helpers import soup

USERS = "/beheer/gebruikers"


def _user(app, account_id: int) -> StaffUser:
    with app.app_context():
        user = db.session.get(StaffUser, account_id)
        db.session.expunge(user)
        return user


def _act(client, account_id: int, action: str, **extra):
    """The action as confirmed on the confirmation step (``test_outside_tester`` covers the step)."""
    return post_form(client, f"{USERS}/{account_id}", {"actie": action, "bevestigd": "1", **extra}, csrf_from=USERS)


def _changes(app, account_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.change", AuditEvent.object_id == str(account_id))
        ).all()
        return [{"actor": row.actor, **row.details} for row in rows]


def _password_step(client, email: str, password: str):
    return client.post("/beheer/login", data={"csrf_token": page_csrf(client), "email": email, "password": password})


def _flash(response_page) -> str:
    return " ".join(n.get_text(" ", strip=True) for n in soup(response_page).select(".notice"))


def test_reset_password_shows_a_one_time_password_once_and_forces_a_change(app, staff_client):
    admin, _ = staff_client("admin")
    target = make_account(app, "triage")
    own = app.test_client()
    assert login(own, target).status_code == 303
    response = _act(admin, target.id, "wachtwoord_resetten")
    assert response.status_code == 200
    shown = soup(response).select_one(".one-time-password code").get_text(strip=True)
    assert len(shown) >= 12
    assert shown not in admin.get(USERS).get_data(as_text=True)  # once only
    assert own.get("/beheer").status_code == 303  # the user's open session ended
    assert _password_step(app.test_client(), target.email, target.password).status_code == 422
    changes = _changes(app, target.id)
    assert changes[-1]["action"] == "wachtwoord_resetten" and changes[-1]["actor"] == "admin@gemeente.example"
    with app.app_context():
        assert shown not in str(db.session.scalars(select(AuditEvent.details)).all())
    # Signing in with it leads to choosing a password, without showing the authenticator's secret.
    client = app.test_client()
    first = _password_step(client, target.email, shown)
    assert first.headers["Location"].endswith("/beheer/login/instellen")
    page = client.get("/beheer/login/instellen")
    assert target.secret not in page.get_data(as_text=True) and soup(page).select_one("img.qr") is None
    assert soup(page).h1.get_text() == "Kies een nieuw wachtwoord"
    assert client.get("/beheer/login/qr.svg").status_code == 404
    new_password = "een-heel-nieuw-wachtwoord"
    done = client.post(
        "/beheer/login/instellen",
        data={
            "csrf_token": page_csrf(client, "/beheer/login/instellen"), "code": target.code(),
            "new_password": new_password, "repeat_password": new_password,
        },
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/beheer")
    user = _user(app, target.id)
    assert not user.must_change_password and user.totp_confirmed
    assert client.get("/beheer").status_code == 200


def test_reset_totp_makes_the_user_enrol_again(app, staff_client, auth_clock):
    admin, _ = staff_client("admin")
    target = make_account(app, "coordinator")
    own = app.test_client()
    assert login(own, target).status_code == 303
    response = _act(admin, target.id, "totp_resetten")
    assert response.status_code == 303
    assert "opnieuw in" in _flash(admin.get(USERS))
    assert own.get("/beheer").status_code == 303
    user = _user(app, target.id)
    assert not user.totp_confirmed and user.last_totp_step is None
    with app.app_context():
        new_secret = staff.totp_secret(db.session.get(StaffUser, target.id))
    assert new_secret != target.secret
    # The password still works; the next step is the setup with a new QR code.
    client = app.test_client()
    first = _password_step(client, target.email, target.password)
    assert first.headers["Location"].endswith("/beheer/login/instellen")
    page = client.get("/beheer/login/instellen")
    with app.app_context():  # made at this sign-in, not at the reset
        assert staff.totp_secret(db.session.get(StaffUser, target.id)) != new_secret
        new_secret = staff.totp_secret(db.session.get(StaffUser, target.id))
    assert new_secret in page.get_data(as_text=True)
    assert client.get("/beheer/login/qr.svg").status_code == 200
    setup_token = page_csrf(client, "/beheer/login/instellen")
    old_code = client.post("/beheer/login/instellen", data={"csrf_token": setup_token, "code": target.code()})
    assert old_code.status_code == 422  # the old authenticator no longer counts
    done = client.post(
        "/beheer/login/instellen",
        data={
            "csrf_token": page_csrf(client, "/beheer/login/instellen"), "code": pyotp.TOTP(new_secret).at(auth_clock())
        },
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/beheer")
    assert _user(app, target.id).totp_confirmed
    assert _changes(app, target.id)[-1]["action"] == "totp_resetten"


def test_change_role_and_partner_route(app, staff_client):
    admin, _ = staff_client("admin")
    target = make_account(app, "triage")
    assert _act(admin, target.id, "rol_wijzigen", rol="partner", route="politie").status_code == 303
    user = _user(app, target.id)
    assert (user.role, user.route) == ("partner", "politie")
    assert _act(admin, target.id, "rol_wijzigen", rol="partner", route="arbeidsinspectie").status_code == 303
    assert _user(app, target.id).route == "arbeidsinspectie"
    # The route is dropped for other roles, even when the form still sends one.
    assert _act(admin, target.id, "rol_wijzigen", rol="coordinator", route="politie").status_code == 303
    user = _user(app, target.id)
    assert (user.role, user.route) == ("coordinator", None)
    assert "De rol van triage@gemeente.example is nu: Coördinator." in _flash(admin.get(USERS))
    # A partner needs a route; unknown roles and routes are refused; nothing changes.
    for data, message in (
        ({"rol": "partner", "route": ""}, "Kies de route"),
        ({"rol": "partner", "route": "nergens"}, "Kies een route uit de lijst"),
        # Outside test: no report is ever forwarded to "doorverwijzen", so no partner works there.
        ({"rol": "partner", "route": "doorverwijzen"}, "Kies een route uit de lijst"),
        ({"rol": "baas"}, "Kies een rol uit de lijst"),
    ):
        response = _act(admin, target.id, "rol_wijzigen", **data)
        assert response.status_code == 303
        assert message in _flash(admin.get(USERS))
        assert _user(app, target.id).role == "coordinator"
    changes = [c for c in _changes(app, target.id) if c["action"] == "rol_wijzigen"]
    assert changes[0]["before"] == {"role": "triage", "route": None}
    assert changes[0]["after"] == {"role": "partner", "route": "politie"}
    assert changes[-1]["after"] == {"role": "coordinator", "route": None}
    assert len(changes) == 3


def test_users_page_shows_role_and_route_labels(app, staff_client):
    admin, _ = staff_client("admin")
    make_account(app, "partner", route="politie")
    page = soup(admin.get(USERS))
    rows = {row.th.get_text(strip=True): row.find_all("td") for row in page.select("tbody tr")}
    role, route = rows["partner-politie@gemeente.example"][:2]
    assert role.get_text(strip=True) == "Partner" and role.span["title"] == "partner"
    assert route.get_text(strip=True) == "Politie" and route.span["title"] == "politie"
    assert rows["admin@gemeente.example"][0].get_text(strip=True) == "Beheerder"
    offered = {o["value"] for o in page.select("#nieuw-route option")}
    assert "politie" in offered and "doorverwijzen" not in offered


def test_the_last_admin_cannot_be_demoted_or_switched_off(app, staff_client):
    admin, account = staff_client("admin")
    response = _act(admin, account.id, "rol_wijzigen", rol="coordinator")
    assert response.status_code == 303
    assert "minstens één actieve beheerder" in _flash(admin.get(USERS))
    assert _user(app, account.id).role == "admin"
    _act(admin, account.id, "deactiveren")
    assert "eigen account niet uitschakelen" in _flash(admin.get(USERS))
    assert _user(app, account.id).active
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        with pytest.raises(staff_admin.AdminError, match="last_admin"):
            staff_admin.deactivate(user, "cli")
        with pytest.raises(staff_admin.AdminError, match="last_admin"):
            staff_admin.change_role(user, "cli", "triage")
    # With a second active admin, stepping down is allowed, and the other is then the last.
    second = make_account(app, "admin", email="tweede@gemeente.example")
    assert _act(admin, account.id, "rol_wijzigen", rol="coordinator").status_code == 303
    assert _user(app, account.id).role == "coordinator"
    assert admin.get(USERS).status_code == 403
    other = app.test_client()
    login(other, second)
    _act(other, second.id, "rol_wijzigen", rol="triage")
    assert _user(app, second.id).role == "admin"


def test_deactivate_activate_and_unblock(app, staff_client):
    admin, _ = staff_client("admin")
    target = make_account(app, "triage")
    own = app.test_client()
    assert login(own, target).status_code == 303
    assert _act(admin, target.id, "deactiveren").status_code == 303
    assert not _user(app, target.id).active
    assert own.get("/beheer").status_code == 303
    assert _password_step(app.test_client(), target.email, target.password).status_code == 422
    assert _act(admin, target.id, "activeren").status_code == 303
    assert _user(app, target.id).active
    assert _password_step(app.test_client(), target.email, target.password).status_code == 303
    with app.app_context():
        user = db.session.get(StaffUser, target.id)
        user.locked_until = utcnow() + timedelta(minutes=10)
        user.failed_logins = 3
        db.session.commit()
    assert _password_step(app.test_client(), target.email, target.password).status_code == 422
    assert _act(admin, target.id, "deblokkeren").status_code == 303
    user = _user(app, target.id)
    assert user.locked_until is None and user.failed_logins == 0
    # The password step passes again (a full login per step would run out of fresh TOTP codes).
    assert _password_step(app.test_client(), target.email, target.password).status_code == 303
    assert [c["action"] for c in _changes(app, target.id)] == ["deactiveren", "activeren", "deblokkeren"]


def test_unknown_actions_are_refused(app, staff_client):
    admin, _ = staff_client("admin")
    target = make_account(app, "triage")
    assert _act(admin, target.id, "verwijderen").status_code == 400
    assert _changes(app, target.id) == []


# --- the same actions from the command line ------------------------------------------------


def test_cli_reset_password_reset_totp_and_set_role(app):
    target = make_account(app, "triage")
    token_before = _user(app, target.id).session_token
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reset-password", target.email])
    assert result.exit_code == 0, result.output
    password = result.output.split(f"One-time password for {target.email}: ")[1].split()[0]
    user = _user(app, target.id)
    assert user.must_change_password and user.session_token != token_before
    with app.app_context():
        assert staff.check_password(db.session.get(StaffUser, target.id), password)

    result = runner.invoke(args=["reset-totp", target.email])
    assert result.exit_code == 0, result.output
    assert not _user(app, target.id).totp_confirmed

    result = runner.invoke(args=["set-role", target.email, "--role", "partner", "--route", "riec"])
    assert result.exit_code == 0, result.output
    user = _user(app, target.id)
    assert (user.role, user.route) == ("partner", "riec")
    result = runner.invoke(args=["set-role", target.email, "--role", "partner"])
    assert result.exit_code != 0 and "needs --route" in result.output
    result = runner.invoke(args=["set-role", "niemand@gemeente.example", "--role", "triage"])
    assert result.exit_code != 0 and "no account" in result.output

    changes = _changes(app, target.id)
    assert [(c["actor"], c["action"]) for c in changes] == [
        ("cli reset-password", "wachtwoord_resetten"),
        ("cli reset-totp", "totp_resetten"),
        ("cli set-role", "rol_wijzigen"),
    ]


def test_cli_keeps_the_last_admin(app):
    only = make_account(app, "admin")
    result = app.test_cli_runner().invoke(args=["set-role", only.email, "--role", "triage"])
    assert result.exit_code != 0 and "no active admin" in result.output
    assert _user(app, only.id).role == "admin"


def test_the_users_page_has_a_plain_title_and_one_new_account_form(app, staff_client):
    from tests.helpers import soup

    admin, _ = staff_client("admin")
    page = soup(admin.get("/beheer/gebruikers"))
    assert page.title.get_text(strip=True).startswith("Gebruikers"), page.title
    assert "<" not in page.title.get_text() and "form" not in page.title.get_text()
    assert len(page.select("form[action='/beheer/gebruikers/nieuw'], #nieuw-account")) >= 1
    assert len(page.select("#nieuw-account")) == 1
