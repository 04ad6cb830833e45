"""Every reporter page in every language: axe-core, <html lang>/dir, and no sideways
scrolling on a 320 px wide screen (WCAG 1.4.10 reflow).

One browser for the module, one context per language; the language is chosen the
way a reporter does: GET /taal/<code>?next=<path> (remembered in the session).
"""

from __future__ import annotations

import pytest

from meldpunt import RTL_LANGUAGES, available_languages
from meldpunt.config import load_config
from tests.browser.axe import run_axe

# What the app offers: configured languages that have a compiled catalogue.
LANGUAGES = available_languages(load_config()["LANGUAGES"])
REPORT_TEXT = (
    "Achter de loods aan de Polderweg staan 's nachts busjes met de motor aan. Ik ruik een "
    "scherpe anijslucht en zag blauwe vaten en jerrycans naar binnen gaan."
)
NARROW = 320


def test_the_app_offers_every_language_it_is_tested_in(live_app):
    assert live_app.config["AVAILABLE_LANGUAGES"] == LANGUAGES
    assert "nl" in LANGUAGES and len(LANGUAGES) > 1, LANGUAGES


def check_page(page, name: str, language: str, axe_source: str, problems: dict, artifacts) -> None:
    """Language attributes, axe-core at desktop width, then reflow at 320 px."""
    found = []
    lang = page.evaluate("document.documentElement.getAttribute('lang')")
    direction = page.evaluate("document.documentElement.getAttribute('dir')")
    if lang != language:
        found.append(f"<html lang={lang!r}>")
    expected_dir = "rtl" if language in RTL_LANGUAGES else "ltr"
    if direction != expected_dir:
        found.append(f"<html dir={direction!r}>, expected {expected_dir!r}")
    violations = run_axe(page, axe_source)
    if violations:
        found.append(violations)
    page.set_viewport_size({"width": NARROW, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW:
        # The innermost elements whose content sticks out of their box.
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
                .slice(-3).map(e => e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 40))"""
        )
        found.append(f"scrollWidth {width} > {NARROW} at {NARROW} px; too wide: {wide}")
        page.screenshot(path=str(artifacts / f"{name.replace('/', '_')}-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    if found:
        problems[name] = found


@pytest.mark.parametrize("language", LANGUAGES)
def test_reporter_pages_in_every_language(browser, live_app, base_url, axe_source, artifacts, language):
    assert language in live_app.config["AVAILABLE_LANGUAGES"]
    # The browser asks for Dutch: every page below must follow the switch instead.
    context = browser.new_context(bypass_csp=True, locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: dict[str, list] = {}

    def switch(path: str) -> None:
        response = page.goto(f"{base_url}/taal/{language}?next={path}")
        assert response.ok, (path, response.status)
        assert page.url == base_url + path, page.url

    switch("/")
    check_page(page, "/", language, axe_source, problems, artifacts)
    # The switch on the page offers every language (and marks the current one).
    for code in LANGUAGES:
        assert page.locator(f"a[href^='/taal/{code}'], a[href*='/taal/{code}?']").count() + (
            page.locator(f"[lang='{code}'][aria-current], [aria-current][hreflang='{code}']").count()
        ) >= 1, f"no switch to {code}"

    switch("/melden")
    check_page(page, "/melden", language, axe_source, problems, artifacts)

    page.locator("#report-form button[type=submit]").last.click()
    page.wait_for_selector(".error-summary")
    assert page.locator(".error-summary li").count() >= 1
    check_page(page, "/melden (fouten)", language, axe_source, problems, artifacts)

    page.locator("#text").fill(REPORT_TEXT)
    page.locator("#report-form button[type=submit]").last.click()
    page.wait_for_url("**/melden/bedankt")
    code = page.locator(".receipt-code strong").inner_text().strip()
    assert len(code) == 19, code
    check_page(page, "/melden/bedankt", language, axe_source, problems, artifacts)

    switch("/opvolgen")
    check_page(page, "/opvolgen", language, axe_source, problems, artifacts)
    page.locator("#code").fill(code)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/opvolgen/melding")
    # Opening the report starts a fresh session; choose the language again if it was lost
    # (see test_language_survives_opening_a_report for that on its own).
    if page.evaluate("document.documentElement.lang") != language:
        switch("/opvolgen/melding")
    check_page(page, "/opvolgen/melding", language, axe_source, problems, artifacts)

    for path in ("/privacy", "/toegankelijkheid"):
        switch(path)
        check_page(page, path, language, axe_source, problems, artifacts)
    context.close()
    assert problems == {}


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "nl"])
def test_language_survives_opening_a_report(browser, live_app, base_url, language):
    """A reporter who chose a language keeps it after entering the receipt code."""
    from meldpunt.intake import reports

    with live_app.app_context():
        code = reports.submit_report(reports.NewReport(text=REPORT_TEXT)).receipt_code
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(f"{base_url}/taal/{language}?next=/opvolgen")
    assert page.evaluate("document.documentElement.lang") == language
    page.locator("#code").fill(code)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/opvolgen/melding")
    assert page.evaluate("document.documentElement.lang") == language
    context.close()
