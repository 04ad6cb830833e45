"""The statistics pages in a real browser: readable tables on a phone, one edge for header
and content.

An outside tester found on /resultaten at 360 px the quarterly table's "Afgerond met een
actie" column off-screen in a scroll box with no hint, under a tall, mostly empty header
row; and the statistics pages' header not aligned with their content (the back office had
been fixed for that). At 320 px a table of three or more figures is one card per row, each
figure under its column's name; header, content and footer share one left edge.
"""

from __future__ import annotations

import pytest

from tests.browser.axe import run_axe
from tests.browser.test_staff_flow import Staff, sign_in

KEY_COLUMN = "Afgerond met een actie"
STAFF_PAGES = {
    "dashboard": "/statistiek/",
    "campagnes": "/statistiek/campagnes",
    "factsheet": "/statistiek/factsheet/{year}",
}


@pytest.fixture(scope="module")
def stats_page(browser, module_live_app, module_base_url):
    """Demo reports of the past year, their statistics and publications; a signed-in coordinator."""
    from meldpunt import demo
    from meldpunt.stats import aggregates, publication, rollup

    app = module_live_app
    with app.app_context():
        demo.seed_reports(220)
        rollup.rebuild_all()
        years = publication.published_years()
        year = years[0] if years else aggregates.local_today().year - 1
    coordinator = Staff(app, "coordinator", "statistiek.coordinator@gemeente.example")
    # bypass_csp: axe-core is injected as an inline script; the app itself runs under its policy.
    context = browser.new_context(bypass_csp=True, locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, module_base_url, coordinator)
    page.factsheet_year = year
    yield page
    context.close()


def _no_sideways_scroll(page) -> None:
    width, viewport = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"the page scrolls sideways: {width} > {viewport}"


def test_the_key_column_of_the_quarterly_results_is_visible_and_labelled_at_320px(
    stats_page, module_base_url, axe_source, artifacts
):
    page = stats_page
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(module_base_url + "/resultaten")
    page.screenshot(path=str(artifacts / "resultaten-320.png"), full_page=True)
    _no_sideways_scroll(page)
    found = page.evaluate(
        """(label) => {
            const table = document.querySelector('#kwartalen-table');
            const index = [...table.querySelectorAll('thead th')].findIndex(th => th.textContent.trim() === label);
            const cell = [...table.querySelectorAll('tbody tr')].at(-1).children[index];  // the newest quarter
            const box = cell.getBoundingClientRect();
            const scroller = table.closest('.table-scroll');
            return {
                index,
                left: box.left, right: box.right, width: box.width, text: cell.textContent.trim(),
                shownLabel: getComputedStyle(cell, '::before').content,
                scrolls: scroller.scrollWidth > scroller.clientWidth,
                headerHeight: table.querySelector('thead').getBoundingClientRect().height,
            };
        }""",
        KEY_COLUMN,
    )
    assert found["index"] == 3, found  # the header cell stays in the table (screen readers use it)
    assert found["text"], found
    assert found["width"] > 0 and 0 <= found["left"] and found["right"] <= 320, found  # on screen
    assert KEY_COLUMN in found["shownLabel"], found  # the figure carries its column's name
    assert not found["scrolls"], found  # no sideways scroll box hiding a column
    assert found["headerHeight"] <= 1, found  # no tall, empty header row
    assert run_axe(page, axe_source) == []


def test_the_quarterly_results_are_a_table_with_every_column_at_1280px(stats_page, module_base_url):
    page = stats_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(module_base_url + "/resultaten")
    columns = page.evaluate(
        """() => {
            const table = document.querySelector('#kwartalen-table');
            const scroller = table.closest('.table-scroll');
            return {
                display: getComputedStyle(table.querySelector('tbody tr')).display,
                scrolls: scroller.scrollWidth > scroller.clientWidth,
                heights: [...table.querySelectorAll('thead th')]
                    .map(th => Math.round(th.getBoundingClientRect().height)),
            };
        }"""
    )
    assert columns["display"] == "table-row" and not columns["scrolls"], columns
    assert len(set(columns["heights"])) == 1, columns


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("name", [*sorted(STAFF_PAGES), "resultaten"])
def test_header_and_content_share_one_edge(stats_page, module_base_url, artifacts, name, width):
    page = stats_page
    page.set_viewport_size({"width": width, "height": 900})
    path = "/resultaten" if name == "resultaten" else STAFF_PAGES[name].format(year=page.factsheet_year)
    response = page.goto(module_base_url + path)
    assert response is not None and response.ok, (path, response and response.status)
    edges = page.evaluate(
        """() => ['.site-header .wrap', 'main', '.site-footer .wrap'].map(s => {
            const box = document.querySelector(s).getBoundingClientRect();
            return [Math.round(box.left), Math.round(box.right)];
        })"""
    )
    if len({left for left, _right in edges}) != 1 or len({right for _left, right in edges}) != 1:
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
    (header_left, header_right), (main_left, main_right), (footer_left, footer_right) = edges
    assert header_left == main_left == footer_left, edges
    assert header_right == main_right == footer_right, edges
    if name != "resultaten":
        # Staff pages run full width, as the back office does; their footer has no reporter links.
        assert header_right >= width - 1 - 16, edges  # the wrap's padding only
        assert "Uw melding volgen" not in page.locator(".site-footer").inner_text()
    _no_sideways_scroll(page)


@pytest.mark.parametrize("language", ["ar", "nl"])
def test_chart_texts_stay_inside_their_chart_at_360px(stats_page, module_base_url, artifacts, language):
    # An outside tester saw the /resultaten legend cut off in Arabic on a phone: on a
    # right-to-left page the SVG's texts inherited "direction: rtl", so every text anchored
    # at "start" grew leftwards out of the drawing.
    page = stats_page
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{module_base_url}/taal/{language}?next=/resultaten")
    outside = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
            const frame = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
                const box = t.getBoundingClientRect();
                return {text: t.textContent, left: box.left - frame.left, right: frame.right - box.right};
            }).filter(b => b.left < -1 || b.right < -1);
        })"""
    )
    if outside:
        page.screenshot(path=str(artifacts / f"resultaten-chart-{language}-360.png"), full_page=True)
    page.goto(f"{module_base_url}/taal/nl?next=/resultaten")
    assert outside == []
