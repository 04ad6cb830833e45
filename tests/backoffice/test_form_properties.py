"""Property-based: arbitrary input at every back-office form never causes a server
error, and never leaves the database half-changed.

Every POST rule under /beheer is exercised (a guard test checks that none is
missed), plus the queue filters (GET) with arbitrary query parameters.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from meldpunt.extensions import db
from tests.backoffice.conftest import make_account, new_report, page_csrf, sign_in

# Any Unicode a browser can send (lone surrogates cannot be encoded by any client;
# broken UTF-8 bytes are sent raw in test_broken_utf8_is_handled below).
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["", " ", "\x00", "\u202e", "x" * 12_000, "<script>alert(1)</script>" * 3, "-1", "0", "1", "2",
     "99999999999999999999999", "2147483648", "1e3", " 123 456 ", "000000", "nan",
     "Nodig om de melder terug te bellen", "<b></b>", "\x00\x01", "<i> </i>"]
)

ALLOWED = {200, 303, 400, 404, 422}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _codes():
    from meldpunt.models import OUTCOMES, STATUSES
    from triage.taxonomy import ROUTES, THEMES, URGENCIES

    return THEMES, URGENCIES, ROUTES, STATUSES, OUTCOMES


THEMES, URGENCIES, ROUTES, STATUSES, OUTCOMES = _codes()
# Valid codes too, so that examples also get past validation and change things.
value = any_text | st.sampled_from([*THEMES, *URGENCIES, *ROUTES, *STATUSES, *OUTCOMES])


def pairs(fields: list[str], max_size: int = 12):
    """Fields in any order, any number of times (duplicated), or not at all (missing)."""
    return st.lists(st.tuples(st.sampled_from(fields), value), max_size=max_size)


def consistent(app) -> None:
    """No half-stored change: every report whole, only known codes, the audit chain intact."""
    from meldpunt.models import (
        Forward,
        Message,
        Note,
        Report,
        ReportLink,
        StatusEvent,
        TriageDecision,
        TriageSuggestion,
    )
    from meldpunt.staff import audit

    with app.app_context():
        reports = db.session.scalars(select(Report)).all()
        for report in reports:
            assert report.suggestion is not None, report.id
            assert report.status_events, report.id
            assert report.status in STATUSES and report.status == report.status_events[-1].status
            assert report.outcome is None or report.outcome in OUTCOMES
            assert report.theme in THEMES and report.urgency in URGENCIES and report.route in ROUTES
            if report.decisions:
                last = report.decisions[-1]
                assert (report.theme, report.urgency, report.route) == (last.theme, last.urgency, last.route)
        ids = {r.id for r in reports}
        assert db.session.scalar(select(func.count()).select_from(TriageSuggestion)) == len(ids)
        for row in db.session.scalars(select(TriageDecision)):
            assert row.theme in THEMES and row.urgency in URGENCIES and row.route in ROUTES, row.id
        for row in db.session.scalars(select(StatusEvent)):
            assert row.status in STATUSES and (row.outcome is None or row.outcome in OUTCOMES)
        for row in db.session.scalars(select(Forward)):
            assert row.route in ROUTES and row.report_id in ids
        for row in db.session.scalars(select(Message)):
            assert row.sender in {"staff", "reporter"} and row.report_id in ids
        assert db.session.scalar(select(func.count()).select_from(Note).where(Note.report_id.not_in(ids))) == 0
        for row in db.session.scalars(select(ReportLink)):
            assert row.report_id != row.other_id and {row.report_id, row.other_id} <= ids
        check = audit.verify_chain()
        assert check.ok, check
        db.session.remove()


def forge_session(app, client, account, pending: str | None = None) -> None:
    """Put ``account`` in the client's session: signed in, or halfway (``pending`` stage).

    Signing in for real needs a fresh TOTP code each time, and codes cannot be
    replayed; the session holds only what the login views would put there."""
    from meldpunt.models import StaffUser

    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        token = user.session_token
        db.session.remove()
    with client.session_transaction() as session:
        session.clear()
        if pending:
            session["bo_pending"] = {"uid": account.id, "token": token, "at": time.time(), "stage": pending}
        else:
            session["_user_id"] = token
            session["_fresh"] = True
            session["bo_seen"] = time.time()
            session.permanent = True


def unlock(app, account) -> None:
    from meldpunt.models import StaffUser

    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        user.locked_until = None
        user.failed_logins = 0
        db.session.commit()
        db.session.remove()


# --- every POST rule under /beheer is covered -------------------------------------------

COVERED = {
    "backoffice.login", "backoffice.login_code", "backoffice.login_setup", "backoffice.logout",
    "backoffice.report_note",
    "backoffice.report_message", "backoffice.report_link", "backoffice.report_unlink",
    "backoffice.report_contact", "backoffice.user_update",
    "backoffice.routing",  # fuzzed in test_routing_settings.py
    "backoffice.triage_model_page",  # fuzzed in test_triage_retrain.py
    # No fields: the two "Verlengen" endpoints of the time-limit warnings (test_time_limits.py).
    "backoffice.extend_session", "backoffice.extend_login",
    "backoffice.report_panel", "backoffice.report_take", "backoffice.report_assign",
    "backoffice.queue_bulk", "backoffice.message_templates", "backoffice.message_template_delete",
    "backoffice.partner_feedback_post",
    "backoffice.report_read", "backoffice.user_create",
}


def test_every_backoffice_post_form_is_fuzzed(app):
    posts = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/beheer") and "POST" in (rule.methods or ())
    }
    assert posts <= COVERED, f"new back-office forms without a property test: {posts - COVERED}"


# --- report forms (coordinator) ------------------------------------------------------------

REPORT_FORMS = {
    "notitie": ["note-note", "note"],
    "bericht": ["message-message", "message", "sjabloon"],
    "koppelen": ["link-other_id", "other_id"],
    "ontkoppelen": ["unlink-other_id", "other_id"],
    "contactgegevens": ["contact-reason", "reason"],
    "besluit": ["panel-theme", "panel-urgency", "panel-route", "panel-status", "panel-outcome", "panel-forward_to",
                "weergave", "status"],
    "oppakken": ["take-x"],
    "toewijzen": ["assign-assignee"],
    "gelezen": ["read-x"],
}


def _state(app) -> dict:
    """Set-up made once per app: hypothesis runs all examples of a test on one fixture."""
    return app.extensions.setdefault("test_form_properties", {})


def _casework(app) -> dict:
    """Once per app (hypothesis reuses function-scoped fixtures): reports and a coordinator."""
    state = _state(app)
    if "reports" not in state:
        report_ids = [
            new_report(app)[0],
            new_report(app, anonymous=False, name="Karin de Vries", email="karin@example.org", phone="0687654321")[0],
            new_report(app, "Steeds andere mensen in een busje, ze werken dag en nacht in de kwekerij.")[0],
        ]
        client, account = sign_in(app, "coordinator")
        state.update(client=client, account=account, reports=report_ids)
    return state


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    form=st.sampled_from(sorted(REPORT_FORMS)),
    target=st.sampled_from([0, 0, 1, 1, 2, 999_999, 2**31, 10**20]),
    data=st.data(),
    with_csrf=st.integers(0, 4).map(bool),  # mostly a valid token, to get past CSRF
)
def test_report_forms_never_fail(app, form, target, data, with_csrf):
    state = _casework(app)
    client = state["client"]
    report_id = state["reports"][target] if target < 3 else target
    fields = REPORT_FORMS[form] + ["csrf_token", "x"]
    sent = MultiDict(data.draw(pairs(fields), label="pairs"))
    if data.draw(st.booleans(), label="valid codes"):
        # Valid choices for the prefixed fields, so that changes get stored too.
        choices = {"panel-theme": THEMES, "panel-urgency": URGENCIES, "panel-route": ROUTES,
                   "panel-status": STATUSES, "panel-outcome": OUTCOMES, "panel-forward_to": ROUTES,
                   "assign-assignee": ["1", "2", "3"]}
        for name in REPORT_FORMS[form]:
            if name in choices:
                # First, so that it is the value read (duplicates after it are ignored).
                sent.setlist(name, [data.draw(st.sampled_from(choices[name]), label=name), *sent.getlist(name)])
    # Other reports' numbers, so that links can succeed.
    if form in {"koppelen", "ontkoppelen"} and data.draw(st.booleans(), label="real other"):
        other = data.draw(st.sampled_from(state["reports"]), label="other")
        sent.add(f"{'link' if form == 'koppelen' else 'unlink'}-other_id", str(other))
    if with_csrf:
        sent["csrf_token"] = page_csrf(client, "/beheer")
    response = client.post(f"/beheer/melding/{report_id}/{form}", data=sent)
    event(f"{form}: {response.status_code}")
    assert response.status_code in ALLOWED, (form, response.status_code)
    assert response.status_code != 404 or target >= 999_999
    # Still signed in: nothing here ends the session.
    assert client.get("/beheer").status_code in {200, 422}
    consistent(app)


# --- queue filters and search (GET) --------------------------------------------------------

QUEUE_ARGS = ["q", "weergave", "status", "theme", "urgency", "route", "review", "van", "tot", "postcode", "bijlagen",
              "melder", "pagina", "csrf_token", "x"]
date_like = st.dates().map(str) | st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "31-12-2025", "2025-1-1"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.lists(st.tuples(st.sampled_from(QUEUE_ARGS), value | date_like), max_size=14))
@example(args=[("q", "a\x00b")])  # NUL in a search: PostgreSQL refuses it in a text parameter
@example(args=[("pagina", "9" * 30), ("status", "alle")])
def test_queue_filters_never_fail(app, args):
    client = _casework(app)["client"]
    response = client.get("/beheer", query_string=MultiDict(args))
    event(f"queue: {response.status_code}")
    assert response.status_code in {200, 422}, response.status_code


# --- bulk actions, templates and partner feedback --------------------------------------------

OTHER_FORMS = {
    "/beheer/bulk": ["bulk-action", "bulk-assignee", "bulk-outcome", "melding", "weergave"],
    "/beheer/sjablonen": ["template-theme", "template-title", "template-body"],
    "/beheer/sjablonen/1/verwijderen": ["delete-x"],
    "/beheer/sjablonen/99999999999/verwijderen": ["delete-x"],
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(sorted(OTHER_FORMS)), data=st.data(), with_csrf=st.integers(0, 4).map(bool))
def test_bulk_and_template_forms_never_fail(app, path, data, with_csrf):
    state = _casework(app)
    client = state["client"]
    sent = MultiDict(data.draw(pairs(OTHER_FORMS[path] + ["csrf_token", "x"]), label="pairs"))
    if data.draw(st.booleans(), label="valid"):
        sent.setlist("bulk-action", [data.draw(st.sampled_from(["toewijzen", "niet_ontvankelijk"]))])
        sent.setlist("bulk-outcome", [data.draw(st.sampled_from(OUTCOMES))])
        sent.setlist("melding", [str(i) for i in state["reports"]])
        sent.setlist("template-theme", [data.draw(st.sampled_from(THEMES))])
    if with_csrf:
        sent["csrf_token"] = page_csrf(client, "/beheer")
    response = client.post(path, data=sent)
    event(f"{path}: {response.status_code}")
    assert response.status_code in ALLOWED, (path, response.status_code)
    assert client.get("/beheer").status_code in {200, 422}
    consistent(app)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.lists(st.tuples(st.sampled_from(["feedback-outcome", "feedback-question", "csrf_token", "x"]),
                               value | st.sampled_from(OUTCOMES)), max_size=6),
       target=st.sampled_from([0, 1, 2**31, 10**20]), with_csrf=st.integers(0, 4).map(bool))
def test_partner_feedback_form_never_fails(app, sent, target, with_csrf):
    state = _casework(app)
    if "partner" not in state:
        from meldpunt.casework import forwarding
        from meldpunt.models import StaffUser

        with app.app_context():
            forwarding.forward(state["reports"][0], db.session.get(StaffUser, state["account"].id), "politie")
            db.session.remove()
        state["partner"] = sign_in(app, "partner", "politie")[0]
    client = state["partner"]
    form = MultiDict(sent)
    if with_csrf:
        form["csrf_token"] = page_csrf(client, "/beheer/partner")
    report_id = state["reports"][target] if target < 3 else target
    response = client.post(f"/beheer/partner/melding/{report_id}/terugkoppeling", data=form)
    assert response.status_code in ALLOWED, response.status_code
    assert response.status_code != 404 or target != 0
    consistent(app)


# --- sign-in forms -----------------------------------------------------------------------------

LOGIN_FIELDS = ["email", "password", "code", "new_password", "repeat_password", "csrf_token", "x"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    step=st.sampled_from(["login", "login/code", "login/instellen"]),
    sent=st.lists(st.tuples(st.sampled_from(LOGIN_FIELDS), value), max_size=8),
    known_email=st.booleans(),
)
def test_login_forms_never_fail(app, step, sent, known_email):
    state = _state(app)
    if "setup" not in state:
        state["code"] = make_account(app, "triage", email="code@gemeente.example")
        state["setup"] = make_account(app, "triage", email="setup@gemeente.example", ready=False)
    client = app.test_client()
    data = MultiDict(sent)
    if step == "login" and known_email:
        data.setlist("email", [state["code"].email])
    if step == "login/code":
        unlock(app, state["code"])
        forge_session(app, client, state["code"], pending="code")
    elif step == "login/instellen":
        unlock(app, state["setup"])
        forge_session(app, client, state["setup"], pending="setup")
    data["csrf_token"] = page_csrf(client, f"/beheer/{step}")
    response = client.post(f"/beheer/{step}", data=data)
    event(f"{step}: {response.status_code}")
    assert response.status_code in {200, 303, 400, 422}, response.status_code
    if response.status_code == 303:
        # Never signed in by arbitrary input.
        assert not response.headers["Location"].endswith("/beheer")
    consistent(app)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sent=st.lists(st.tuples(st.sampled_from(["csrf_token", "x", "next"]), value), max_size=5),
    with_csrf=st.booleans(),
)
def test_logout_never_fails(app, sent, with_csrf):
    state = _state(app)
    if "account" not in state:
        state["account"] = make_account(app, "coordinator")
    client = app.test_client()
    forge_session(app, client, state["account"])
    data = MultiDict(sent)
    if with_csrf:
        data["csrf_token"] = page_csrf(client, "/beheer")
    response = client.post("/beheer/uitloggen", data=data)
    assert response.status_code in {303, 400}, response.status_code
    consistent(app)


# --- user administration (admin) ----------------------------------------------------------


@FUZZ
@given(
    sent=st.lists(st.tuples(st.sampled_from(["email", "rol", "route", "csrf_token", "x"]),
                            value | st.sampled_from(["admin", "partner", "triage", "a@b.nl", "x@y"])), max_size=8),
    with_csrf=st.integers(0, 4).map(bool),
)
def test_user_create_never_fails(app, sent, with_csrf):
    state = _state(app)
    if "creator" not in state:
        admin = make_account(app, "admin", email="creator@gemeente.example")
        client = app.test_client()
        forge_session(app, client, admin)
        state["creator"] = client
    client = state["creator"]
    data = MultiDict(sent)
    if with_csrf:
        data["csrf_token"] = page_csrf(client, "/beheer/gebruikers")
    response = client.post("/beheer/gebruikers/nieuw", data=data)
    event(f"create: {response.status_code}")
    assert response.status_code in {200, 400, 422}, response.status_code
    assert client.get("/beheer/gebruikers").status_code == 200
    consistent(app)


@FUZZ
@given(
    target=st.sampled_from(["admin", "other", "partner", "missing", "huge"]),
    sent=st.lists(st.tuples(st.sampled_from(["actie", "active", "csrf_token", "x"]),
                            value | st.sampled_from(["deblokkeren", "deactiveren", "activeren", "y"])), max_size=8),
    action=st.sampled_from([None, "deblokkeren", "deactiveren", "activeren"]),
    with_csrf=st.integers(0, 4).map(bool),
)
def test_user_admin_never_fails(app, target, sent, action, with_csrf):
    state = _state(app)
    if "admin" not in state:
        admin = make_account(app, "admin")
        client = app.test_client()
        forge_session(app, client, admin)
        state.update(
            client=client, admin=admin.id, other=make_account(app, "triage").id,
            partner=make_account(app, "partner", route="politie").id, missing=999_999, huge=2**31,
        )
    client = state["client"]
    data = MultiDict(sent)
    if action:
        data.setlist("actie", [action, *data.getlist("actie")])
    if with_csrf:
        data["csrf_token"] = page_csrf(client, "/beheer/gebruikers")
    response = client.post(f"/beheer/gebruikers/{state[target]}", data=data)
    event(f"{target}: {response.status_code}")
    # 200: "deactiveren" without "bevestigd" shows the confirmation step and changes nothing.
    assert response.status_code in {200, 303, 400, 404}, response.status_code
    # The admin never switches itself off.
    assert client.get("/beheer/gebruikers").status_code == 200
    consistent(app)


# --- raw bytes that are not UTF-8 -----------------------------------------------------------


def test_broken_utf8_is_handled(app):
    state = _casework(app)
    client, report_id = state["client"], state["reports"][0]
    token = page_csrf(client, "/beheer").encode()
    broken = b"%FF%FE%C3%28 kapotte tekst " * 3
    panel = b"panel-theme=hennep&panel-urgency=normaal&panel-route=politie"
    bodies = [
        ("notitie", b"note-note=" + broken),
        ("bericht", b"message-message=" + broken),
        ("contactgegevens", b"contact-reason=" + broken),
        ("besluit", b"panel-theme=" + broken + b"&panel-urgency=acuut&panel-route=politie"),
        ("besluit", panel + b"&panel-status=" + broken),
        ("koppelen", b"link-other_id=" + broken),
        ("ontkoppelen", b"unlink-other_id=" + broken),
        ("besluit", panel + b"&panel-forward_to=" + broken),
    ]
    for form, body in bodies:
        response = client.post(
            f"/beheer/melding/{report_id}/{form}", data=b"csrf_token=" + token + b"&" + body,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code in ALLOWED, (form, response.status_code)
    response = client.get("/beheer?q=%FF%FE%C3%28&postcode=%C3%28&van=%FF")
    assert response.status_code in {200, 422}
    login = app.test_client()
    token = page_csrf(login).encode()
    response = login.post(
        "/beheer/login", data=b"csrf_token=" + token + b"&email=%FF%FE@x.nl&password=" + broken,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in {200, 303, 400, 422}
    consistent(app)


def test_cases_found_by_fuzzing(app):
    """Server errors these tests found, kept as plain regression cases."""
    state = _casework(app)
    client, report_id = state["client"], state["reports"][0]
    cases = [
        # Text that sanitising leaves empty (control characters, markup only).
        ("bericht", {"message-message": "\x00"}, 422),
        ("bericht", {"message-message": "<b></b>"}, 422),
        ("notitie", {"note-note": "\x00\x01"}, 422),
        ("notitie", {"note-note": "<i> </i>"}, 422),
        # Report numbers beyond a 32-bit database integer.
        ("koppelen", {"link-other_id": "2147483648"}, 422),
        ("ontkoppelen", {"unlink-other_id": "99999999999999999999"}, 303),
    ]
    for form, data, expected in cases:
        token = page_csrf(client, "/beheer")
        response = client.post(f"/beheer/melding/{report_id}/{form}", data={"csrf_token": token, **data})
        assert response.status_code == expected, (form, data, response.status_code)
    assert client.get("/beheer?q=a%00b&status=alle").status_code == 200
    assert client.get(f"/beheer/melding/{2**31}").status_code == 404
    token = page_csrf(client, "/beheer")
    response = client.post(f"/beheer/melding/{10**20}/notitie", data={"csrf_token": token, "note-note": "x"})
    assert response.status_code == 404
    consistent(app)
