"""axe-core, reflow at 320 px and reduced motion on the states test_languages.py does not reach.

- axe-core (impact serious/critical) in every reporter language on: /resultaten, the
  "u koos anoniem, maar…" step, the thank-you page once seen ("already shown"), a wrong
  follow-up code, the follow-up answer form with an error, and the 404 page.
- axe-core on the main back-office pages in Dutch and English.
- No sideways scrolling at a 320 px wide viewport on any state of the reporter path
  (Dutch and Arabic, right to left), WCAG 1.4.10.
- With prefers-reduced-motion, no CSS animation or transition longer than 0.01 s.

One browser, one live server and one signed-in staff page for the whole module; every
case saves a screenshot of what it checked under test-artifacts/browser/<case>/.
"""

from __future__ import annotations

import pytest

from meldpunt import RTL_LANGUAGES, available_languages
from meldpunt.config import load_config
from tests.browser.axe import run_axe
from tests.browser.reporter_states import NEW_STATES, STATES, open_state, receipt_code
from tests.browser.test_staff_flow import PARTNER_ADDRESS, QUESTION, Staff, sign_in

LANGUAGES = available_languages(load_config()["LANGUAGES"])
STAFF_LANGUAGES = ["nl", "en"]
NARROW = 320
SEEDED_REPORTS = 160

# Known app/template bugs, one case each: {(state or page, language): reason}. Strict
# xfails, so a fix makes the case fail until its entry here is removed.
KNOWN_AXE_BUGS: dict[tuple[str, str], str] = {}
_LONG_ADDRESS = (
    "APP BUG: at 320 px the address found in the text (form.html, 'U koos anoniem, maar…': "
    "<strong dir=ltr>verhuur.polderweg@example.nl</strong>, 303 px) does not wrap and the page scrolls "
    "sideways (scrollWidth 385). Fix: overflow-wrap: anywhere on that list (e.g. .notice li strong)."
)
KNOWN_REFLOW_BUGS: dict[tuple[str, str], str] = {}
KNOWN_STAFF_AXE_BUGS: dict[tuple[str, str], str] = {}


def cases(names, languages, known: dict[tuple[str, str], str]):
    return [
        pytest.param(
            name,
            language,
            id=f"{name}-{language}",
            marks=[pytest.mark.xfail(strict=True, reason=known[name, language])] if (name, language) in known else [],
        )
        for name in names
        for language in languages
    ]


@pytest.fixture(scope="module")
def seeded_app(module_live_app):
    """Demo reports and their statistics: /resultaten, the dashboard and the queue have content."""
    from meldpunt import demo
    from meldpunt.stats import rollup

    with module_live_app.app_context():
        demo.seed_reports(SEEDED_REPORTS)
        rollup.rebuild_all()
    module_live_app.config["PARTNER_EMAILS"] = {"politie": PARTNER_ADDRESS}
    return module_live_app


def language_problems(page, language: str) -> list[str]:
    found = []
    lang, direction = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
    if lang != language:
        found.append(f"<html lang={lang!r}>, expected {language!r}")
    expected_dir = "rtl" if language in RTL_LANGUAGES else "ltr"
    if direction != expected_dir:
        found.append(f"<html dir={direction!r}>, expected {expected_dir!r}")
    return found


# --- 1. axe-core on the reporter states not covered elsewhere, every language --------------


@pytest.fixture(scope="module")
def reporter_page(browser):
    """One page per language and viewport width, reused by the cases of the module.

    Every state is reached from a fresh navigation (the language switch first), so what a
    previous case left in the session (a receipt, an opened report) does not matter.
    """
    contexts = {}

    def page_for(language: str, width: int = 1280):
        if (language, width) not in contexts:
            contexts[language, width] = browser.new_context(
                bypass_csp=True, locale="nl-NL", viewport={"width": width, "height": 900 if width > NARROW else 640}
            )
            contexts[language, width].new_page()
        return contexts[language, width].pages[0]

    yield page_for
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize(("state", "language"), cases(NEW_STATES, LANGUAGES, KNOWN_AXE_BUGS))
def test_reporter_state_passes_axe(reporter_page, seeded_app, module_base_url, axe_source, artifacts, state, language):
    page = reporter_page(language)
    open_state(page, seeded_app, module_base_url, language, state)
    page.screenshot(path=str(artifacts / f"{state}-{language}.png"), full_page=True)
    assert language_problems(page, language) + run_axe(page, axe_source) == []


# --- 2. axe-core on the main back-office pages, Dutch and English ---------------------------

STAFF_PAGES = {
    "werkvoorraad": "/beheer",
    "melding": "/beheer/melding/{report_id}",
    "statistiek": "/statistiek/",
    "factsheet": "/statistiek/factsheet",
    "campagnes": "/statistiek/campagnes",
    "statistiek-jaar-tot-nu": "/statistiek/?periode=jaar-tot-nu",
    "gebruikers": "/beheer/gebruikers",
    "auditlog": "/beheer/audit",
    "routering": "/beheer/routering",
    "taken": "/beheer/taken",
    "lang-open": "/beheer/lang-open",
    "sjablonen": "/beheer/sjablonen",
}


@pytest.fixture(scope="module")
def staff_page(browser, seeded_app, module_base_url):
    """An admin (every back-office page) signed in once; a report with history in every panel."""
    report_code = receipt_code(seeded_app)
    assert report_code
    with seeded_app.app_context():
        from sqlalchemy import func, select

        from meldpunt.extensions import db
        from meldpunt.models import Report

        report_id = db.session.scalar(select(func.max(Report.id)))
    admin = Staff(seeded_app, "admin", "beheerder@gemeente.example")
    context = browser.new_context(bypass_csp=True, locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, module_base_url, admin)
    page.goto(f"{module_base_url}/beheer/melding/{report_id}")
    page.locator("form[action*='/besluit'] select[name=panel-forward_to]").select_option("politie")
    page.locator("form[action*='/besluit'] button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{module_base_url}/beheer/melding/{report_id}")
    page.locator("form[action$='/bericht'] textarea").fill(QUESTION)
    page.locator("form[action$='/bericht'] button[type=submit]").click()
    page.wait_for_url("**#berichten")
    page.report_id = report_id
    yield page
    context.close()


@pytest.mark.parametrize(("name", "language"), cases(STAFF_PAGES, STAFF_LANGUAGES, KNOWN_STAFF_AXE_BUGS))
def test_back_office_page_passes_axe(staff_page, module_base_url, axe_source, artifacts, name, language):
    page = staff_page
    path = STAFF_PAGES[name].format(report_id=page.report_id)
    response = page.goto(f"{module_base_url}/taal/{language}?next={path}")
    assert response.ok, (path, response.status)
    assert "/beheer/login" not in page.url, "signed out"
    page.screenshot(path=str(artifacts / f"{name}-{language}.png"), full_page=True)
    problems = language_problems(page, language) + run_axe(page, axe_source)
    assert problems == []


def test_statistics_tables_fit_at_1280_px_and_scroll_inside_themselves_at_320_px(staff_page, module_base_url):
    page = staff_page
    page.goto(f"{module_base_url}/taal/nl?next=/statistiek/?periode=jaar")
    widths = "() => [document.documentElement.scrollWidth, window.innerWidth]"
    cut = """() => [...document.querySelectorAll('.table-scroll')]
        .filter(box => box.scrollWidth > box.clientWidth + 1).map(box => box.getAttribute('aria-labelledby'))"""
    assert page.locator(".table-scroll").count() >= 10
    page_width, viewport = page.evaluate(widths)
    assert page_width <= viewport and page.evaluate(cut) == []
    page.set_viewport_size({"width": 320, "height": 800})
    try:
        page.reload()
        page_width, viewport = page.evaluate(widths)
        assert page_width <= viewport, "the page itself scrolls sideways at 320 px"
        assert page.evaluate(cut), "wide tables should scroll inside their own box at 320 px"
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


# --- 3. reflow: no sideways scrolling at 320 px, Dutch and Arabic --------------------------

REFLOW_LANGUAGES = [code for code in ("nl", "ar") if code in LANGUAGES]


@pytest.mark.parametrize(("state", "language"), cases(STATES, REFLOW_LANGUAGES, KNOWN_REFLOW_BUGS))
def test_reporter_state_fits_320_px(reporter_page, seeded_app, module_base_url, artifacts, state, language):
    # The narrow viewport from the start (not resized after load), as on a small phone.
    page = reporter_page(language, NARROW)
    open_state(page, seeded_app, module_base_url, language, state)
    page.screenshot(path=str(artifacts / f"{state}-{language}-320.png"), full_page=True)
    width, client = page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    wide = []
    if width > client:
        # The innermost elements that stick out of the viewport, for the report.
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => {
                    const r = e.getBoundingClientRect();
                    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
                        if (getComputedStyle(p).overflowX !== 'visible') return false;
                    return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1);
                }).slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')
                    + ' ' + Math.round(e.getBoundingClientRect().width) + 'px: '
                    + (e.textContent || '').trim().slice(0, 40))"""
        )
    assert width <= client, f"scrollWidth {width} > clientWidth {client}; sticking out: {wide}"


# --- 4. reduced motion ------------------------------------------------------------------------

# Every element (and its ::before/::after) with an animation or transition that would run
# longer than 0.01 s, plus any animation the document is running.
LONG_MOTION = """() => {
    const seconds = list => Math.max(...list.split(',').map(v => v.trim().endsWith('ms')
        ? parseFloat(v) / 1000 : parseFloat(v)));
    const found = [];
    const describe = (e, pseudo) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ').join('.') : '')
        + (pseudo || '');
    for (const e of document.querySelectorAll('*')) {
        for (const pseudo of [null, '::before', '::after']) {
            const s = getComputedStyle(e, pseudo);
            if (s.animationName !== 'none' && seconds(s.animationDuration) > 0.01)
                found.push(describe(e, pseudo) + ' animation ' + s.animationName + ' ' + s.animationDuration);
            if (s.transitionProperty !== 'none' && seconds(s.transitionDuration) > 0.01)
                found.push(describe(e, pseudo) + ' transition ' + s.transitionProperty + ' ' + s.transitionDuration);
        }
    }
    for (const a of document.getAnimations()) {
        const d = a.effect && a.effect.getComputedTiming().duration;
        const name = a.animationName || a.transitionProperty || a.id;
        if (d > 10) found.push('running animation ' + name + ' ' + d + 'ms');
    }
    if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth')
        found.push('html scroll-behavior smooth');
    return found;
}"""
# A probe with a long animation and transition of its own: the site's reduced-motion rule
# must stop motion that future CSS adds too, not only what exists today.
PROBE = """() => {
    const style = document.createElement('style');
    style.textContent = '@keyframes meldpunt-probe { from { opacity: 0 } to { opacity: 1 } }'
        + ' .motion-probe { animation: meldpunt-probe 2s infinite; transition: opacity 2s, transform 2s; }';
    document.head.append(style);
    const probe = document.createElement('div');
    probe.className = 'motion-probe';
    probe.textContent = 'probe';
    document.querySelector('main').append(probe);
    probe.getBoundingClientRect();
    probe.style.transform = 'translateX(10px)';
}"""


MOTION_STATES = ["home", "melden-fouten", "melden-anoniem-bevestigen", "opvolgen-melding-fout", "resultaten", "404"]


def motion_problems(page) -> list[str]:
    found = page.evaluate(LONG_MOTION)
    page.evaluate(PROBE)
    return found + [f"(probe) {line}" for line in page.evaluate(LONG_MOTION)]


def test_reduced_motion_stops_every_animation(browser, seeded_app, module_base_url, staff_page, artifacts):
    problems: dict[str, list[str]] = {}
    context = browser.new_context(bypass_csp=True, locale="nl-NL", reduced_motion="reduce")
    try:
        for state in MOTION_STATES:
            page = context.new_page()
            open_state(page, seeded_app, module_base_url, "nl", state)
            assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
            if found := motion_problems(page):
                problems[state] = found
                page.screenshot(path=str(artifacts / f"{state}.png"), full_page=True)
            page.close()
        # Without the preference the probe does move: the check can see motion at all.
        page = context.new_page()
        page.emulate_media(reduced_motion="no-preference")
        open_state(page, seeded_app, module_base_url, "nl", "home")
        assert any("motion-probe" in line for line in motion_problems(page))
    finally:
        context.close()
    # The back office (its own style sheets) on the signed-in staff page.
    staff_page.emulate_media(reduced_motion="reduce")
    try:
        for name in ("melding", "statistiek"):
            path = STAFF_PAGES[name].format(report_id=staff_page.report_id)
            staff_page.goto(f"{module_base_url}/taal/nl?next={path}")
            if found := motion_problems(staff_page):
                problems[name] = found
    finally:
        staff_page.emulate_media(reduced_motion="no-preference")
    assert problems == {}


# --- 5. errors repeated at the field ----------------------------------------------------------

KNOWN_FIELD_ERROR_BUGS: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize(
    ("state", "language"),
    cases(["melden-fouten", "opvolgen-foute-code", "opvolgen-melding-fout"], ["nl"], KNOWN_FIELD_ERROR_BUGS),
)
def test_every_error_in_the_summary_is_repeated_at_its_field(
    reporter_page, seeded_app, module_base_url, state, language
):
    page = reporter_page(language)
    open_state(page, seeded_app, module_base_url, language, state)
    missing = page.evaluate(
        """() => [...document.querySelectorAll('.error-summary a')].map(a => a.getAttribute('href').slice(1))
            .filter(href => {
                // A radio group's link points at an option; its error sits on the group's fieldset.
                const target = document.getElementById(href);
                const field = target && target.type === 'radio' ? target.closest('fieldset') : target;
                const id = field && field.id;
                const error = document.getElementById(id + '-error');
                const described = field && (field.getAttribute('aria-describedby') || '').split(' ');
                return !(field && error && error.textContent.trim() && described.includes(id + '-error')
                         && (field.getAttribute('aria-invalid') === 'true' || field.tagName === 'FIELDSET'));
            })"""
    )
    assert missing == [], f"summary errors without an error at the field: {missing}"
