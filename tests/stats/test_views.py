"""The statistics pages over HTTP: who may see them, what they show and what they never show."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from meldpunt.stats import aggregates, dashboard, periods
from tests.backoffice.conftest import sign_in
from tests.stats.helpers import (
    REPORT_POSTCODE,
    REPORT_STREET,
    REPORT_TEXT,
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
    assert "nog geen cijfers gepubliceerd" in page.get_text()
    assert not page.find("script", src=False)  # no inline script; the page works without JavaScript


def test_the_dashboard_is_exact_and_says_it_is_internal_while_publications_hold_no_small_count(seeded):
    app = seeded
    today = aggregates.local_today()
    client, _account = sign_in(app, "communicatie")
    pages = _pages(client, today)
    small_inside = 0
    for path, html in pages.items():
        assert REPORT_TEXT not in html, path
        assert REPORT_STREET not in html and "Zwanenstraat" not in html, path
        assert REPORT_POSTCODE not in html and "3311 XZ" not in html, path
        assert "&lt;5" not in html and ">x<" not in html, path  # no suppression marks any more
        page = BeautifulSoup(html, "html.parser")
        if path.startswith("/statistiek/?"):
            assert "Intern: niet publiceren." in page.get_text(), path
            small_inside += sum(1 for td in page.select("table td") if SMALL_NUMBER.match(td.get_text()))
            continue
        # Publications: every count is 0 or at least 5 (shares are percentages, not counts).
        for td in page.select("table td"):
            text = td.get_text()
            assert "%" in text or not SMALL_NUMBER.match(text), (path, td)
        for dd in page.select(".key-figures dd, .result-keys strong"):
            assert not SMALL_NUMBER.match(dd.get_text()), (path, dd)
    assert small_inside > 0, "the data holds small numbers; inside they are shown exactly"
    assert "1e kwartaal" in pages["/resultaten"] or "kwartaal" in pages["/resultaten"]


def test_every_dashboard_table_exports_as_csv_with_numbers_in_number_columns(seeded):
    client, _account = sign_in(seeded, "coordinator")
    today = aggregates.local_today()
    for kind in ("maand", "jaar", "week", "jaar-tot-nu"):
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
            rows = list(csv.reader(io.StringIO(text)))
            assert len(rows[0]) >= 3, name
            for row in rows[1:]:
                for value in row[2:]:
                    assert value == "" or re.fullmatch(r"-?\d+(\.\d)?", value), (name, row)
                if name in ("per-week", "per-maand", "kerncijfers") or name.startswith("trend-"):
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[0]), (name, row)
            assert REPORT_TEXT not in text and "Zwanenstraat" not in text
    assert client.get("/statistiek/export/bestaat-niet.csv").status_code == 404
    long = client.get("/statistiek/export/alles-lang.csv?periode=jaar").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(long)))
    assert lines[0] == ["periode", "dimensie", "categorie", "maat", "waarde"]
    assert len(lines) > 50
    assert [line for line in lines[1:] if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", line[0])] == []
    assert any(line[1] == "theme_group" for line in lines)


def test_publication_exports_have_a_flag_column_and_a_long_format(seeded):
    client = seeded.test_client()
    long = client.get("/resultaten/lang.csv")
    assert long.status_code == 200
    lines = list(csv.reader(io.StringIO(long.data.decode("utf-8-sig"))))
    assert lines[0] == ["periode", "dimensie", "categorie", "maat", "waarde"]
    values = [int(float(line[4])) for line in lines[1:] if line[3].endswith(":aantal")]
    assert values and not any(1 <= v <= 4 for v in values)
    page = BeautifulSoup(client.get("/resultaten").get_data(as_text=True), "html.parser")
    links = [a["href"] for a in page.select("a[download]") if a["href"].endswith(".csv")]
    table_links = [href for href in links if "/resultaten/2" in href]
    assert table_links
    for href in table_links:
        rows = list(csv.reader(io.StringIO(client.get(href).data.decode("utf-8-sig"))))
        assert rows[0][-1] == "vlag"
        for row in rows[1:]:
            assert row[3] == "" or row[3].isdigit()
            assert (row[3] == "") == (row[5] != ""), row  # a value, or a flag saying why not
    assert client.get("/resultaten/1999-1/onderwerp-groep.csv").status_code == 404


def test_charts_are_accessible_svg(seeded):
    client, _account = sign_in(seeded, "communicatie")
    last_year = aggregates.local_today().replace(month=1, day=1) - timedelta(days=1)
    html = client.get(f"/statistiek/?periode=jaar&vanaf={last_year.isoformat()}").get_data(
        as_text=True
    )
    page = BeautifulSoup(html, "html.parser")
    charts = page.find_all("svg")
    assert len(charts) >= 10
    # Each chart can be downloaded as SVG (and, with JavaScript, as PNG).
    svg_links = [a["href"] for a in page.select("a[download]") if ".svg" in a["href"]]
    assert len(svg_links) >= 10
    svg = client.get(svg_links[1])
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert svg.data.startswith(b"<?xml") and b"<title" in svg.data
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
        f"/statistiek/factsheet/{aggregates.local_today().year - 1}",
        "/statistiek/campagnes",
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


def test_charts_thin_date_labels_have_a_y_axis_and_a_legend_for_missing_values(app):
    from meldpunt.stats import charts
    from meldpunt.stats.cells import NA, Cell
    from meldpunt.stats.tables import Column, Row, Table

    rows = tuple(
        Row(f"2025-05-{d:02d}", f"do {d} mei", (Cell(d * 3) if d != 7 else NA,), short_label=f"{d} mei")
        for d in range(1, 32)
    )
    column = (Column("bekeken", "Bekeken", chart=True),)
    table = Table("trechter", "Trechter", "Formulier bekeken per dag", "Dag", column, rows,
                  chart="columns", chart_description="Kolomdiagram.")
    with app.test_request_context():
        drawing = charts._draw(table, 560)
        svg = str(charts.render(table, "t"))
    labels = [s for s in drawing["shapes"] if s.kind == "text" and s.text.endswith(" mei") and s.y > 100]
    assert 3 < len(labels) < 31, "date labels are thinned"
    xs = sorted(s.x for s in labels)
    widest = max(len(s.text) for s in labels) * charts.CHAR
    assert all(b - a >= widest for a, b in zip(xs, xs[1:], strict=False)), "labels never overlap"
    ticks = [s for s in drawing["shapes"] if s.kind == "text" and s.anchor == "end"]
    assert len(ticks) >= 3, "a y-axis with values"
    assert "geen cijfer" in svg and "–" in svg  # the missing day has its own marker and legend entry
    # Parts and totals never on one scale: group rows are left out when their parts are drawn.
    grouped = Table("uitkomst", "Uitkomst", "Uitkomst", "Uitkomst", (Column("aantal", "Aantal", chart=True),),
                    (Row("actie", "Actie", (Cell(40),), group=True), Row("a", "A", (Cell(30),), 1),
                     Row("b", "B", (Cell(10),), 1)), chart="bars")
    with app.test_request_context():
        texts = [s.text for s in charts._draw(grouped, 560)["shapes"] if s.kind == "text"]
    assert "Actie" not in texts and "A" in texts


def test_the_factsheet_of_a_published_year_downloads_as_a_pdf(app):
    import pikepdf

    from tests.stats.test_publication import _seed_two_years

    _seed_two_years(app)
    with app.app_context():
        from meldpunt.stats import rollup
        from tests.stats.helpers import utc

        rollup.rebuild_all(now=utc(2026, 2, 2))
    client, _account = sign_in(app, "communicatie")
    page = BeautifulSoup(client.get("/statistiek/factsheet/2025").get_data(as_text=True), "html.parser")
    link = page.find("a", href="/statistiek/factsheet/2025.pdf")
    assert link is not None
    response = client.get(link["href"])
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    document = pikepdf.open(io.BytesIO(response.data))
    assert len(document.pages) >= 1
    assert "2025" in str(document.docinfo.get("/Title"))
    # A year that is not published has no factsheet (the page says so).
    assert client.get("/statistiek/factsheet/2026.pdf").status_code == 404
    assert "nog niet gepubliceerd" in client.get("/statistiek/factsheet/2026").get_data(as_text=True)


def test_the_period_steps_never_offer_a_period_that_has_not_begun(seeded):
    client, _account = sign_in(seeded, "communicatie")
    today = aggregates.local_today()

    def steps(path: str) -> list[str]:
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        return [a["href"] for a in page.select("nav.period-steps a")]

    # The running month: no "next month" link (it could only show zeros) ...
    running = steps(f"/statistiek/?periode=maand&vanaf={today.isoformat()}")
    next_month = periods.Period.containing("maand", today).following().start.isoformat()
    assert not any(f"vanaf={next_month}" in href for href in running)
    # ... while last month links forward to the running one.
    last = periods.Period.containing("maand", today).previous()
    earlier = steps(f"/statistiek/?periode=maand&vanaf={last.start.isoformat()}")
    this_month = periods.Period.containing("maand", today).start.isoformat()
    assert any(f"vanaf={this_month}" in href for href in earlier)


def test_a_downloaded_chart_shows_its_caption_period_and_source(seeded):
    # A chart saved as SVG (or as PNG from it) travels without the page: what it shows,
    # for which period and from whom must be visible in the image itself.
    client, _account = sign_in(seeded, "communicatie")
    last_year = aggregates.local_today().replace(month=1, day=1) - timedelta(days=1)
    page = BeautifulSoup(client.get(f"/statistiek/?periode=jaar&vanaf={last_year.isoformat()}").get_data(
        as_text=True), "html.parser")
    link = next(a["href"] for a in page.select("a[download]") if ".svg" in a["href"])
    svg = BeautifulSoup(client.get(link).get_data(as_text=True).split("\n", 1)[1], "html.parser")
    texts = [t.get_text() for t in svg.find_all("text")]
    title = svg.find("title").get_text()
    heading = " ".join(t.get_text() for t in svg.find_all("text", attrs={"font-weight": "bold"}))
    assert heading == title and str(last_year.year) in heading  # caption with its period
    municipality = seeded.config["MUNICIPALITY_NAME"]
    assert any(t.startswith(f"Bron: meldpunt ondermijning, {municipality}; gemaakt op ") for t in texts)
    drawing = svg.find("g")
    assert drawing is not None and drawing["transform"].startswith("translate(0 ")
