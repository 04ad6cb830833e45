"""The back office in a real browser: a report from intake to a question answered.

A reporter sends a report (JavaScript off); a coordinator signs in with password
and TOTP, confirms the triage, forwards the report and asks the reporter a
question; the reporter answers with a file; the coordinator sees the answer.
Also: hostile reporter text is shown as text only, and the main back-office
pages pass axe-core.
"""

from __future__ import annotations

import time
import urllib.parse
from pathlib import Path

import pyotp
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import Attachment, OutboxMessage, Report
from tests import filemakers
from tests.browser.axe import run_axe

PASSWORD = "een-lang-genoeg-wachtwoord"
PARTNER_ADDRESS = "meldingen@politie.example"
REPORT_TEXT = (
    "In de garage aan de Dijkstraat worden elke nacht dozen uit een bestelbus geladen. "
    "Er lopen mannen met bivakmutsen rond en de ramen van de bovenverdieping zijn afgeplakt."
)
QUESTION = "Weet u ongeveer hoe laat de bestelbus meestal komt?"
ANSWER = "Meestal tussen 01.00 en 03.00 uur, vooral op vrijdag."


# --- helpers --------------------------------------------------------------------------


class Staff:
    """A staff account made in the test; ``code()`` never hands out a TOTP step twice."""

    def __init__(self, app, role: str, email: str):
        from meldpunt.staff import accounts as staff

        with app.app_context():
            made = staff.create_user(email, role, None, password=PASSWORD)
            made.user.totp_confirmed = True
            made.user.must_change_password = False
            db.session.commit()
        self.email = email
        self.secret = made.totp_secret
        self.last_step: int | None = None
        # The app's sign-in runs on the test's clock (conftest.auth_clock), which stands still.
        self.clock = app.extensions["meldpunt_clock"]

    def code(self) -> str:
        totp = pyotp.TOTP(self.secret)
        # The app accepts the previous, current and next step, each once; when those
        # are used up, the clock moves on a step instead of the test waiting for one.
        current = totp.timecode(self.clock())
        step = current - 1
        if self.last_step is not None:
            step = max(step, self.last_step + 1)
        if step > current + 1:
            self.clock.advance(seconds=totp.interval)
            return self.code()
        self.last_step = step
        return totp.generate_otp(step)


def staff_context(browser, **options):
    # Dutch, whatever the machine's locale: the back office also speaks English.
    return browser.new_context(locale="nl-NL", **options)


def sign_in(page, base_url: str, account: Staff, shots: Path | None = None) -> None:
    page.goto(f"{base_url}/beheer/login")
    page.get_by_label("E-mailadres").fill(account.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    if shots:
        page.screenshot(path=str(shots / "3-login.png"), full_page=True)
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url("**/beheer/login/code")
    page.get_by_label("Code", exact=False).fill(account.code())
    if shots:
        page.screenshot(path=str(shots / "4-code.png"), full_page=True)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base_url}/beheer")
    assert page.get_by_role("heading", name="Werkvoorraad", level=1).is_visible()


def submit_report(browser, base_url: str, text: str, photo: Path | None = None, javascript: bool = False):
    """The reporter's side: the form, then the receipt code. Returns (context, page, code)."""
    context = browser.new_context(java_script_enabled=javascript, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{base_url}/melden")
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(text)
    if photo is not None:
        page.get_by_label("Waar is het?", exact=False).fill("Dijkstraat 12")
        page.get_by_label("Een bedrijfspand, winkel of loods").check()
        page.set_input_files("#files", str(photo))
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url("**/melden/bedankt")
    code = page.locator(".receipt-code strong").inner_text().strip()
    assert len(code) == 19, code
    return context, page, code


def only_report_id(app) -> int:
    with app.app_context():
        ids = list(db.session.scalars(select(Report.id)))
    assert len(ids) == 1, ids
    return ids[0]


# --- 1. the full flow ---------------------------------------------------------------------


def test_report_triage_forward_question_and_answer(browser, live_app, base_url, artifacts, tmp_path):
    live_app.config["PARTNER_EMAILS"] = {"politie": PARTNER_ADDRESS}
    photo = tmp_path / "IMG_2211.jpg"
    photo.write_bytes(filemakers.jpeg_with_gps())

    # The reporter, without JavaScript.
    reporter, reporter_page, code = submit_report(browser, base_url, REPORT_TEXT, photo, javascript=False)
    reporter_page.screenshot(path=str(artifacts / "1-melder-bedankt.png"), full_page=True)
    report_id = only_report_id(live_app)

    # The coordinator signs in and finds the report in the queue.
    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")
    context = staff_context(browser)
    page = context.new_page()
    sign_in(page, base_url, coordinator, artifacts)
    page.screenshot(path=str(artifacts / "5-werkvoorraad.png"), full_page=True)
    queue_row = page.locator("table.queue tbody tr").filter(
        has=page.get_by_role("link", name=str(report_id), exact=True)
    )
    assert queue_row.count() == 1
    assert "garage aan de Dijkstraat" in queue_row.locator(".snippet").inner_text()
    queue_row.get_by_role("link", name=str(report_id), exact=True).click()
    page.wait_for_url(f"**/beheer/melding/{report_id}")
    assert page.get_by_role("heading", name=f"Melding {report_id}", level=1).is_visible()
    assert page.locator(".report-text").inner_text().strip() == REPORT_TEXT
    # The photo is shown to staff (served by the back office, decrypted).
    image = page.locator("#bijlagen img")
    assert image.count() == 1
    # Waited for, not read at once: on a busy machine the decrypted image may still be arriving.
    # (Polled with evaluate: wait_for_function needs eval, which the page's CSP forbids.)
    deadline = time.monotonic() + 15
    while not image.evaluate("img => img.complete && img.naturalWidth > 0"):
        assert time.monotonic() < deadline, "the photo did not load"
        page.wait_for_timeout(100)
    page.screenshot(path=str(artifacts / "6-melding.png"), full_page=True)

    # One decision panel: confirm the triage as it stands and forward to the police, one submit.
    panel = page.locator("#besluit")
    suggested = {
        name: panel.get_by_label(label, exact=True).input_value()
        for name, label in (("theme", "Thema"), ("urgency", "Urgentie"), ("route", "Route"))
    }
    assert page.locator("#triage").get_by_text("Voorstel van de triage").is_visible()
    panel.get_by_label("Doorsturen naar").select_option("politie")
    panel.get_by_role("button", name="Opslaan en volgende").click()
    # The only report: the panel goes back to the queue.
    page.wait_for_url(f"{base_url}/beheer*")
    assert page.get_by_text(f"Melding {report_id} is opgeslagen.").is_visible()
    page.goto(f"{base_url}/beheer/melding/{report_id}")
    history = page.locator("#triage table.history tbody tr")
    assert history.count() == 1
    assert "bevestigd" in history.first.inner_text()
    assert "coordinator@gemeente.example" in history.first.inner_text()
    assert "Politie" in page.locator("#doorsturen ul").inner_text()
    assert "Doorgestuurd" in page.locator("h1 .badge--status").inner_text()
    with live_app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.theme, report.urgency, report.route) == (
            suggested["theme"], suggested["urgency"], suggested["route"])
        mails = list(db.session.scalars(select(OutboxMessage)))
        assert [m.recipient for m in mails] == [PARTNER_ADDRESS]
        assert "Dijkstraat" not in mails[0].body and "garage" not in mails[0].body
        assert mails[0].sent_at is None
    page.screenshot(path=str(artifacts / "8-doorgestuurd.png"), full_page=True)

    # A question for the reporter.
    messages = page.locator("#berichten")
    messages.get_by_label("Bericht aan de melder").fill(QUESTION)
    messages.get_by_role("button", name="Bericht versturen").click()
    page.wait_for_url(f"**/beheer/melding/{report_id}#berichten")
    assert page.get_by_text("Het bericht staat klaar voor de melder.").is_visible()
    assert page.locator("#berichten .message-body").last.inner_text().strip() == QUESTION
    page.screenshot(path=str(artifacts / "9-vraag-verstuurd.png"), full_page=True)

    # The reporter reads the question with the code and answers with a file.
    reporter_page.goto(f"{base_url}/opvolgen")
    reporter_page.get_by_label("Uw meldcode").fill(code)
    reporter_page.get_by_role("button", name="Melding openen").click()
    reporter_page.wait_for_url("**/opvolgen/melding")
    staff_message = reporter_page.locator(".message--staff .message-body")
    assert staff_message.count() == 1
    assert staff_message.inner_text().strip() == QUESTION
    # The reporter never sees who asked.
    assert "coordinator@gemeente.example" not in reporter_page.content()
    reporter_page.screenshot(path=str(artifacts / "10-melder-leest-vraag.png"), full_page=True)
    reporter_page.get_by_label("Wat wilt u toevoegen of antwoorden?").fill(ANSWER)
    note = tmp_path / "tijden.txt"
    note.write_text("vr 01.40, za 02.15, vr 02.05", encoding="utf-8")
    reporter_page.set_input_files("#files", str(note))
    reporter_page.get_by_role("button", name="Versturen").click()
    reporter_page.wait_for_selector("text=Uw aanvulling is bewaard")
    reporter_page.screenshot(path=str(artifacts / "11-melder-antwoordt.png"), full_page=True)
    reporter.close()

    # The coordinator reloads the report and sees the answer and the file.
    page.reload()
    reply = page.locator("#berichten li.message--reporter")
    assert reply.count() == 1
    assert reply.locator(".message-body").inner_text().strip() == ANSWER
    assert "1 bestand toegevoegd" in reply.locator(".message-files").inner_text()
    assert page.get_by_role("link", name="tijden.txt downloaden").count() == 1
    with live_app.app_context():
        assert len(list(db.session.scalars(select(Attachment).where(Attachment.report_id == report_id)))) == 2
    page.screenshot(path=str(artifacts / "12-antwoord-gezien.png"), full_page=True)
    context.close()


# --- 2. hostile reporter text --------------------------------------------------------------

HOSTILE_TEXT = (
    "Verdachte handel bij de loods.\n"
    "<script>window.__pwned=1</script>\n"
    '<img src=x onerror="window.__pwned=2">\n'
    '<a href="javascript:window.__pwned=3">klik hier</a> en javascript:window.__pwned=4\n'
    "&lt;script&gt;window.__pwned=5&lt;/script&gt; &lt;img src=x onerror=window.__pwned=6&gt;\n"
    '"><svg onload=window.__pwned=7>\n'
    "Naam \u202egnissap\u202c van de eigenaar \u2066isolaat\u2069 \u200f\u200e\n"
    "Kapot: \ufffd \ufeff \uffff e\u0301 "
    "Z\u0351\u0352\u0353\u0354\u0355a\u0356\u0357\u0358l\u0359\u035ag\u035bo \U0001f9ea\n"
    "Einde van de melding."
)
# Bytes no browser would send: invalid UTF-8 in a form post (/melden has no CSRF token).
BROKEN_BYTES = b"Kapotte bytes: \xff\xfe \xc0\xaf \xed\xa0\x80 <script>window.__pwned=8</script> einde"


def test_hostile_report_text_is_shown_as_text_only(browser, live_app, base_url, artifacts):
    # First the broken bytes, posted by script from the form page (it carries the CSRF token).
    reporter = browser.new_context(locale="nl-NL")
    raw = reporter.new_page()
    raw.goto(f"{base_url}/melden")
    token = raw.locator("input[name=csrf_token]").input_value()
    fields = {"csrf_token": token, "place_type": "onbekend", "ongoing": "onbekend", "reporter_type": "onbekend",
              "anonymity": "anoniem", "share_identity": "nee", "email_notice": "nee"}
    body = "text=" + urllib.parse.quote_from_bytes(BROKEN_BYTES) + "&" + urllib.parse.urlencode(fields)
    landed = raw.evaluate(
        """async body => {
            const r = await fetch('/melden', {method: 'POST', body,
                headers: {'Content-Type': 'application/x-www-form-urlencoded'}});
            return [r.status, r.url];
        }""",
        body,
    )
    assert landed[0] == 200 and landed[1].endswith("/melden/bedankt"), landed
    reporter.close()
    # Then the hostile text, typed into the form.
    reporter, _page, _code = submit_report(browser, base_url, HOSTILE_TEXT, javascript=True)
    reporter.close()
    with live_app.app_context():
        stored = {r.id: r.text for r in db.session.scalars(select(Report).order_by(Report.id))}
    assert len(stored) == 2
    broken_id, hostile_id = sorted(stored)

    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")
    context = staff_context(browser)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, base_url, coordinator)

    def assert_not_pwned(where: str) -> None:
        assert page.evaluate("typeof window.__pwned") == "undefined", where
        assert dialogs == [], where

    # The queue shows snippets of both reports.
    assert_not_pwned("werkvoorraad")
    page.screenshot(path=str(artifacts / "werkvoorraad.png"), full_page=True)
    active = "table.queue script, table.queue img, table.queue svg, table.queue a[href^='javascript']"
    assert page.locator(active).count() == 0

    for report_id in (hostile_id, broken_id):
        page.goto(f"{base_url}/beheer/melding/{report_id}")
        page.wait_for_load_state("load")
        shown = page.locator(".report-text")
        assert shown.locator("*").count() == 0, shown.inner_html()
        # Visible, as text: exactly what was stored (leading/trailing space aside).
        assert shown.is_visible()
        assert shown.inner_text().strip() == stored[report_id].strip()
        assert page.locator("a[href^='javascript' i], [onerror], [onload]").count() == 0
        assert_not_pwned(f"melding {report_id}")
        page.screenshot(path=str(artifacts / f"melding-{report_id}.png"), full_page=True)

    # What survives sanitising is visible to the coordinator as plain characters.
    page.goto(f"{base_url}/beheer/melding/{hostile_id}")
    text = page.locator(".report-text").inner_text()
    assert "Verdachte handel bij de loods." in text
    assert "klik hier" in text and "javascript:window.__pwned=4" in text
    # Markup typed as entities is stripped like real markup; its text content stays.
    assert "window.__pwned=5" in text and "<script>" not in text
    assert "\u202egnissap\u202c" in text
    assert "Einde van de melding." in text
    broken = page.goto(f"{base_url}/beheer/melding/{broken_id}")
    assert broken.ok
    # Werkzeug keeps undecodable bytes as %XX escapes: harmless text either way.
    broken_text = page.locator(".report-text").inner_text()
    assert broken_text.startswith("Kapotte bytes:") and broken_text.endswith("einde")
    # The printable RIEC signal repeats the text: forward to the RIEC, then open it.
    page.goto(f"{base_url}/beheer/melding/{hostile_id}")
    page.locator("#besluit").get_by_label("Doorsturen naar").select_option("riec")
    page.locator("#besluit").get_by_role("button", name="Opslaan en volgende").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/beheer/melding/{hostile_id}")
    page.get_by_role("link", name="RIEC-signaal (afdrukbaar)").click()
    page.wait_for_url(f"**/beheer/melding/{hostile_id}/riec")
    signal = page.locator(".report-text")
    assert signal.locator("*").count() == 0, signal.inner_html()
    assert signal.inner_text().strip() == stored[hostile_id].strip()
    assert_not_pwned("RIEC-signaal")
    page.screenshot(path=str(artifacts / "riec-signaal.png"), full_page=True)
    # One more look after everything settled: lazy images, late event handlers.
    page.wait_for_timeout(300)
    assert_not_pwned("na afloop")
    context.close()


# --- 3. axe-core on the back office --------------------------------------------------------


def test_back_office_pages_have_no_serious_accessibility_violations(
    browser, live_app, base_url, axe_source, artifacts, tmp_path
):
    live_app.config["PARTNER_EMAILS"] = {"politie": PARTNER_ADDRESS}
    photo = tmp_path / "IMG_3000.jpg"
    photo.write_bytes(filemakers.jpeg_with_gps())
    reporter, _page, _code = submit_report(browser, base_url, REPORT_TEXT, photo)
    reporter.close()
    report_id = only_report_id(live_app)
    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")

    context = staff_context(browser, bypass_csp=True)
    page = context.new_page()
    problems: dict[str, list] = {}

    page.goto(f"{base_url}/beheer/login")
    problems["login"] = run_axe(page, axe_source)
    # The login form with errors.
    page.get_by_role("button", name="Verder").click()
    page.wait_for_selector(".error-summary, [role=alert]")
    problems["login (fouten)"] = run_axe(page, axe_source)
    page.screenshot(path=str(artifacts / "login-fouten.png"), full_page=True)

    page.get_by_label("E-mailadres").fill(coordinator.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url("**/beheer/login/code")
    problems["login/code"] = run_axe(page, axe_source)
    page.get_by_label("Code", exact=False).fill(coordinator.code())
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base_url}/beheer")

    problems["werkvoorraad"] = run_axe(page, axe_source)
    page.screenshot(path=str(artifacts / "werkvoorraad.png"), full_page=True)

    page.goto(f"{base_url}/beheer/melding/{report_id}")
    problems["melding"] = run_axe(page, axe_source)
    # The report with history in every panel: a decision, a forward, a message.
    page.locator("#besluit").get_by_label("Doorsturen naar").select_option("politie")
    page.locator("#besluit").get_by_role("button", name="Opslaan en volgende").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/beheer/melding/{report_id}")
    page.locator("#berichten").get_by_label("Bericht aan de melder").fill(QUESTION)
    page.locator("#berichten").get_by_role("button", name="Bericht versturen").click()
    page.wait_for_url("**#berichten")
    problems["melding (met geschiedenis)"] = run_axe(page, axe_source)
    # The message form with an error (empty message).
    page.locator("#berichten").get_by_role("button", name="Bericht versturen").click()
    page.wait_for_selector(".error-summary, .field-error")
    problems["melding (fouten)"] = run_axe(page, axe_source)
    page.screenshot(path=str(artifacts / "melding-fouten.png"), full_page=True)

    response = page.goto(f"{base_url}/statistiek/")
    assert response.status == 200
    problems["statistiek"] = run_axe(page, axe_source)
    page.screenshot(path=str(artifacts / "statistiek.png"), full_page=True)
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}
