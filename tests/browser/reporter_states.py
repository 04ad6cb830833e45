"""Every state of the reporter path, reached the way a reporter reaches it.

``open_state(page, app, base_url, language, state)`` brings a fresh page to one
state (a page, or a page after a form post) in the chosen language. The language
is chosen the way a reporter does: GET /taal/<code>?next=<path>, remembered in the
session cookie. Shared by the axe, reflow and reduced-motion tests.
"""

from __future__ import annotations

from collections.abc import Callable

REPORT_TEXT = (
    "Achter de loods aan de Polderweg staan 's nachts busjes met de motor aan. Ik ruik een "
    "scherpe anijslucht en zag blauwe vaten en jerrycans naar binnen gaan."
)
# An anonymous report that names an e-mail address: the "u koos anoniem, maar…" step.
TEXT_WITH_ADDRESS = REPORT_TEXT + " De huurder mailt vanaf verhuur.polderweg@example.nl naar iedereen."
# Well formed (four groups of four), but no report has it.
WRONG_CODE = "ABCD-EFGH-JKMN-PQRS"
SUBMIT = "#report-form button[type=submit]"
ADD_SUBMIT = "form[action$='/opvolgen/melding'] button[type=submit]"


def switch(page, base_url: str, language: str, path: str, expect_ok: bool = True):
    response = page.goto(f"{base_url}/taal/{language}?next={path}")
    if expect_ok:
        assert response.ok, (path, response.status)
    assert page.url == base_url + path, page.url
    return response


def receipt_code(app) -> str:
    """A report made through the service (no browser needed), and its receipt code."""
    from meldpunt.intake import reports

    with app.app_context():
        return reports.submit_report(reports.NewReport(text=REPORT_TEXT)).receipt_code


def _send_report(page, text: str) -> None:
    page.locator("#text").fill(text)
    page.locator(SUBMIT).last.click()


def _home(page, app, base_url, language):
    switch(page, base_url, language, "/")


def _form(page, app, base_url, language):
    switch(page, base_url, language, "/melden")


def _form_errors(page, app, base_url, language):
    switch(page, base_url, language, "/melden")
    page.locator(SUBMIT).last.click()
    page.wait_for_selector(".error-summary")


def _anonymous_confirmation(page, app, base_url, language):
    switch(page, base_url, language, "/melden")
    _send_report(page, TEXT_WITH_ADDRESS)
    page.wait_for_selector(".notice--warning button[name=confirm_anyway]")
    assert "verhuur.polderweg@example.nl" in page.locator(".notice--warning").inner_text()


def _thanks(page, app, base_url, language):
    switch(page, base_url, language, "/melden")
    _send_report(page, REPORT_TEXT)
    page.wait_for_url("**/melden/bedankt")
    assert len(page.locator(".receipt-code strong").inner_text().strip()) == 19


def _thanks_gone(page, app, base_url, language):
    _thanks(page, app, base_url, language)
    # A reload shows the code again for a while; "Ik heb de code bewaard" takes it away,
    # and then the page says the code was already shown, without the code.
    page.reload()
    assert len(page.locator(".receipt-code strong").inner_text().strip()) == 19
    page.locator("form.receipt-saved button[type=submit]").click()
    page.goto(base_url + "/melden/bedankt")
    assert page.url.endswith("/melden/bedankt")
    assert page.locator(".receipt-code").count() == 0
    assert page.locator("main a[href='/melden']").count() == 1


def _followup_login(page, app, base_url, language):
    switch(page, base_url, language, "/opvolgen")


def _followup_wrong_code(page, app, base_url, language):
    switch(page, base_url, language, "/opvolgen")
    page.locator("#code").fill(WRONG_CODE)
    page.locator("form[action$='/opvolgen'] button[type=submit]").click()
    page.wait_for_selector(".error-summary")


def _followup_report(page, app, base_url, language):
    code = receipt_code(app)
    switch(page, base_url, language, "/opvolgen")
    page.locator("#code").fill(code)
    page.locator("form[action$='/opvolgen'] button[type=submit]").click()
    page.wait_for_url("**/opvolgen/melding")
    # The language survives opening the report (test_languages checks that on its own).
    if page.evaluate("document.documentElement.lang") != language:
        switch(page, base_url, language, "/opvolgen/melding")


def _followup_answer_error(page, app, base_url, language):
    _followup_report(page, app, base_url, language)
    # Neither text nor a file: "Schrijf iets of voeg een bestand toe."
    page.locator(ADD_SUBMIT).click()
    page.wait_for_selector(".error-summary")
    assert page.locator("#text[aria-invalid=true]").count() == 1


def _privacy(page, app, base_url, language):
    switch(page, base_url, language, "/privacy")


def _accessibility_statement(page, app, base_url, language):
    switch(page, base_url, language, "/toegankelijkheid")


def _results(page, app, base_url, language):
    switch(page, base_url, language, "/resultaten")


def _not_found(page, app, base_url, language):
    response = switch(page, base_url, language, "/bestaat-niet", expect_ok=False)
    assert response.status == 404, response.status


StateOpener = Callable[..., None]
STATES: dict[str, StateOpener] = {
    "home": _home,
    "melden": _form,
    "melden-fouten": _form_errors,
    "melden-anoniem-bevestigen": _anonymous_confirmation,
    "bedankt": _thanks,
    "bedankt-al-getoond": _thanks_gone,
    "opvolgen": _followup_login,
    "opvolgen-foute-code": _followup_wrong_code,
    "opvolgen-melding": _followup_report,
    "opvolgen-melding-fout": _followup_answer_error,
    "privacy": _privacy,
    "toegankelijkheid": _accessibility_statement,
    "resultaten": _results,
    "404": _not_found,
}
# States test_languages.py does not reach (it covers the others in every language).
NEW_STATES = [
    "melden-anoniem-bevestigen",
    "bedankt-al-getoond",
    "opvolgen-foute-code",
    "opvolgen-melding-fout",
    "resultaten",
    "404",
]


def open_state(page, app, base_url: str, language: str, state: str) -> None:
    STATES[state](page, app, base_url, language)
    page.wait_for_load_state("load")
