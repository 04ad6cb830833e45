"""On Arabic (right-to-left) pages, phone numbers, receipt codes and postcodes are shown in
the order they are dialled and typed (issue 19, item 1).

Without isolation the browser's bidirectional algorithm reorders the parts of a number
next to Arabic text: "0900-8844" shows as "8844-0900". The test measures where the
browser actually draws every character of every number (a Range per character) and
requires each number's characters to run from left to right on its line.
"""

from __future__ import annotations

import pytest

from tests.browser.test_languages import REPORT_TEXT
from tests.browser.test_receipt_code_wrap import CODE_CHARS

# Phone numbers (0900-8844, 088-786 73 72, 112), receipt codes and postcodes.
NUMBER = (
    r"(?<![\w-])(?:112|0\d{1,3}[- ]?\d{2,4}(?:[ -]?\d{2,4}){0,3}"
    r"|[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}|[1-9]\d{3} ?[A-Z]{2})(?![\w-])"
)

MEASURE = """(pattern) => {
  const re = new RegExp(pattern, 'g');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, textarea, option, title')) continue;
    for (const match of node.data.matchAll(re)) {
      const chars = [];
      for (let i = match.index; i < match.index + match[0].length; i++) {
        if (node.data[i] === ' ') continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getBoundingClientRect();
        if (rect.width === 0) continue;  // not displayed
        chars.push({ch: node.data[i], x: rect.left, top: Math.round(rect.top)});
      }
      if (chars.length < 2) continue;
      const line = chars.filter(c => c.top === chars[0].top);
      const visual = [...line].sort((a, b) => a.x - b.x).map(c => c.ch).join('');
      const logical = line.map(c => c.ch).join('');
      found.push({number: match[0], logical, visual});
    }
  }
  return found;
}"""


def measured(page) -> list[dict]:
    return page.evaluate(MEASURE, NUMBER)


@pytest.mark.parametrize("language", ["ar"])
def test_numbers_read_in_dialling_order_on_right_to_left_pages(browser, live_app, base_url, language):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base_url}/taal/{language}?next=/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    seen: dict[str, list[dict]] = {}

    def visit(path: str) -> None:
        response = page.goto(base_url + path)
        assert response.ok, path
        seen[path] = measured(page)

    for path in ("/", "/privacy", "/toegankelijkheid", "/opvolgen", "/resultaten"):
        visit(path)
    # The form with a wrong postcode: the error message shows the example "1234 AB".
    page.goto(base_url + "/melden")
    page.locator("#text").fill(REPORT_TEXT)
    page.locator("#postcode").fill("12")
    page.locator("#report-form button[type=submit]").last.click()
    page.wait_for_selector(".error-summary")
    seen["/melden (postcode)"] = measured(page)
    # The thank-you page: the receipt code and the advice with its phone numbers.
    page.locator("#postcode").fill("")
    page.locator("#report-form button[type=submit]").last.click()
    page.wait_for_url("**/melden/bedankt")
    seen["/melden/bedankt"] = measured(page)
    # The receipt code is drawn in groups (one element each, formatting.receipt_code): its
    # characters are measured across those elements, line by line.
    code_chars = page.evaluate(CODE_CHARS)["chars"]
    context.close()

    numbers = [n["number"] for found in seen.values() for n in found]
    # The footer's numbers on every page, the receipt code, the postcode example, the advice.
    for expected in ("0900-8844", "0800-7000", "112", "1234 AB"):
        assert expected in numbers, (expected, sorted(set(numbers)))
    assert len(code_chars) == 19, "the receipt code was not measured"
    for top in {c["top"] for c in code_chars}:
        line = [c for c in code_chars if c["top"] == top]
        assert [c["ch"] for c in sorted(line, key=lambda c: c["left"])] == [c["ch"] for c in line]
    reversed_numbers = {
        path: [(n["number"], n["visual"]) for n in found if n["visual"] != n["logical"]]
        for path, found in seen.items()
    }
    assert {path: wrong for path, wrong in reversed_numbers.items() if wrong} == {}


def test_the_isolated_number_is_what_a_screen_shows(browser, live_app, base_url):
    """innerText of the footer's link is the number itself, in dialling order."""
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(f"{base_url}/taal/ar?next=/")
    link = page.locator("footer a[href='tel:09008844']")
    assert link.count() == 1
    assert link.inner_text().strip() == "0900-8844"
    assert link.locator("bdi").get_attribute("dir") == "ltr"
    context.close()
