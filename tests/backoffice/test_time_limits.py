"""Time limits (WCAG 2.2.1) and the smaller accessibility findings of issue 16 (items 18–20).

Request tests: the page states its limit, "Verlengen" extends it (CSRF-protected),
a sign-in that took too long says so and offers the address again, a form sent
after the session ended leads to the sign-in with a word about why, and the
staff language survives signing in. Also: error summaries name their field,
confirmations take the focus, no duplicate ids, language of parts, the
accessibility statement and the emergency banner's landmark. The browser half
(the warning dialog, kept text, focus) is tests/browser/test_audit_accessibility.py.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.backoffice.conftest import login, make_account, new_report, page_csrf, post_form
from tests.helpers import soup

ARABIC_TEXT = (
    "يوجد في المستودع خلف الشارع رائحة قوية للقنب كل ليلة، والنوافذ مغطاة دائماً، "
    "وتأتي سيارات كثيرة في منتصف الليل."
)


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True, WTF_CSRF_CHECK_DEFAULT=True)


# --- 18. time limits --------------------------------------------------------------------


def test_every_signed_in_page_states_the_idle_limit(app, staff_client):
    client, _ = staff_client("coordinator")
    page = soup(client.get("/beheer"))
    limit = page.select_one("[data-session-limit]")
    assert limit is not None and limit["data-seconds"] == "900"
    assert limit["data-extend-url"] == "/beheer/sessie/verlengen"
    assert "Na 15 minuten zonder activiteit wordt u uitgelogd" in limit.get_text()
    dialog = page.select_one("dialog#session-warning")
    assert dialog is not None and "{time}" in dialog["data-warning"]
    assert dialog.select_one("button[data-session-extend]").get_text(strip=True) == "Verlengen"


def test_the_statistics_pages_state_the_idle_limit_too(app, staff_client):
    client, _ = staff_client("communicatie")
    limit = soup(client.get("/statistiek/")).select_one("[data-session-limit]")
    assert limit is not None and limit["data-seconds"] == "900" and limit["data-csrf"]
    assert "Na 15 minuten zonder activiteit wordt u uitgelogd" in limit.get_text()
    # The public results page has no session to lose.
    assert soup(client.get("/resultaten")).select_one("[data-session-limit]") is None


def test_extending_refreshes_the_idle_limit(app, staff_client):
    client, _ = staff_client("triage")
    token = page_csrf(client, "/beheer")
    with client.session_transaction() as session:
        session["bo_seen"] = time.time() - 14 * 60
    response = client.post("/beheer/sessie/verlengen", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json() == {"seconds": 900}
    with client.session_transaction() as session:
        assert time.time() - session["bo_seen"] < 5
    # Fourteen more minutes later the session is still alive: 28 minutes after the last page.
    with client.session_transaction() as session:
        session["bo_seen"] = time.time() - 14 * 60
    assert client.get("/beheer").status_code == 200


def test_extending_too_late_does_not_bring_the_session_back(app, staff_client):
    client, _ = staff_client("triage")
    token = page_csrf(client, "/beheer")
    with client.session_transaction() as session:
        session["bo_seen"] = time.time() - 16 * 60
    response = client.post("/beheer/sessie/verlengen", headers={"X-CSRFToken": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/beheer/login")
    assert client.get("/beheer").status_code == 303


def test_extending_needs_the_csrf_token(csrf_app):
    account = make_account(csrf_app, "triage")
    client = csrf_app.test_client()
    login(client, account)
    token = page_csrf(client, "/beheer")
    assert client.post("/beheer/sessie/verlengen").status_code == 400
    assert client.post("/beheer/sessie/verlengen", headers={"X-CSRFToken": token}).status_code == 200


def _password_step(client, account):
    token = page_csrf(client)
    response = client.post("/beheer/login", data={"csrf_token": token, "email": account.email,
                                                   "password": account.password})
    assert response.headers["Location"].endswith("/beheer/login/code")


def _move_pending(client, seconds: float, relative: bool = False) -> None:
    """Set when the password step happened (now + seconds), or move it by ``seconds``."""
    with client.session_transaction() as session:
        pending = dict(session["bo_pending"])
        pending["at"] = (pending["at"] if relative else time.time()) + seconds
        session["bo_pending"] = pending


def test_the_code_step_states_its_limit_and_can_be_extended(app):
    account = make_account(app, "triage")
    client = app.test_client()
    _password_step(client, account)
    page = soup(client.get("/beheer/login/code"))
    limit = page.select_one("[data-session-limit]")
    assert limit["data-extend-url"] == "/beheer/login/verlengen"
    assert "U heeft 5 minuten om de code in te vullen" in limit.get_text()
    _move_pending(client, -290)
    response = client.post("/beheer/login/verlengen", data={"csrf_token": page_csrf(client, "/beheer/login/code")})
    assert response.status_code == 200 and response.get_json() == {"seconds": 300}
    _move_pending(client, -200, relative=True)  # 200 s later: without the extension 490 s had passed
    response = client.post("/beheer/login/code", data={"csrf_token": page_csrf(client, "/beheer/login/code"),
                                                       "code": account.code()})
    assert response.status_code == 303 and response.headers["Location"].endswith("/beheer")


def test_a_code_step_that_took_too_long_says_so_and_keeps_the_address(app):
    account = make_account(app, "triage")
    client = app.test_client()
    _password_step(client, account)
    _move_pending(client, -301)
    response = client.get("/beheer/login/code")
    assert response.status_code == 303 and response.headers["Location"].endswith("/beheer/login")
    page = soup(client.get("/beheer/login"))
    assert "Het inloggen duurde langer dan 5 minuten" in page.get_text()
    assert page.select_one("input[name=email]")["value"] == account.email
    assert page.select_one("input[name=password]").get("value") in (None, "")
    # Once: the address is not offered again on a later visit.
    assert soup(client.get("/beheer/login")).select_one("input[name=email]").get("value") in (None, "")
    assert client.post("/beheer/login/verlengen", data={"csrf_token": page_csrf(client)}).status_code == 409


def test_a_form_sent_after_the_session_ended_leads_to_the_sign_in_with_a_reason(csrf_app):
    report_id, _ = new_report(csrf_app)
    account = make_account(csrf_app, "coordinator")
    client = csrf_app.test_client()
    login(client, account)
    token = page_csrf(client, f"/beheer/melding/{report_id}")
    # The browser dropped the session cookie when its 15 minutes ran out.
    for cookie in list(client._cookies.values()):
        if cookie.key == "meldpunt_session":
            client.delete_cookie(cookie.key, domain=cookie.domain, path=cookie.path)
    assert client.get_cookie("meldpunt_session", domain="meldpunt.test") is None
    response = client.post(f"/beheer/melding/{report_id}/bericht",
                           data={"csrf_token": token, "message-message": "Wanneer zag u de bus?"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/beheer/login")
    assert "Wat u had getypt, zetten wij daarna terug" in client.get("/beheer/login").get_data(as_text=True)


def test_the_staff_language_is_kept_across_sign_in_and_logout(app):
    account = make_account(app, "triage")
    client = app.test_client()
    client.get("/taal/en?next=/beheer/login")
    assert soup(client.get("/beheer/login")).html["lang"] == "en"
    assert login(client, account).status_code == 303
    assert soup(client.get("/beheer")).html["lang"] == "en"
    client.post("/beheer/uitloggen", data={"csrf_token": page_csrf(client, "/beheer")})
    assert soup(client.get("/beheer/login")).html["lang"] == "en"


# --- 20. error summaries, confirmations, ids ----------------------------------------------


def test_error_summary_names_each_field(app, staff_client):
    report_id, _ = new_report(app)
    client, _ = staff_client("coordinator")
    page = soup(post_form(client, f"/beheer/melding/{report_id}/bericht", {"message-message": ""}))
    items = [li.get_text(strip=True) for li in page.select(".error-summary li")]
    assert items == ["Bericht aan de melder: Vul dit veld in."]
    page = soup(post_form(client, f"/beheer/melding/{report_id}/notitie", {"note-note": "  "}))
    assert [li.get_text(strip=True) for li in page.select(".error-summary li")] == ["Interne notitie: Vul dit veld in."]


def test_a_confirmation_takes_the_focus(app, staff_client):
    report_id, _ = new_report(app)
    client, _ = staff_client("coordinator")
    response = post_form(client, f"/beheer/melding/{report_id}/notitie", {"note-note": "Eerst bellen."})
    assert response.status_code == 303
    notice = soup(client.get(response.headers["Location"])).select_one(".notice--success")
    assert notice is not None and notice["role"] == "status"
    assert notice["tabindex"] == "-1" and notice.has_attr("data-focus-on-load")


def test_the_report_page_has_no_duplicate_ids(app, staff_client):
    report_id, _ = new_report(app)
    client, _ = staff_client("coordinator")
    page = soup(client.get(f"/beheer/melding/{report_id}"))
    counts = Counter(tag["id"] for tag in page.find_all(id=True))
    assert [name for name, n in counts.items() if n > 1] == []
    assert page.select_one("main")["id"] == "inhoud"


# --- 19. language of parts ------------------------------------------------------------------


def test_report_text_location_and_snippet_carry_the_report_language(app, staff_client):
    report_id, _ = new_report(app, text=ARABIC_TEXT, location="شارع المحطة 12")
    client, _ = staff_client("coordinator")
    client.get("/taal/en?next=/beheer")
    page = soup(client.get(f"/beheer/melding/{report_id}"))
    assert page.html["lang"] == "en"
    text = page.select_one(".report-text")
    assert text["lang"] == "ar" and text["dir"] == "auto"
    location = page.find("span", string="شارع المحطة 12")
    assert location is not None and location["lang"] == "ar" and location["dir"] == "auto"
    explanation = page.select_one("ul.explanation")
    assert explanation is not None and explanation["lang"] == "nl"
    queue = soup(client.get("/beheer"))
    row = queue.find("a", string=str(report_id)).find_parent("tr")
    snippet = row.select_one(".snippet")
    assert snippet["lang"] == "ar" and snippet["dir"] == "auto"


def test_a_reporter_message_carries_the_report_language(app, staff_client):
    from meldpunt.intake import followup

    report_id, _code = new_report(app, text=ARABIC_TEXT)
    with app.app_context():
        followup.add_information(report_id, "رأيت السيارة مرة أخرى الليلة.", None, [])
    client, _ = staff_client("coordinator")
    body = soup(client.get(f"/beheer/melding/{report_id}")).select_one(".message--reporter .message-body")
    assert body["lang"] == "ar" and body["dir"] == "auto"


# --- 20. statement and landmark (reporter pages) --------------------------------------------


def test_accessibility_statement_lists_known_problems_and_a_contact_address(client):
    page = soup(client.get("/toegankelijkheid"))
    assert len(page.select("ul.known-problems li")) >= 3
    assert "geen problemen bevestigd" not in page.get_text()
    mail = page.select_one("a[href^='mailto:']")
    assert mail is not None and mail.get_text() == "toegankelijkheid@gemeente.example"


def test_the_emergency_banner_is_inside_a_landmark(client):
    banner = soup(client.get("/melden")).find(string="Is er nu gevaar?").find_parent(["aside", "header", "main"])
    assert banner is not None and banner.name == "aside" and banner["aria-labelledby"] == "emergency-title"
