"""Finding 3 of the outside test: on a phone the receipt code wraps only between its groups.

At 360 px the code broke inside a group ("1QCS-QRFE-0SWS-5" / "5RE"): a reporter copying
it line by line writes a wrong code. The test draws the thank-you page at 320 and 360 px
in Dutch, Arabic and Polish and measures, per group of four, on how many lines the
browser put its characters (a Range per character): always one.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.test_languages import REPORT_TEXT

# The characters of the code, each with the line it is drawn on, across however many
# elements the page splits the code into.
CODE_CHARS = """() => {
  const box = document.querySelector('.receipt-code');
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  const chars = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (let i = 0; i < node.data.length; i++) {
      if (!node.data[i].trim()) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      chars.push({ch: node.data[i], top: Math.round(rect.top), left: rect.left, right: rect.right});
    }
  }
  return {chars, width: document.documentElement.clientWidth};
}"""


def code_lines(page) -> tuple[str, dict[str, set[int]], list[dict]]:
    measured = page.evaluate(CODE_CHARS)
    chars = measured["chars"]
    code = "".join(c["ch"] for c in chars)
    assert re.fullmatch(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}", code), code
    lines: dict[str, set[int]] = {}
    for index, group in enumerate(code.split("-")):
        start = index * 5
        lines[group] = {c["top"] for c in chars[start : start + 4]}
    outside = [c for c in chars if c["left"] < 0 or c["right"] > measured["width"] + 0.5]
    return code, lines, outside


@pytest.mark.parametrize("width", [320, 360])
def test_receipt_code_breaks_only_between_groups(browser, live_app, base_url, width):
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(base_url + "/melden")
    page.locator("#text").fill(REPORT_TEXT)
    page.locator("#report-form button[type=submit]").last.click()
    page.wait_for_url("**/melden/bedankt")
    problems = {}
    codes = set()
    for language in ("nl", "ar", "pl"):
        # The code may be shown again in the same session (finding 2), in another language.
        page.goto(f"{base_url}/taal/{language}?next=/melden/bedankt")
        assert page.evaluate("document.documentElement.lang") == language
        code, lines, outside = code_lines(page)
        codes.add(code)
        split = {group: sorted(tops) for group, tops in lines.items() if len(tops) != 1}
        # On a phone at 100% the whole code fits one line (outside test: "081C-X50W-VTE3-" / "B108").
        one_line = len(set().union(*lines.values())) == 1
        if split or outside or not one_line:
            problems[language] = {"split": split, "outside the screen": [c["ch"] for c in outside],
                                  "lines": sorted(set().union(*lines.values()))}
    context.close()
    assert len(codes) == 1
    assert problems == {}
