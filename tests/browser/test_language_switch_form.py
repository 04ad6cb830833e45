"""Finding 6 of the outside test, in a browser (with script): the header's language switch
on the report form keeps everything typed."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_languages import REPORT_TEXT


def test_switching_language_on_the_form_keeps_the_text(browser, live_app, base_url):
    context = browser.new_context(locale="nl-NL", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(base_url + "/melden")
    page.locator("#text").fill(REPORT_TEXT)
    page.locator("#location").fill("Industrieweg 12")
    page.locator("#postcode").fill("1234 AB")
    page.locator(".language-switch [lang=pl]").click()
    # The switch is a form post and a new page: during the navigation there is briefly no
    # document element, so wait on the locator (which retries) and not on a script.
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    assert page.locator("#text").input_value().strip() == REPORT_TEXT
    assert page.locator("#location").input_value() == "Industrieweg 12"
    assert page.locator("#postcode").input_value() == "1234 AB"
    page.locator(".language-switch [lang=ar]").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.locator("#text").input_value().strip() == REPORT_TEXT
    context.close()


def test_enter_in_a_field_neither_switches_language_nor_sends_the_report(browser, live_app, base_url):
    # Outside test: Enter ("Go" on a phone keyboard) in the postcode field clicked the first
    # submit button of the form, the header's "Nederlands": an Arabic form came back in Dutch.
    context = browser.new_context(locale="ar", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(base_url + "/taal/ar?next=/melden")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method) if r.method == "POST" else None)
    page.locator("#text").fill(REPORT_TEXT)
    page.locator("#postcode").fill("1234 AB")
    page.locator("#postcode").press("Enter")
    page.wait_for_timeout(500)
    assert requests == []  # nothing was sent
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.locator("#postcode").input_value() == "1234 AB"
    context.close()
