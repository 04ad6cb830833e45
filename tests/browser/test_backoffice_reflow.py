"""WCAG 1.4.10 reflow in the back office (issue 15.8, 16.17): no sideways scrolling.

At 320 CSS px (a phone) and at 640 CSS px (a 1280 px window at 200 % zoom) the
queue, a report, routing, users, audit and templates pages fit the viewport:
``document.scrollingElement.scrollWidth <= innerWidth``. The data is made to be
awkward: long unbroken words, long e-mail addresses, every panel filled.
"""

from __future__ import annotations

import pytest

from meldpunt.extensions import db
from tests.browser.test_staff_flow import Staff, sign_in

LONG_WORD = "Toegankelijkheidsverklaringsonderzoeksrapportagemedewerker" * 2
PAGES = {
    "werkvoorraad": "/beheer",
    "werkvoorraad-alle": "/beheer?status=alle",
    "melding": "/beheer/melding/{report_id}",
    "routering": "/beheer/routering",
    "gebruikers": "/beheer/gebruikers",
    "auditlog": "/beheer/audit",
    "sjablonen": "/beheer/sjablonen",
}
WIDTHS = (320, 640)


@pytest.fixture(scope="module")
def reflow_page(browser, module_live_app, module_base_url):
    from meldpunt.casework import forwarding, staff_messages, templates_service, triage_decisions
    from meldpunt.intake import reports
    from meldpunt.models import StaffUser

    app = module_live_app
    admin = Staff(app, "admin", "een.heel.lange.naam.van.een.beheerder@gemeente-met-een-lange-naam.example")
    with app.app_context():
        ids = [
            reports.submit_report(reports.NewReport(
                text=f"Wietlucht en afgeplakte ramen bij de loods. {LONG_WORD} https://voorbeeld.example/{LONG_WORD}",
                location=f"Industrieweg 12, {LONG_WORD}", anonymous=False, name="Jan", email="jan@example.org",
            )).report_id
            for _ in range(3)
        ]
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.email == admin.email))
        triage_decisions.decide(ids[0], user, "hennep", "hoog", "politie")
        forwarding.forward(ids[0], user, "politie")
        staff_messages.send_message(ids[0], user, f"Weet u wanneer dit gebeurt? {LONG_WORD}")
        templates_service.save(user, "hennep", f"Vraag {LONG_WORD}", f"Op welke dagen? {LONG_WORD}")
        db.session.remove()
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, module_base_url, admin)
    page.report_id = ids[0]
    yield page
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_back_office_page_reflows(reflow_page, module_base_url, artifacts, name, width):
    page = reflow_page
    page.set_viewport_size({"width": width, "height": 800})
    response = page.goto(module_base_url + PAGES[name].format(report_id=page.report_id))
    assert response is not None and response.ok, (name, response and response.status)
    sizes = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    if sizes[0] > sizes[1]:
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
        wide = page.evaluate(
            """(limit) => [...document.querySelectorAll('body, body *')]
                .filter(e => e.getBoundingClientRect().right > limit + 1 || e.scrollWidth > limit + 1)
                .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)
                                 + '/' + e.scrollWidth)""",
            sizes[1],
        )
        pytest.fail(f"{name} at {width}px is {sizes[0]}px wide: {wide}")


def test_queue_is_cards_on_a_phone(reflow_page, module_base_url):
    page = reflow_page
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(module_base_url + "/beheer")
    display = page.evaluate("() => getComputedStyle(document.querySelector('table.queue tbody tr')).display")
    assert display == "block"
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(module_base_url + "/beheer")
    display = page.evaluate("() => getComputedStyle(document.querySelector('table.queue tbody tr')).display")
    assert display == "table-row"


def test_header_and_content_share_one_edge(reflow_page, module_base_url):
    page = reflow_page
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(module_base_url + "/beheer")
    header, main, footer = page.evaluate(
        """() => ['.site-header .wrap', 'main', '.site-footer .wrap'].map(
            s => Math.round(document.querySelector(s).getBoundingClientRect().left))"""
    )
    assert header == main == footer, (header, main, footer)
    footer_text = page.locator(".site-footer").inner_text()
    assert "Uw melding volgen" not in footer_text and "auditlog" in footer_text




# Every word of these cells on one line (issue 15, item 7: "147/2", "Leeftij d", "Urgenti e").
UNBROKEN = "table thead th, table th[scope=row] > a, table .badge, table td[data-label=Status]"
BROKEN_WORDS = """(selector) => {
    const broken = [];
    for (const cell of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.data.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                                      .map(r => Math.round(r.top)));
                if (lines.size > 1) broken.push(word[0]);
            }
        }
    }
    return broken;
}"""


@pytest.mark.parametrize("name", ["werkvoorraad-alle", "auditlog", "gebruikers"])
def test_tables_never_break_numbers_headers_or_status_words_at_1280(reflow_page, module_base_url, name):
    page = reflow_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(module_base_url + PAGES[name].format(report_id=page.report_id))
    assert page.evaluate(BROKEN_WORDS, UNBROKEN) == []
    # A table wider than its space scrolls inside its own box, never the page.
    sizes = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], sizes
