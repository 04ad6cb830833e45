"""Keyboard only, as the accessibility statement (templates/public/toegankelijkheid.html) claims.

- The skip link is the first focus stop and moves focus to <main>.
- A reporter fills in the form in Dutch and sends it without a mouse, and reaches the
  thank-you page. Keys: Tab, Shift+Tab, Space and Enter; inside a radio group or a closed
  select the arrow keys, which is how those controls work for every keyboard user.
- Every focus stop on the reporter pages shows a visible focus indicator: its computed
  outline or box-shadow differs from the unfocused element, and it is on screen.
- After a submission with errors, focus is on the error summary and each of its links
  moves focus to its field.

No mouse events and no element.focus() from the test: focus only moves by key presses.
Screenshots of each step go to test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import Report
from tests.browser.reporter_states import WRONG_CODE, open_state
from tests.browser.waiting import wait_until

KEYBOARD_TEXT = "Elke nacht rijden busjes af en aan bij de loods aan de Havenkade."
MAX_STOPS = 120

# The focused element, described; None when nothing (or the body) has focus.
ACTIVE = """() => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) return null;
    return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '',
            type: e.getAttribute('type') || '', value: 'value' in e ? String(e.value) : '',
            checked: !!e.checked, href: e.getAttribute('href') || '',
            cls: typeof e.className === 'string' ? e.className : '',
            text: (e.innerText || e.value || '').trim().slice(0, 50)};
}"""


def active(page) -> dict | None:
    return page.evaluate(ACTIVE)


def describe(found: dict | None) -> str:
    if found is None:
        return "<body>"
    name = found["tag"] + (f"#{found['id']}" if found["id"] else "")
    if found["tag"] == "input":
        name += f"[{found['type']}][name={found['name']}][value={found['value']}]"
    return name + (f" {found['text']!r}" if found["text"] and found["tag"] in ("a", "button") else "")


def new_page(browser, **options):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}, **options)
    return context, context.new_page()


def choose_radio(page, value: str) -> None:
    """In a focused radio group, move with the arrow keys until ``value`` is chosen."""
    for _ in range(12):
        if active(page)["value"] == value:
            break
        page.keyboard.press("ArrowDown")
    now = active(page)
    assert now["value"] == value and now["checked"], now


# --- 1. the skip link, then the whole form by keyboard ---------------------------------------


def test_skip_link_is_first_and_moves_focus_to_main(browser, module_live_app, module_base_url, artifacts):
    context, page = new_page(browser)
    for path in ("/", "/melden", "/opvolgen"):
        page.goto(module_base_url + path)
        page.keyboard.press("Tab")
        first = active(page)
        assert first and "skip-link" in first["cls"] and first["href"] == "#inhoud", (path, first)
        # Shown on screen while it has focus (it hides above the page otherwise).
        top, bottom = page.evaluate("(() => { const r = document.activeElement.getBoundingClientRect();"
                                    " return [r.top, r.bottom]; })()")
        assert top >= 0 and bottom > top, (path, top, bottom)
        page.screenshot(path=str(artifacts / f"skiplink{path.replace('/', '-')}.png"))
        page.keyboard.press("Enter")
        landed = active(page)
        assert landed and landed["tag"] == "main" and landed["id"] == "inhoud", (path, landed)
        # The next Tab continues inside main, not back in the header.
        page.keyboard.press("Tab")
        inside = page.evaluate("document.querySelector('main').contains(document.activeElement)")
        assert inside, (path, describe(active(page)))
    context.close()


def test_report_by_keyboard_only(browser, module_live_app, module_base_url, artifacts):
    context, page = new_page(browser)
    page.goto(f"{module_base_url}/melden")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")  # focus on <main>
    stops: list[str] = []
    done: set[str] = set()
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        now = active(page)
        stops.append(describe(now))
        assert now is not None, f"focus left the page before the send button: {stops}"
        key = now["id"] or now["name"]
        if now["tag"] == "textarea" and now["id"] == "text":
            page.keyboard.type(KEYBOARD_TEXT)
        elif now["id"] == "location":
            page.keyboard.type("Havenkade 14")
        elif now["id"] == "postcode":
            page.keyboard.type("3311 AB")
        elif now["name"] == "place_type" and key not in done:
            choose_radio(page, "bedrijfspand")
            key = "place_type"
        elif now["name"] == "ongoing" and key not in done:
            choose_radio(page, "ja")
            key = "ongoing"
        elif now["tag"] == "select" and now["id"] == "heard_via":
            page.keyboard.press("ArrowDown")
            assert active(page)["value"] == "sociale_media", active(page)
        elif now["tag"] == "button" and now["text"] == "Melding versturen":
            page.screenshot(path=str(artifacts / "1-ingevuld.png"), full_page=True)
            page.keyboard.press("Enter")
            break
        done.add(key)
    else:
        pytest.fail(f"no send button within {MAX_STOPS} Tab presses: {stops}")
    page.wait_for_url("**/melden/bedankt")
    code = page.locator(".receipt-code strong").inner_text().strip()
    assert len(code) == 19, code
    page.screenshot(path=str(artifacts / "2-bedankt.png"), full_page=True)
    # Every field was reached in order, and what was typed arrived.
    assert {"text", "location", "postcode", "place_type", "ongoing", "heard_via"} <= done, stops
    with module_live_app.app_context():
        report = db.session.scalars(select(Report).order_by(Report.id.desc())).first()
        assert report.text == KEYBOARD_TEXT
        assert (report.location, report.place_type, report.ongoing, report.heard_via) == (
            "Havenkade 14", "bedrijfspand", "ja", "sociale_media")
    context.close()


def test_anonymity_warning_by_keyboard(browser, module_live_app, module_base_url, artifacts):
    """The "u koos anoniem, maar…" notice takes focus; its send button works by keyboard."""
    context, page = new_page(browser)
    page.goto(f"{module_base_url}/melden")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The danger question comes first (one stop for its radio group), then the text.
    assert active(page)["name"] == "danger_now", describe(active(page))
    page.keyboard.press("Tab")
    assert active(page)["id"] == "text", describe(active(page))
    page.keyboard.type(KEYBOARD_TEXT + " Mail de eigenaar: havenkade14@example.nl")
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        now = active(page)
        if now and now["tag"] == "button" and now["text"] == "Melding versturen":
            page.keyboard.press("Enter")
            break
    page.wait_for_selector(".notice--warning")
    # enhance.js (deferred) moves the focus to the notice once the page has loaded.
    wait_until(page, "document.activeElement && document.activeElement.classList.contains('notice--warning')")
    now = active(page)
    assert now and "notice--warning" in now["cls"], describe(now)
    page.screenshot(path=str(artifacts / "1-waarschuwing.png"), full_page=True)
    # The notice offers "Ik pas mijn tekst aan" (to the text) and "Versturen zoals het is".
    page.keyboard.press("Tab")
    assert active(page)["href"] == "#text", describe(active(page))
    page.keyboard.press("Tab")
    assert active(page)["text"] == "Versturen zoals het is", describe(active(page))
    page.keyboard.press("Enter")
    page.wait_for_url("**/melden/bedankt")
    assert len(page.locator(".receipt-code strong").inner_text().strip()) == 19
    context.close()


# --- 2. a visible focus indicator at every focus stop ----------------------------------------

# In the page: remember the focused element and its focused style.
RECORD = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    window.__stops = window.__stops || [];
    const seen = window.__stops.findIndex(s => s.element === e);
    if (seen >= 0) return seen;
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    window.__stops.push({element: e, focused: [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow],
                         onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight
                                   && r.right > 0 && r.left < innerWidth});
    return -1;
}"""
# After blurring: each element's unfocused style, compared with its focused one.
COMPARE = """() => {
    document.activeElement && document.activeElement.blur();
    return window.__stops.map(stop => {
        const e = stop.element, s = getComputedStyle(e);
        const [style, width, color, shadow] = stop.focused;
        const outline = style !== 'none' && parseFloat(width) >= 2
            && [style, width, color].join() !== [s.outlineStyle, s.outlineWidth, s.outlineColor].join();
        const ring = shadow !== 'none' && shadow !== s.boxShadow;
        return {element: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.getAttribute('href') ? '[href=' + e.getAttribute('href') + ']' : '')
                    + (e.getAttribute('type') ? '[type=' + e.getAttribute('type') + ']' : ''),
                indicator: outline || ring, onScreen: stop.onScreen, focused: stop.focused.join(' / ')};
    });
}"""
FOCUS_STATES = [
    "home",
    "melden",
    "melden-fouten",
    "melden-anoniem-bevestigen",
    "bedankt",
    "opvolgen-foute-code",
    "opvolgen-melding",
    "resultaten",
    "404",
]
KNOWN_FOCUS_BUGS: dict[str, str] = {}


def with_known_bugs(names, known: dict[str, str]):
    """One case per name; a known app bug makes its case a strict xfail (a fix turns it red)."""
    return [
        pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=known[name])] if name in known else [])
        for name in names
    ]


@pytest.mark.parametrize("state", with_known_bugs(FOCUS_STATES, KNOWN_FOCUS_BUGS))
def test_every_focus_stop_has_a_visible_indicator(browser, module_live_app, module_base_url, artifacts, state):
    context, page = new_page(browser)
    open_state(page, module_live_app, module_base_url, "nl", state)
    # Tab through the whole page until focus comes back to the first stop.
    for number in range(MAX_STOPS):
        page.keyboard.press("Tab")
        seen = page.evaluate(RECORD)
        if number == 2:
            page.screenshot(path=str(artifacts / f"{state}-focus.png"))
        if seen == 0:
            break
    else:
        pytest.fail(f"more than {MAX_STOPS} focus stops: the walk never came back to the first")
    stops = page.evaluate(COMPARE)
    context.close()
    assert len(stops) >= 3, stops  # at least the skip link, the site name and a footer link
    assert [s for s in stops if not (s["indicator"] and s["onScreen"])] == []


# --- 3. errors: focus on the summary, its links to the fields ----------------------------------

ERROR_LINKS = {
    # form field -> how to make it wrong
    "text": "too short",
    "postcode": "not a postcode",
    "anonymity": "contact details chosen but none given",
    "code": "wrong receipt code",
}
KNOWN_ERROR_LINK_BUGS: dict[str, str] = {}


def send_form_with_errors(page, base_url: str) -> None:
    page.goto(f"{base_url}/melden")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        now = active(page)
        if now["id"] == "text":
            page.keyboard.type("Te kort")
        elif now["id"] == "postcode":
            page.keyboard.type("12")
        elif now["name"] == "anonymity" and now["value"] != "contact":
            choose_radio(page, "contact")
        elif now["tag"] == "button" and now["text"] == "Melding versturen":
            page.keyboard.press("Enter")
            break
    page.wait_for_selector(".error-summary")


def send_wrong_code(page, base_url: str) -> None:
    page.goto(f"{base_url}/opvolgen")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if active(page)["id"] == "code":
            break
    page.keyboard.type(WRONG_CODE)
    page.keyboard.press("Enter")  # submits the form from its only text field
    page.wait_for_selector(".error-summary")


@pytest.mark.parametrize("field", with_known_bugs(ERROR_LINKS, KNOWN_ERROR_LINK_BUGS))
def test_error_summary_takes_focus_and_links_to_the_field(browser, module_live_app, module_base_url, artifacts, field):
    context, page = new_page(browser)
    if field == "code":
        send_wrong_code(page, module_base_url)
    else:
        send_form_with_errors(page, module_base_url)
    # enhance.js moves focus once the deferred script has run; on a busy machine that can
    # come a moment after the summary is in the page. Wait for it (then check, with detail).
    # (page.evaluate in a loop: wait_for_function needs eval, which the page's CSP forbids.)
    try:
        wait_until(page, "!!(document.activeElement && document.activeElement.classList.contains('error-summary'))")
    except AssertionError:
        pass
    now = active(page)
    assert now and "error-summary" in now["cls"], f"focus after sending: {describe(now)}"
    page.screenshot(path=str(artifacts / "1-foutmelding.png"), full_page=True)
    links = page.locator(".error-summary a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    if field != "code":
        # A radio group's link points at its chosen (or first) option, e.g. #anonymity-1.
        assert [link.removeprefix("#").split("-")[0] for link in links] == ["text", "postcode", "anonymity"], links

    def links_to_field(href: str | None) -> bool:
        return href == f"#{field}" or (href or "").startswith(f"#{field}-")

    # From the summary, Tab to this field's link and follow it with Enter.
    for _ in range(len(links)):
        page.keyboard.press("Tab")
        if links_to_field(active(page)["href"]):
            break
    assert links_to_field(active(page)["href"]), describe(active(page))
    page.keyboard.press("Enter")
    landed = page.evaluate(
        """id => { const target = document.getElementById(id), e = document.activeElement;
                   return !!target && e !== document.body && (e === target || target.contains(e)); }""",
        field,
    )
    page.screenshot(path=str(artifacts / f"2-naar-{field}.png"))
    where = describe(active(page))
    context.close()
    assert landed, f"the link to #{field} left focus on {where}"
