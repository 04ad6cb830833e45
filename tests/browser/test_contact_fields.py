"""Finding 4 of the outside test, with script: the contact fields are hidden while
"Ja, ik meld anoniem" is chosen, and shown for "Nee, ik geef mijn contactgegevens"."""

from __future__ import annotations


def test_contact_fields_follow_the_anonymity_choice(browser, live_app, base_url):
    context = browser.new_context(locale="nl-NL", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(base_url + "/melden")
    fields = [page.locator(selector) for selector in ("#name", "#email", "#phone")]
    assert page.locator("#anonymity-0").is_checked()
    assert not any(field.is_visible() for field in fields)
    page.locator("#anonymity-1").check()
    assert all(field.is_visible() for field in fields)
    page.locator("#email").fill("karel@example.org")
    page.locator("#anonymity-0").check()
    assert not any(field.is_visible() for field in fields)
    context.close()
