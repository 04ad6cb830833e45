"""The statistics pages over HTTP: who may see them, what they show and what they never show."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from meldpunt.stats import aggregates, dashboard, periods, suppression
from tests.backoffice.conftest import sign_in
from tests.stats.helpers import (
    REPORT_POSTCODE,
    REPORT_STREET,
    REPORT_TEXT,
    recoverable_cells,
    seed_year,
)

SMALL_NUMBER = re.compile(r"^\s*[1-4]\s*$")


@pytest.fixture
def seeded(app):
    today = aggregates.local_today()
    seed_year(app, today)
    return app


def _pages(client, today: date) -> dict[str, str]:
    pages = {}
    for kind in periods.PERIOD_KINDS:
        for start in (today, today - timedelta(days=120)):
            path = f"/statistiek/?periode={kind}&vanaf={start.isoformat()}"
            response = client.get(path)
            assert response.status_code == 200, path
            pages[path] = response.get_data(as_text=True)
    for year in (today.year, today.year - 1):
        path = f"/statistiek/factsheet/{year}"
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
    response = client.get("/resultaten")
    assert response.status_code == 200
    pages["/resultaten"] = response.get_data(as_text=True)
    return pages


@pytest.mark.parametrize("role", ["communicatie", "coordinator", "admin"])
def test_communications_coordinator_and_admin_may_open_the_statistics(app, role):
    client, _account = sign_in(app, role)
    assert client.get("/statistiek/").status_code == 200
    assert client.get("/statistiek/export/kerncijfers.csv").status_code == 200
    assert client.get(f"/statistiek/factsheet/{aggregates.local_today().year}").status_code == 200


@pytest.mark.parametrize(
    ("role", "route"), [("triage", None), ("partner", "politie"), ("partner", "riec")]
)
def test_triage_and_partners_may_not(app, role, route):
    client, _account = sign_in(app, role, route)
    for path in (
        "/statistiek/",
        "/statistiek/export/onderwerp.csv?periode=jaar",
        "/statistiek/factsheet/2025",
    ):
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_the_login(client):
    for path in (
        "/statistiek/",
        "/statistiek/export/kerncijfers.csv",
        "/statistiek/factsheet/2025",
    ):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["Location"].endswith("/beheer/login")


def test_results_page_is_public_and_explains_itself(client):
    response = client.get("/resultaten")
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "melden heeft zin" in page.find("h1").text.lower()
    assert page.find("table") is not None
    assert not page.find("script", src=False)  # no inline script; the page works without JavaScript


def test_no_small_number_and_no_report_content_anywhere(seeded):
    app = seeded
    today = aggregates.local_today()
    client, _account = sign_in(app, "communicatie")
    pages = _pages(client, today)
    small_marks = 0
    for path, html in pages.items():
        assert REPORT_TEXT not in html, path
        assert REPORT_STREET not in html and "Zwanenstraat" not in html, path
        assert REPORT_POSTCODE not in html and "3311 XZ" not in html, path
        page = BeautifulSoup(html, "html.parser")
        for td in page.select("table td"):
            assert not SMALL_NUMBER.match(td.get_text()), (path, td)
        for text in page.select("svg .chart-bars text"):
            assert not SMALL_NUMBER.match(text.get_text()), (path, text)
        for dd in page.select(".key-figures dd, .result-keys strong, .key-figure strong"):
            assert not SMALL_NUMBER.match(dd.get_text()), (path, dd)
        small_marks += html.count("&lt;5")
    assert small_marks > 0, "the data holds small numbers; they should show as <5"


def test_every_table_exports_as_dutch_excel_csv_without_small_numbers(seeded):
    client, _account = sign_in(seeded, "coordinator")
    today = aggregates.local_today()
    seen_small = False
    for kind in ("maand", "jaar", "week"):
        period = periods.Period.containing(kind, today - timedelta(days=40))
        args = f"periode={kind}&vanaf={period.start.isoformat()}"
        with seeded.app_context():
            names = dashboard.export_names(period)
        for name in names:
            response = client.get(f"/statistiek/export/{name}.csv?{args}")
            assert response.status_code == 200, name
            assert response.headers["Content-Type"].startswith("text/csv")
            assert "attachment" in response.headers["Content-Disposition"]
            raw = response.data
            assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
            text = raw.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text), delimiter=";"))
            assert len(rows[1]) >= 2 and rows[1][0], name
            for row in rows[2:]:
                for value in row[1:]:
                    assert not SMALL_NUMBER.match(value), (name, row)
                    seen_small |= value == "<5"
            assert REPORT_TEXT not in text and "Zwanenstraat" not in text
    assert seen_small
    assert client.get("/statistiek/export/bestaat-niet.csv").status_code == 404


def _reader_cells(rows, x_state):
    cells = {}
    for label, value in rows:
        if value == "<5":
            cells[label] = suppression.Cell(None, suppression.SMALL)
        elif value == "x":
            cells[label] = suppression.Cell(None, x_state)
        else:
            cells[label] = suppression.Cell(int(value))
    return cells


def test_csv_total_cannot_reveal_a_small_cell(seeded):
    client, _account = sign_in(seeded, "admin")
    # Breakdowns exist for periods that are over: last year.
    last_year = aggregates.local_today().replace(month=1, day=1) - timedelta(days=1)
    args = f"periode=jaar&vanaf={last_year.isoformat()}"
    checked = 0
    for name in ("onderwerp", "postcodegebied", "anoniem", "campagne", "route", "plaats"):
        text = client.get(f"/statistiek/export/{name}.csv?{args}").data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))[2:]
        body = [(r[0], r[1]) for r in rows if len(r) > 1 and r[0] != "Totaal"]
        total = next(r[1] for r in rows if r and r[0] == "Totaal")
        hidden = [label for label, value in body if value in ("<5", "x")]
        if not hidden:
            continue
        checked += 1
        if total.isdigit():
            # Never exactly one hidden cell next to a published total: it would be the difference.
            assert len(hidden) >= 2, (name, rows)
        # A reader who assumes "x" is 5 or more (or, if that cannot be, any positive number).
        equations = [("Totaal", [label for label, _value in body])]
        for x_state in (suppression.HIDDEN, suppression.WITHHELD):
            cells = _reader_cells([*body, ("Totaal", total)], x_state)
            try:
                pinned = recoverable_cells(cells, equations)
            except AssertionError:
                continue  # this reading of "x" contradicts the published total
            assert {k: v for k, v in pinned.items() if k in hidden and 1 <= v <= 4} == {}, name
    assert checked, "the year tables of the test data should hold hidden cells"


def test_charts_are_accessible_svg(seeded):
    client, _account = sign_in(seeded, "communicatie")
    last_year = aggregates.local_today().replace(month=1, day=1) - timedelta(days=1)
    html = client.get(f"/statistiek/?periode=jaar&vanaf={last_year.isoformat()}").get_data(
        as_text=True
    )
    page = BeautifulSoup(html, "html.parser")
    charts = page.find_all("svg")
    assert len(charts) >= 10
    ids = set()
    for svg in charts:
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        title, desc = svg.find("title"), svg.find("desc")
        assert title["id"] == title_id and title.get_text(strip=True)
        assert desc["id"] == desc_id and "tabel" in desc.get_text()
        assert title_id not in ids
        ids.add(title_id)
        assert svg.find("script") is None and svg.find(attrs={"style": True}) is None
        # Every chart is followed by its table with the same numbers.
        table = svg.find_next("table")
        assert table is not None and table.find("caption").get_text(strip=True) == title.get_text(
            strip=True
        )
        assert (
            table.find("th", scope="col") is not None and table.find("th", scope="row") is not None
        )
    assert page.find(attrs={"style": True}) is None
    assert not page.find_all("script", src=False)
    for tag in page.find_all(["script", "link", "img"]):
        source = tag.get("src") or tag.get("href") or ""
        assert not source.startswith(("http:", "https:", "//")), source


def test_headings_are_in_order(seeded):
    client, _account = sign_in(seeded, "communicatie")
    for path in (
        "/statistiek/?periode=kwartaal",
        "/resultaten",
        f"/statistiek/factsheet/{aggregates.local_today().year}",
    ):
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        levels = [int(h.name[1]) for h in page.find_all(re.compile("^h[1-6]$"))]
        assert levels[0] == 1 and levels.count(1) == 1, path
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, (path, levels)


def test_period_selector_and_bad_input(seeded):
    client, _account = sign_in(seeded, "communicatie")
    page = BeautifulSoup(
        client.get("/statistiek/?periode=kwartaal&vanaf=2025-05-17").get_data(as_text=True),
        "html.parser",
    )
    assert page.find("select", id="periode").find("option", selected=True)["value"] == "kwartaal"
    assert page.find("input", id="vanaf")["value"] == "2025-04-01"
    assert "2e kwartaal 2025" in page.find("h2", id="kerncijfers-title").text
    response = client.get("/statistiek/?periode=eeuw&vanaf=morgen")
    assert response.status_code == 200
    assert "konden we niet lezen" in response.get_data(as_text=True)


def test_results_page_is_offered_in_every_reporter_language(app):
    """/resultaten is part of how the meldpunt earns trust: it speaks the reporter's language."""
    client = app.test_client()
    for code in app.config["AVAILABLE_LANGUAGES"]:
        client.get(f"/taal/{code}")
        page = BeautifulSoup(client.get("/resultaten").get_data(as_text=True), "html.parser")
        assert page.find("html")["lang"] == code
    assert {"pl", "ro", "tr", "ar"} <= set(app.config["AVAILABLE_LANGUAGES"])
