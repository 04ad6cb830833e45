"""A period still running shows no breakdown, so polling the pages reveals nothing about a
new report: after one more report and a rollup no published breakdown cell changes."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup

from meldpunt.extensions import db
from meldpunt.models import utcnow
from meldpunt.stats import aggregates, categories, dashboard, periods, rollup
from tests.backoffice.conftest import sign_in
from tests.stats.helpers import add_report, seed_year

BREAKDOWN_TABLES = {
    *(info.slug for info in categories.DIMENSION_INFO.values()),
    "fs-themes",
    "fs-outcomes",
}


def _paths(today) -> list[str]:
    paths = ["/resultaten"]
    for kind in periods.PERIOD_KINDS:
        for day in (today, today - timedelta(days=35), today - timedelta(days=100)):
            paths.append(f"/statistiek/?periode={kind}&vanaf={day.isoformat()}")
    paths += [f"/statistiek/factsheet/{today.year}", f"/statistiek/factsheet/{today.year - 1}"]
    return paths


def _breakdown_cells(client, today) -> dict:
    """Every cell of every breakdown table on every page, by page, table and row."""
    found = {}
    for path in _paths(today):
        response = client.get(path)
        assert response.status_code == 200, path
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        for table in page.select("table.stat-table"):
            name = table["id"].removesuffix("-table")
            if path == "/resultaten":
                if not name.startswith("q"):  # the per-quarter themes and outcomes
                    continue
            elif name not in BREAKDOWN_TABLES:
                continue
            for row in table.select("tbody tr"):
                label = row.find("th").get_text(strip=True)
                found[(path, name, label)] = [td.get_text(strip=True) for td in row.select("td")]
    return found


def _csv_breakdowns(client, app, today) -> dict:
    found = {}
    with app.app_context():
        for kind in ("maand", "kwartaal", "jaar"):
            for day in (today, today - timedelta(days=100)):
                period = periods.Period.containing(kind, day)
                for name in dashboard.export_names(period):
                    if name in BREAKDOWN_TABLES:
                        args = f"periode={kind}&vanaf={period.start.isoformat()}"
                        found[(kind, day, name)] = client.get(f"/statistiek/export/{name}.csv?{args}").data
    return found


def test_one_new_report_changes_no_published_breakdown(app):
    today = aggregates.local_today()
    seed_year(app, today)
    client, _account = sign_in(app, "communicatie")
    before = _breakdown_cells(client, today)
    csv_before = _csv_breakdowns(client, app, today)
    assert len(before) > 100 and csv_before

    with app.app_context(), app.test_request_context():
        headline_before = dashboard.dashboard(periods.Period.containing("maand", today)).headline
        # A report that stands out in every way: a postcode area, a campaign, a theme nobody else has.
        add_report(
            utcnow() - timedelta(minutes=1),
            theme="mensenhandel",
            postcode_area="3999",
            campaign_code="poster-2026",
            reporter_type="ondernemer",
            anonymous=False,
            has_attachments=True,
        )
        db.session.commit()
        result = rollup.rollup()
        assert result.changed >= 1
        headline_after = dashboard.dashboard(periods.Period.containing("maand", today)).headline

    after = _breakdown_cells(client, today)
    assert after == before
    assert _csv_breakdowns(client, app, today) == csv_before
    # The running month's total does count it: totals stay current, breakdowns wait.
    first = {r.key: r.cells[0] for r in headline_before.rows}["periode"]
    second = {r.key: r.cells[0] for r in headline_after.rows}["periode"]
    assert first.value is None or second.value is None or second.value == first.value + 1
    for path in _paths(today):
        assert "3999" not in client.get(path).get_data(as_text=True), path


def test_results_page_shows_only_quarters_that_are_over(app):
    today = aggregates.local_today()
    seed_year(app, today)
    page = BeautifulSoup(app.test_client().get("/resultaten").get_data(as_text=True), "html.parser")
    headings = [h.get_text(strip=True) for h in page.select("section h2")]
    with app.app_context(), app.test_request_context():
        running = periods.Period.containing("kwartaal", today)
        last = running.previous()
        assert running.label not in " ".join(headings)
        assert last.label in headings
    assert "loopt nog" not in page.get_text()


def test_running_period_says_why_it_has_no_breakdowns(app):
    today = aggregates.local_today()
    seed_year(app, today)
    client, _account = sign_in(app, "communicatie")
    page = BeautifulSoup(
        client.get(f"/statistiek/?periode=maand&vanaf={today.isoformat()}").get_data(as_text=True),
        "html.parser",
    )
    note = page.find(id="loopt-nog")
    assert note is not None and "loopt nog" in note.get_text()
    link = note.find_next("a")["href"]
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert f"vanaf={previous.isoformat()}" in link
    assert page.select("#verdelingen table") == []
    with app.app_context():
        period = periods.Period.containing("maand", today)
        assert "postcodegebied" not in dashboard.export_names(period)
    response = client.get(f"/statistiek/export/postcodegebied.csv?periode=maand&vanaf={today.isoformat()}")
    assert response.status_code == 404
