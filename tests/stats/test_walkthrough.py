"""What a communications officer ran into walking the statistics with the demo data."""

from __future__ import annotations

from datetime import date, timedelta

from bs4 import BeautifulSoup
from markupsafe import Markup

from meldpunt.extensions import db
from meldpunt.formatting import isolate_numbers
from meldpunt.stats import rollup
from tests.backoffice.conftest import sign_in
from tests.stats.helpers import add_report, utc


def test_a_count_of_112_is_a_figure_not_a_phone_link(app):
    # The page filter turns the emergency number 112 into a tel: link; in a table of
    # figures 112 is a count of reports (the demo's third quarter of 2025 closed 112).
    first = date(2025, 4, 1)
    with app.app_context():
        for n in range(112):
            day = first + timedelta(days=n % 80)
            add_report(utc(day.year, day.month, day.day, 10), status="afgerond", outcome="controle_uitgevoerd",
                       first_action_at=utc(day.year, day.month, day.day, 12),
                       closed_at=utc(day.year, day.month, day.day, 15))
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 7, 3))
    page = BeautifulSoup(app.test_client().get("/resultaten").get_data(as_text=True), "html.parser")
    main = page.find("main")
    assert "112" in main.get_text()
    assert main.select('a[href^="tel:"]') == [], main.select('a[href^="tel:"]')
    client, _account = sign_in(app, "communicatie")
    board = BeautifulSoup(
        client.get("/statistiek/?periode=kwartaal&vanaf=2025-04-01").get_data(as_text=True), "html.parser"
    )
    assert board.find("main").select('a[href^="tel:"]') == []
    # Charts and figures are left alone; running text still links the emergency number.
    svg = Markup('<svg><text x="1" y="2">112</text></svg><p>Bel 112.</p><data value="112">112</data>')
    assert str(isolate_numbers(svg)).count('href="tel:112"') == 1


def test_a_key_figure_without_a_number_says_why(app):
    from tests.stats.test_comparisons import _open_in_december_2024

    _open_in_december_2024(app)
    client, _account = sign_in(app, "communicatie")
    page = BeautifulSoup(client.get("/statistiek/factsheet/2024").get_data(as_text=True), "html.parser")
    dashes = 0
    for figure in page.select(".key-figures > div"):
        values = figure.find_all("dd")
        if values[0].get_text(strip=True) == "–":
            dashes += 1
            assert any(dd.get_text().startswith("geen cijfer:") for dd in values[1:]), figure
    assert dashes, "December alone is too few for a median of closing times"


def test_a_running_campaign_shows_no_change_and_its_chart_draws_the_reports_only(app):
    from meldpunt.models import DailyCounter
    from meldpunt.stats import campaigns

    app.config["CAMPAIGNS"] = {"poster-2025": "Posters in de wijk"}
    app.config["CAMPAIGN_STARTS"] = {"poster-2025": date(2025, 3, 1)}
    with app.app_context(), app.test_request_context():
        for n in range(40):  # the eight weeks before, and three weeks after the start
            day = date(2025, 1, 4) + timedelta(days=n * 2)
            add_report(utc(day.year, day.month, day.day, 11))
        db.session.add(DailyCounter(day=date(2024, 6, 1), name="form_view", count=900))
        db.session.add(DailyCounter(day=date(2025, 3, 10), name="form_view", count=700))
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 3, 22))
        view = campaigns.campaign_views(today=date(2025, 3, 22))[0]
        assert not view.complete
        reports = view.table.rows[0]
        assert reports.cells[0].value > reports.cells[1].value  # three weeks count less than eight ...
        assert not reports.cells[2].shown  # ... so no "fall" is computed while they run
        assert [row.key for row in view.chart.rows] == ["meldingen", "met-code"]
        assert [row.key for row in view.table.rows] == ["meldingen", "met-code", "bekeken"]
    client, _account = sign_in(app, "communicatie")
    page = BeautifulSoup(client.get("/statistiek/campagnes").get_data(as_text=True), "html.parser")
    assert len(page.select("#campagne-1 svg, .chart-box svg")) == 1
    assert "Formulier bekeken" not in page.select_one(".chart-box svg").get_text()
