"""Finding 7 of the outside test: on Arabic pages postcodes, codes, phone numbers and
e-mail addresses read left to right, where they are typed and where they are shown.

Typing "1234 AB" in the postcode field showed "AB 1234"; the follow-up page showed
"(1234AB) Industrieweg 12". The test checks the direction the browser uses for the
fields and measures where it draws the place and its postcode (a Range per part).
"""

from __future__ import annotations

from tests.browser.test_languages import REPORT_TEXT

# Where the browser draws the first character of each of the given strings inside an element.
POSITIONS = """([selector, parts]) => {
  const box = document.querySelector(selector);
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  const found = {};
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const part of parts) {
      const at = node.data.indexOf(part);
      if (at < 0 || part in found) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + part.length);
      const rect = range.getBoundingClientRect();
      found[part] = {left: rect.left, right: rect.right};
    }
  }
  return found;
}"""


def test_numbers_and_codes_read_left_to_right_in_arabic(browser, live_app, base_url):
    context = browser.new_context(locale="nl-NL", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(f"{base_url}/taal/ar?next=/melden")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    directions = page.evaluate(
        "['postcode', 'email', 'phone'].map(id => getComputedStyle(document.getElementById(id)).direction)"
    )
    assert directions == ["ltr", "ltr", "ltr"]
    page.locator("#text").fill(REPORT_TEXT)
    page.locator("#location").fill("Industrieweg 12")
    page.locator("#postcode").fill("1234 AB")
    page.locator("#report-form button[type=submit]").last.click()
    page.wait_for_url("**/melden/bedankt")
    code = page.locator(".receipt-code strong").inner_text().strip()

    page.goto(base_url + "/opvolgen")
    assert page.evaluate("getComputedStyle(document.getElementById('code')).direction") == "ltr"
    page.locator("#code").fill(code)
    page.locator("form[action$='/opvolgen'] button[type=submit]").click()
    page.wait_for_url("**/opvolgen/melding")
    place = page.locator("dl.own-report dd").nth(1)
    assert "Industrieweg 12" in place.inner_text() and "1234AB" in place.inner_text()
    place.evaluate("e => e.setAttribute('data-place', '')")
    parts = page.evaluate(POSITIONS, ["[data-place]", ["Industrieweg", "1234AB", "("]])
    # "Industrieweg 12 (1234AB)": the place first, then the bracket, then the postcode.
    assert parts["Industrieweg"]["right"] <= parts["("]["left"] + 0.5, parts
    assert parts["("]["right"] <= parts["1234AB"]["left"] + 0.5, parts
    context.close()
