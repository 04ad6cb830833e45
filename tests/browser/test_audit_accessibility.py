"""What the December 2026 accessibility audit found the browser tests did not reach (issue 16).

- The upload path with JavaScript: the thank-you page opens at its top, focus on its
  heading, the receipt code on screen (item 16).
- Time limits (item 18): the warning dialog before the idle limit, "Verlengen" by
  keyboard, the expired state, and a staff message typed before the session ended is
  put back after signing in again and sent.
- Language of parts (item 19): an Arabic report on an English staff page is marked
  Arabic and right to left; the triage explanation is Dutch.
- axe-core at 320 px and with the best-practice rules on reporter, staff and partner
  pages; reflow of the statistics pages at 320 and 640 px; a keyboard walk of the staff
  report page with a visible focus indicator at every stop.

Screenshots go to test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import Message, StaffUser
from tests import filemakers
from tests.browser.axe import run_axe
from tests.browser.test_keyboard import COMPARE, RECORD
from tests.browser.test_staff_flow import PASSWORD, Staff, sign_in, staff_context

ARABIC_TEXT = (
    "يوجد في المستودع خلف الشارع رائحة قوية للقنب كل ليلة، والنوافذ مغطاة دائماً، "
    "وتأتي سيارات كثيرة في منتصف الليل."
)
DUTCH_TEXT = (
    "Achter de loods aan de Polderweg staan 's nachts busjes met de motor aan. Ik ruik een "
    "scherpe anijslucht en zag blauwe vaten en jerrycans naar binnen gaan."
)
QUESTION = "Weet u nog op welke dag van de week de busjes meestal komen?"
PHONE = {"width": 375, "height": 667}


def new_report(app, text: str = DUTCH_TEXT, **fields) -> int:
    from meldpunt.intake import reports

    with app.app_context():
        return reports.submit_report(reports.NewReport(text=text, **fields)).report_id


class Partner(Staff):
    """A partner account bound to ``route`` (Staff makes accounts without a route)."""

    def __init__(self, app, route: str, email: str):
        from meldpunt.staff import accounts as staff

        with app.app_context():
            made = staff.create_user(email, "partner", route, password=PASSWORD)
            made.user.totp_confirmed = True
            made.user.must_change_password = False
            db.session.commit()
        self.email = email
        self.secret = made.totp_secret
        self.last_step = None
        self.clock = app.extensions["meldpunt_clock"]


def sign_in_anywhere(page, base_url: str, account: Staff, landing: str) -> None:
    page.goto(f"{base_url}/beheer/login")
    page.get_by_label("E-mailadres").fill(account.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url("**/beheer/login/code")
    page.get_by_label("Code", exact=False).fill(account.code())
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base_url}{landing}")


# --- 16. focus and scroll after the upload path -----------------------------------------------


def test_upload_path_with_javascript_opens_the_thank_you_page_at_its_heading(browser, live_app, base_url,
                                                                             artifacts, tmp_path):
    photo = tmp_path / "IMG_0420.jpg"
    photo.write_bytes(filemakers.jpeg_with_gps())
    context = browser.new_context(java_script_enabled=True, locale="nl-NL", viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/melden")
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(DUTCH_TEXT)
    page.get_by_label("Waar is het?", exact=False).fill("Polderweg 3")
    page.get_by_label("Een bedrijfspand, winkel of loods").check()
    page.set_input_files("#files", str(photo))
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url("**/melden/bedankt")
    page.wait_for_selector(".receipt-code")
    page.wait_for_timeout(500)  # the new page's own script has run too: focus and scroll stay
    page.screenshot(path=str(artifacts / "bedankt-na-upload.png"))
    focused = page.evaluate("document.activeElement.tagName + ': ' + document.activeElement.textContent.trim()")
    scroll_y = page.evaluate("window.scrollY")
    code_box = page.locator(".receipt-code").bounding_box()
    context.close()
    assert focused == "H1: Bedankt voor uw melding"
    assert scroll_y == 0
    assert code_box is not None and 0 <= code_box["y"] and code_box["y"] + code_box["height"] <= PHONE["height"]


# --- 18. time limits ------------------------------------------------------------------------------


def test_idle_warning_extends_and_a_message_typed_before_expiry_is_kept(browser, live_app, base_url, artifacts):
    report_id = new_report(live_app)
    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")
    context = staff_context(browser, viewport={"width": 1024, "height": 800})
    page = context.new_page()
    sign_in(page, base_url, coordinator)
    # A short idle limit for this test: the warning comes halfway (at most 2 minutes early).
    live_app.config["PERMANENT_SESSION_LIFETIME"] = 8
    page.goto(f"{base_url}/beheer/melding/{report_id}")
    assert page.locator("[data-session-limit]").get_attribute("data-seconds") == "8"
    page.locator("form[action$='/bericht'] textarea").fill(QUESTION)

    # The warning: a modal dialog with focus on "Verlengen"; Enter extends.
    dialog = page.locator("dialog#session-warning")
    dialog.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=str(artifacts / "1-waarschuwing.png"))
    assert "wordt u uitgelogd" in dialog.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-session-extend')")
    with page.expect_response("**/beheer/sessie/verlengen") as extended:
        page.keyboard.press("Enter")
    assert extended.value.status == 200
    dialog.wait_for(state="hidden", timeout=5_000)

    # No answer this time: the dialog says the session has ended and offers to sign in again.
    page.locator("[data-session-again]").wait_for(state="visible", timeout=20_000)
    page.screenshot(path=str(artifacts / "2-verlopen.png"))
    assert "uitgelogd omdat u te lang niet actief was" in dialog.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-session-again')")
    page.wait_for_timeout(500)

    # Sending anyway (as the audit did) leads to the sign-in, with the reason.
    page.evaluate("document.getElementById('session-warning').close()")
    page.locator("form[action$='/bericht'] button[type=submit]").click()
    page.wait_for_url("**/beheer/login")
    assert "niet actief" in page.locator(".notice--warning").inner_text()
    with live_app.app_context():
        assert db.session.scalars(select(Message).where(Message.report_id == report_id)).all() == []

    # Signed in again: the start page points to the unsent text; its page puts it back.
    live_app.config["PERMANENT_SESSION_LIFETIME"] = 900
    sign_in_anywhere(page, base_url, coordinator, "/beheer")
    page.locator(".draft-elsewhere a").click()
    page.wait_for_url(f"**/beheer/melding/{report_id}")
    assert page.locator("form[action$='/bericht'] textarea").input_value() == QUESTION
    assert page.locator(".draft-restored").is_visible()
    page.screenshot(path=str(artifacts / "3-teruggezet.png"), full_page=True)
    page.locator("form[action$='/bericht'] button[type=submit]").click()
    page.wait_for_url("**#berichten")
    # Sent: the confirmation has the focus, and the kept copy is gone.
    page.wait_for_timeout(500)
    focused = page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    assert "notice--success" in focused, focused
    kept = page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('meldpunt-draft:'))")
    context.close()
    assert kept == []
    with live_app.app_context():
        assert [m.body for m in db.session.scalars(select(Message).where(Message.report_id == report_id))] == [QUESTION]


def test_statistics_page_warns_and_extends(browser, live_app, base_url, artifacts):
    account = Staff(live_app, "communicatie", "communicatie@gemeente.example")
    context = staff_context(browser)
    page = context.new_page()
    sign_in_anywhere(page, base_url, account, "/beheer")
    live_app.config["PERMANENT_SESSION_LIFETIME"] = 8
    page.goto(f"{base_url}/statistiek/")
    dialog = page.locator("dialog#session-warning")
    dialog.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=str(artifacts / "statistiek-waarschuwing.png"))
    with page.expect_response("**/beheer/sessie/verlengen") as extended:
        page.keyboard.press("Enter")
    assert extended.value.status == 200
    dialog.wait_for(state="hidden", timeout=5_000)
    live_app.config["PERMANENT_SESSION_LIFETIME"] = 900
    assert page.goto(f"{base_url}/statistiek/").url.endswith("/statistiek/")
    context.close()


def test_code_step_warns_before_its_limit(browser, live_app, base_url, artifacts, monkeypatch):
    from meldpunt.staff import auth_views

    monkeypatch.setattr(auth_views, "PENDING_SECONDS", 6)
    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")
    context = staff_context(browser)
    page = context.new_page()
    page.goto(f"{base_url}/beheer/login")
    page.get_by_label("E-mailadres").fill(coordinator.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url("**/beheer/login/code")
    assert "minuten om de code in te vullen" in page.locator(".session-limit").inner_text()
    dialog = page.locator("dialog#session-warning")
    dialog.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=str(artifacts / "code-waarschuwing.png"))
    with page.expect_response("**/beheer/login/verlengen") as extended:
        page.keyboard.press("Escape")  # closing the dialog extends as well
    assert extended.value.status == 200
    dialog.wait_for(state="hidden", timeout=5_000)
    page.wait_for_timeout(2_000)  # past the first 6 s: only the extension keeps the step open
    page.get_by_label("Code", exact=False).fill(coordinator.code())
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base_url}/beheer")
    context.close()


# --- 19. language of parts ----------------------------------------------------------------------


def test_an_arabic_report_is_read_as_arabic_on_an_english_staff_page(browser, live_app, base_url, artifacts):
    report_id = new_report(live_app, text=ARABIC_TEXT, location="شارع المحطة 12")
    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")
    context = staff_context(browser)
    page = context.new_page()
    sign_in(page, base_url, coordinator)
    page.goto(f"{base_url}/taal/en?next=/beheer/melding/{report_id}")
    page.screenshot(path=str(artifacts / "arabisch-en.png"), full_page=True)
    parts = page.evaluate("""() => {
        const lang = e => e.closest('[lang]').getAttribute('lang');
        const text = document.querySelector('.report-text');
        const explanation = document.querySelector('.explanation li');
        return {page: document.documentElement.lang, text: lang(text), direction: getComputedStyle(text).direction,
                explanation: explanation ? lang(explanation) : null};
    }""")
    page.goto(f"{base_url}/beheer")
    snippet = page.locator("table.queue tr", has=page.get_by_role("link", name=str(report_id), exact=True)).locator(
        ".snippet")
    snippet_lang = snippet.evaluate("e => [e.closest('[lang]').getAttribute('lang'), getComputedStyle(e).direction]")
    context.close()
    assert parts == {"page": "en", "text": "ar", "direction": "rtl", "explanation": "nl"}
    assert snippet_lang == ["ar", "rtl"]


# --- axe at 320 px with best practices; partner pages ------------------------------------------

NARROW = {"width": 320, "height": 640}
REPORTER_PATHS = ["/", "/melden", "/opvolgen", "/privacy", "/toegankelijkheid", "/resultaten"]
KNOWN_BEST_PRACTICE_BUGS: dict[str, str] = {}


def test_reporter_pages_pass_axe_best_practice_at_320_px(browser, live_app, base_url, axe_source, artifacts):
    context = browser.new_context(bypass_csp=True, locale="nl-NL", viewport=NARROW)
    page = context.new_page()
    problems = {}
    for path in REPORTER_PATHS:
        page.goto(base_url + path)
        problems[path] = run_axe(page, axe_source, best_practice=True)
    page.goto(base_url + "/melden")
    page.get_by_role("button", name="Melding versturen").click()
    problems["/melden (fouten)"] = run_axe(page, axe_source, best_practice=True)
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(DUTCH_TEXT)
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url("**/melden/bedankt")
    problems["/melden/bedankt"] = run_axe(page, axe_source, best_practice=True)
    page.screenshot(path=str(artifacts / "bedankt-320.png"), full_page=True)
    context.close()
    assert {path: found for path, found in problems.items() if found} == {}


def test_staff_and_partner_pages_pass_axe_best_practice_at_320_px(browser, live_app, base_url, axe_source,
                                                                  artifacts):
    from meldpunt.casework import forwarding

    report_id = new_report(live_app, text=ARABIC_TEXT)
    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")
    with live_app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == coordinator.email))
        forwarding.forward(report_id, user, "politie")
    problems = {}
    context = browser.new_context(bypass_csp=True, locale="nl-NL", viewport=NARROW)
    page = context.new_page()
    page.goto(f"{base_url}/beheer/login")
    problems["login"] = run_axe(page, axe_source, best_practice=True)
    page.get_by_role("button", name="Verder").click()  # empty: the error summary names both fields
    problems["login (fouten)"] = run_axe(page, axe_source, best_practice=True)
    sign_in(page, base_url, coordinator)
    problems["werkvoorraad"] = run_axe(page, axe_source, best_practice=True)
    page.goto(f"{base_url}/beheer/melding/{report_id}")
    problems["melding"] = run_axe(page, axe_source, best_practice=True)
    page.locator("form[action$='/notitie'] button[type=submit]").click()
    problems["melding (fout)"] = run_axe(page, axe_source, best_practice=True)
    page.locator("form[action$='/notitie'] textarea").fill("Eerst de wijkagent bellen.")
    page.locator("form[action$='/notitie'] button[type=submit]").click()
    page.wait_for_url("**#notities")
    problems["melding (bevestiging)"] = run_axe(page, axe_source, best_practice=True)
    page.screenshot(path=str(artifacts / "melding-320.png"), full_page=True)
    context.close()

    partner = Partner(live_app, "politie", "meldingen@politie.example")
    context = browser.new_context(bypass_csp=True, locale="nl-NL", viewport=NARROW)
    page = context.new_page()
    sign_in_anywhere(page, base_url, partner, "/beheer/partner")
    page.goto(f"{base_url}/beheer/partner")
    problems["partner-inbox"] = run_axe(page, axe_source, best_practice=True)
    page.goto(f"{base_url}/beheer/partner/melding/{report_id}")
    assert page.locator(".report-text").get_attribute("lang") == "ar"
    problems["partner-melding"] = run_axe(page, axe_source, best_practice=True)
    page.screenshot(path=str(artifacts / "partner-melding-320.png"), full_page=True)
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}


# --- reflow of the statistics pages at 320 and 640 px ---------------------------------------

STATS_PATHS = ["/statistiek/", "/statistiek/factsheet", "/resultaten"]
WIDE = """() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth,
    [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
            if (getComputedStyle(p).overflowX !== 'visible') return false;
        return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1);
    }).slice(-3).map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string'
        ? '.' + e.className.split(' ').join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().width) + 'px')]"""


@pytest.mark.parametrize("width", [320, 640])
def test_statistics_pages_reflow(browser, live_app, base_url, artifacts, width):
    from meldpunt import demo
    from meldpunt.stats import rollup

    with live_app.app_context():
        demo.seed_reports(60)
        rollup.rebuild_all()
    account = Staff(live_app, "communicatie", "communicatie@gemeente.example")
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_in_anywhere(page, base_url, account, "/beheer")
    found = {}
    for path in STATS_PATHS:
        response = page.goto(base_url + path)
        assert response.ok, (path, response.status)
        page.screenshot(path=str(artifacts / f"{path.strip('/').replace('/', '-')}-{width}.png"), full_page=True)
        scroll, client, sticking_out = page.evaluate(WIDE)
        if scroll > client:
            found[path] = f"scrollWidth {scroll} > {client}: {sticking_out}"
    context.close()
    assert found == {}


# --- keyboard walk of the staff report page --------------------------------------------------


def test_staff_report_page_by_keyboard(browser, live_app, base_url, artifacts):
    report_id = new_report(live_app, anonymous=False, name="Anna de Vries", email="anna@example.org",
                           share_identity=False)
    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")
    context = staff_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base_url, coordinator)
    page.goto(f"{base_url}/beheer/melding/{report_id}")
    order: list[str] = []
    for _ in range(250):
        page.keyboard.press("Tab")
        seen = page.evaluate(RECORD)
        order.append(page.evaluate("""() => { const e = document.activeElement;
            return e.tagName.toLowerCase() + ':' + (e.getAttribute('name') || e.getAttribute('href') || '')
                + ':' + (e.innerText || '').trim().slice(0, 30); }"""))
        if seen == 0:
            break
    else:
        pytest.fail("the Tab walk never came back to the first stop")
    stops = page.evaluate(COMPARE)
    page.screenshot(path=str(artifacts / "melding.png"), full_page=True)

    # Every form of the page is reached, in reading order: main column before the side column.
    def first(prefix: str) -> int:
        return next(i for i, stop in enumerate(order) if stop.startswith(prefix))

    message = first("textarea:message-message")
    note = first("textarea:note-note")
    reason = first("input:contact-reason")
    # The one decision panel (issue 15): theme first, forwarding after it.
    theme = first("select:panel-theme")
    forward = first("select:panel-forward_to")
    assert theme < forward, order
    assert message < note < reason, order
    assert order[0].startswith("a:#inhoud"), order[:3]
    # Enter on the skip link, then the message by keyboard only.
    page.keyboard.press("Enter")  # focus is back on the skip link after the walk
    for _ in range(250):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "message-message":
            break
    page.keyboard.type(QUESTION)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.innerText.trim()") == "Bericht versturen"
    page.keyboard.press("Enter")
    page.wait_for_url("**#berichten")
    confirmation = page.evaluate("document.activeElement.className")
    context.close()
    assert [s for s in stops if not (s["indicator"] and s["onScreen"])] == []
    assert "notice--success" in confirmation


# --- 20. the character counter speaks only at thresholds ------------------------------------


def test_character_counter_announces_only_at_thresholds(browser, live_app, base_url):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(f"{base_url}/melden")
    area = page.locator("#text")
    spoken = page.locator("[data-count-announcer]")
    heard = []
    for length in (30, 31, 5000, 7499, 7500, 7600, 9000, 9001, 10000):
        area.fill("x" * length)
        heard.append(spoken.inner_text())
    visible = page.locator("#text-count")
    state = {"visible": visible.inner_text(), "live": visible.get_attribute("aria-live"),
             "spoken_live": spoken.get_attribute("aria-live")}
    context.close()
    assert state == {"visible": "10000 van 10000 tekens", "live": None, "spoken_live": "polite"}
    assert heard == ["", "", "", "", "7500 van 10000 tekens", "7500 van 10000 tekens", "9000 van 10000 tekens",
                     "9000 van 10000 tekens", "10000 van 10000 tekens"]
