"""Walk every /beheer URL for every role and check allow/deny against this table.

The table is written out here, independently of meldpunt/staff/access.py: a new
back-office URL fails this test until someone decides who may open it.
"""

from __future__ import annotations

import pytest

from meldpunt.casework import forwarding, templates_service
from meldpunt.extensions import db
from meldpunt.models import StaffUser
from tests import filemakers
from tests.backoffice.conftest import add_attachment, login, make_account, new_report, page_csrf

CASEWORK = {"triage", "coordinator", "admin"}
SIGNED_IN = CASEWORK | {"communicatie", "partner_politie", "partner_riec", "partner_arbeid"}
PUBLIC = "public"

# endpoint -> roles that may use it ("partner_x" = partner account bound to route x).
EXPECTED: dict[str, set[str] | str] = {
    "backoffice.login": PUBLIC,
    "backoffice.login_code": PUBLIC,
    "backoffice.login_setup": PUBLIC,
    "backoffice.setup_qr": PUBLIC,
    "backoffice.extend_login": PUBLIC,  # "Verlengen" between password and code
    "backoffice.extend_session": SIGNED_IN,  # "Verlengen" before the idle limit
    "backoffice.home": SIGNED_IN,
    "backoffice.home_with_slash": PUBLIC,  # only redirects to backoffice.home, which checks the session
    "backoffice.logout": SIGNED_IN,
    "backoffice.report": CASEWORK,
    "backoffice.report_note": CASEWORK,
    "backoffice.report_message": CASEWORK,
    "backoffice.report_link": CASEWORK,
    "backoffice.report_unlink": CASEWORK,
    "backoffice.report_contact": {"coordinator", "admin"},
    # The report below is forwarded to the RIEC and the police, not to the Arbeidsinspectie.
    "backoffice.riec_json": {"coordinator", "admin", "partner_riec"},
    "backoffice.riec_print": {"coordinator", "admin", "partner_riec"},
    "backoffice.attachment": CASEWORK | {"partner_politie", "partner_riec"},
    "backoffice.partner_inbox": {"partner_politie", "partner_riec", "partner_arbeid"},
    "backoffice.partner_report": {"partner_politie", "partner_riec"},
    "backoffice.routing": {"coordinator", "admin"},
    "backoffice.audit_log": {"admin"},
    "backoffice.audit_export": {"admin"},
    "backoffice.users": {"admin"},
    "backoffice.user_update": {"admin"},
    "backoffice.jobs_status": {"admin"},
    "backoffice.triage_model_page": {"admin"},
    "backoffice.stale_reports": {"coordinator", "admin"},
    "backoffice.report_take": CASEWORK,
    "backoffice.report_assign": {"coordinator", "admin"},
    "backoffice.report_panel": CASEWORK,
    "backoffice.queue_bulk": {"coordinator", "admin"},
    "backoffice.message_templates": {"coordinator", "admin"},
    "backoffice.message_template_delete": {"coordinator", "admin"},
    "backoffice.partner_feedback_post": {"partner_politie", "partner_riec"},
    "backoffice.mail_sink": {"admin"},
    "backoffice.report_read": CASEWORK,  # "Gelezen - geen actie nodig"
    "backoffice.report_form_get": CASEWORK,  # a GET of a report form's URL goes back to the report
    "backoffice.user_create": {"admin"},
    "backoffice.users_get": {"admin"},  # a GET of a users form's URL goes back to the users page
}

ROLES = {
    "triage": ("triage", None),
    "coordinator": ("coordinator", None),
    "communicatie": ("communicatie", None),
    "admin": ("admin", None),
    "partner_politie": ("partner", "politie"),
    "partner_riec": ("partner", "riec"),
    "partner_arbeid": ("partner", "arbeidsinspectie"),
}


@pytest.fixture
def world(app):
    app.config["MAIL_SINK_ENABLED"] = True  # the demo's sent-mail page exists (for admins only)
    report_id, _ = new_report(app, anonymous=False, name="Anna", email="anna@example.org", share_identity=True)
    attachment_id = add_attachment(app, report_id, filemakers.png_bytes())
    other_id, _ = new_report(app, text="Een tweede melding over een loods met veel verkeer.")
    coordinator = make_account(app, "coordinator", email="setup@gemeente.example")
    with app.app_context():
        user = db.session.get(StaffUser, coordinator.id)
        forwarding.forward(report_id, user, "riec")
        forwarding.forward(report_id, user, "politie")
        template_id = templates_service.save(user, "hennep", "Vraag naar tijden", "Op welke tijden ziet u dit?").id
    return {"report_id": report_id, "attachment_id": attachment_id, "user_id": coordinator.id, "other_id": other_id,
            "template_id": template_id, "action": "besluit"}


def backoffice_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("backoffice.")),
        key=lambda rule: rule.endpoint,
    )


def build(app, rule, world) -> str:
    values = {arg: world[arg] for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def call(client, rule, url, world):
    if "GET" in rule.methods:
        response = client.get(url)
        # A streamed answer (the audit export) is run to its end and closed now: left
        # open, its contexts are popped whenever it is garbage-collected, in the middle
        # of a later request.
        response.get_data()
        response.close()
        return response
    token = page_csrf(client, "/beheer/login") if not _signed_in(client) else _csrf(client)
    data = {"csrf_token": token, "link-other_id": world["other_id"], "unlink-other_id": world["other_id"]}
    return client.post(url, data=data)


def _signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def _csrf(client) -> str:
    from tests.helpers import soup

    for path in ("/beheer", "/beheer/partner"):
        response = client.get(path, follow_redirects=True)
        meta = soup(response).find("meta", {"name": "csrf-token"})
        if meta is not None:
            return meta["content"]
    raise AssertionError("no csrf token")


def is_login_redirect(response) -> bool:
    return response.status_code in (302, 303) and response.headers["Location"].endswith("/beheer/login")


def test_every_backoffice_url_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in backoffice_rules(app)}
    assert endpoints == set(EXPECTED), f"decide who may use: {endpoints ^ set(EXPECTED)}"


def test_anonymous_visitors_get_only_the_login_pages(app, world):
    client = app.test_client()
    for rule in backoffice_rules(app):
        url = build(app, rule, world)
        response = call(client, rule, url, world)
        if EXPECTED[rule.endpoint] == PUBLIC:
            # Reachable (the code and setup steps send a visitor without a password step back to login).
            assert response.status_code != 403, rule.endpoint
        else:
            assert is_login_redirect(response), (
                f"{rule.endpoint} answered {response.status_code} to an anonymous visitor"
            )


@pytest.mark.parametrize("role_name", sorted(ROLES))
def test_role_matrix(app, world, role_name):
    role, route = ROLES[role_name]
    account = make_account(app, role, route, email=f"{role_name}@matrix.example")
    client = app.test_client()
    assert login(client, account).status_code == 303
    rules = [r for r in backoffice_rules(app) if EXPECTED[r.endpoint] != PUBLIC]
    # Logging out ends the session: walk it last.
    rules.sort(key=lambda r: r.endpoint == "backoffice.logout")
    for rule in rules:
        url = build(app, rule, world)
        response = call(client, rule, url, world)
        allowed = role_name in EXPECTED[rule.endpoint]
        if rule.endpoint == "backoffice.logout":
            # Allowed means: it really signed out (and so answers with the login page).
            assert allowed and is_login_redirect(response)
            assert is_login_redirect(client.get("/beheer"))
        elif allowed:
            assert response.status_code not in (401, 403, 404) and not is_login_redirect(response), (
                f"{role_name} should be allowed {rule.endpoint} ({url}) but got {response.status_code}"
            )
        else:
            assert response.status_code in (403, 404), (
                f"{role_name} should be refused {rule.endpoint} ({url}) but got {response.status_code}"
            )


def test_communicatie_sees_no_report_content(app, world, staff_client):
    client, _ = staff_client("communicatie")
    page = client.get("/beheer").get_data(as_text=True)
    assert "/statistiek" in page
    assert "wietlucht" not in page
    assert client.get(f"/beheer/melding/{world['report_id']}").status_code == 403


def test_a_refused_or_missing_staff_page_stays_in_the_staff_frame(app, staff_client):
    """A 403 or 404 under /beheer is shown with the staff navigation and footer and a way
    back to the work queue, not on the reporters' page with its 112 banner."""
    from tests.helpers import soup

    client, _account = staff_client("communicatie")
    for path, code in (("/beheer/taken", 403), ("/beheer/bestaat-niet", 404)):
        response = client.get(path)
        assert response.status_code == code, path
        page = soup(response)
        assert page.select_one("body.staff") is not None, path
        assert page.select_one("footer.staff-footer") is not None, path
        assert page.select_one('a[href="/beheer"]') is not None, path
    # Signed out: the way back is the sign-in page.
    anonymous = app.test_client().get("/beheer/bestaat-niet")
    assert anonymous.status_code == 404
    assert soup(anonymous).select_one('a[href="/beheer/login"]') is not None
    # Reporters keep their own layout.
    public = app.test_client().get("/bestaat-niet")
    assert public.status_code == 404 and soup(public).select_one("body.staff") is None
