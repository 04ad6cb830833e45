"""Comparisons only with periods in which the meldpunt received reports the whole time.

An outside tester found the factsheet of 2025 saying "2024: 37 (1.694,6%)" because
2024 held only December, and the dashboard showing "Zelfde maand vorig jaar: 0" for
months before the first report. Before its first day with figures the meldpunt received
nothing: a 0 there is no count, and a period it covered only in part is no baseline.
"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pikepdf
from bs4 import BeautifulSoup
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import DailyCounter, StatPublication
from meldpunt.stats import aggregates, figures, published, rollup, tables
from meldpunt.stats.periods import MONTH, YEAR, Period
from tests.backoffice.conftest import sign_in
from tests.stats.helpers import add_report, seeded_random, utc

NO_COMPARISON = "Geen vergelijking: het meldpunt ontvangt meldingen sinds december 2024"


def _reports_between(first: date, last: date, count: int, rng) -> None:
    """``count`` reports spread over ``first``..``last``, most closed, with the daily form views."""
    span = (last - first).days + 1
    days: dict[date, int] = {}
    for _ in range(count):
        day = first + timedelta(days=rng.randrange(span))
        days[day] = days.get(day, 0) + 1
        created = utc(day.year, day.month, day.day, rng.randrange(8, 22))
        closed = rng.random() < 0.8
        add_report(
            created,
            theme=rng.choice(["hennep", "drugshandel", "witwassen", "fraude"]),
            status="afgerond" if closed else "nieuw",
            outcome=rng.choice(["controle_uitgevoerd", "geen_vervolg_mogelijk"]) if closed else None,
            first_action_at=created + timedelta(hours=rng.randrange(1, 60)) if closed else None,
            closed_at=created + timedelta(days=rng.randrange(1, 20)) if closed else None,
        )
    for back in range(span):  # the form is opened every day the meldpunt is open
        day = first + timedelta(days=back)
        db.session.add(DailyCounter(day=day, name="form_view", count=days.get(day, 0) * 7 + 3))


def _open_in_december_2024(app, since_january: bool = False, now=None) -> None:
    """A meldpunt that opened on 6 December 2024 (or on 1 January 2024), published up to ``now``."""
    rng = seeded_random(3)
    with app.app_context():
        if since_january:
            _reports_between(date(2024, 1, 1), date(2024, 12, 5), 500, rng)
        _reports_between(date(2024, 12, 6), date(2024, 12, 31), 37, rng)
        _reports_between(date(2025, 1, 1), date(2025, 12, 31), 660, rng)
        db.session.commit()
        rollup.rebuild_all(now=now or utc(2026, 1, 5))


def _page(client, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, path
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_factsheet_compares_only_with_a_whole_year_of_reports(app):
    _open_in_december_2024(app)
    client, _account = sign_in(app, "communicatie")
    page = _page(client, "/statistiek/factsheet/2025")
    key = page.select_one(".key-figures").get_text(" ", strip=True)
    assert "2024: 37" not in key and "%" not in key.split("Meldingen afgerond")[0], key
    assert NO_COMPARISON in key
    # A publication made under this rule is not a corrected one: no correction note.
    assert "Een eerdere weergave" not in page.get_text()
    # 2024 itself says that it is not a whole year, and its quarters before December have no
    # figures ("–"), not zeros.
    page = _page(client, "/statistiek/factsheet/2024")
    text = page.get_text(" ", strip=True)
    assert "deze cijfers gaan niet over het hele jaar" in text
    quarters = {
        row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.find_all("td")]
        for row in page.select("#fs-quarters-table tbody tr")
    }
    assert quarters["1e kwartaal 2024"] == ["–", "–", "–"], quarters
    assert quarters["4e kwartaal 2024 (vanaf december 2024)"][0] == "37", quarters
    assert "nog geen meldingen" in page.select_one("#fs-quarters").parent.get_text()


def test_the_factsheet_still_compares_when_the_year_before_was_whole(app):
    _open_in_december_2024(app, since_january=True)
    client, _account = sign_in(app, "communicatie")
    key = _page(client, "/statistiek/factsheet/2025").select_one(".key-figures").get_text(" ", strip=True)
    assert "2024: 537" in key and "Geen vergelijking" not in key, key


def test_the_factsheet_pdf_says_there_is_no_comparison(app, monkeypatch):
    from meldpunt.stats import factsheet_pdf

    _open_in_december_2024(app)
    # The PDF core font writes its text as plain strings, so the page's text can be read back.
    monkeypatch.setattr(factsheet_pdf, "FONT_DIR", factsheet_pdf.FONT_DIR / "absent")
    client, _account = sign_in(app, "communicatie")
    response = client.get("/statistiek/factsheet/2025.pdf")
    assert response.status_code == 200
    document = pikepdf.open(io.BytesIO(response.data))
    text = b"".join(page.Contents.read_bytes() for page in document.pages)
    assert NO_COMPARISON.encode("latin-1") in text


def test_a_factsheet_published_before_the_rule_stays_frozen_and_says_what_changed(app):
    _open_in_december_2024(app)
    with app.app_context():
        # Publications made before the first day with figures was stored have no "data_since".
        for row in db.session.scalars(select(StatPublication)):
            payload = json.loads(row.payload)
            del payload["data_since"]
            row.payload = json.dumps(payload, separators=(",", ":"))
        db.session.commit()
        stored = {row.id: row.payload for row in db.session.scalars(select(StatPublication))}
    client, _account = sign_in(app, "communicatie")
    page = _page(client, "/statistiek/factsheet/2025")
    assert NO_COMPARISON in page.select_one(".key-figures").get_text(" ", strip=True)
    assert "Een eerdere weergave van deze factsheet vergeleek met 2024 (37 meldingen)" in page.get_text(" ")
    with app.app_context():
        assert {row.id: row.payload for row in db.session.scalars(select(StatPublication))} == stored


def test_the_public_results_leave_out_quarters_before_the_first_report(app):
    _open_in_december_2024(app, now=utc(2025, 4, 3))  # published: 2024 and the first quarter of 2025
    page = _page(app.test_client(), "/resultaten")
    headings = [h.get_text(strip=True) for h in page.select("section > h2")]
    assert "1e kwartaal 2025" in headings and "4e kwartaal 2024" in headings
    assert "3e kwartaal 2024" not in headings and "2e kwartaal 2024" not in headings, headings
    summary = [row.th.get_text(strip=True) for row in page.select("#kwartalen-table tbody tr")]
    assert summary == ["4e kwartaal 2024 (vanaf december 2024)", "1e kwartaal 2025"], summary
    assert "Het meldpunt ontvangt meldingen sinds december 2024" in page.get_text()
    long_csv = app.test_client().get("/resultaten/lang.csv").get_data(as_text=True)
    assert "2024-07-01" not in long_csv and "2024-04-01" not in long_csv


def test_the_dashboard_shows_no_last_year_figure_for_months_before_the_first_report(app):
    today = aggregates.local_today()
    rng = seeded_random(9)
    with app.app_context():
        _reports_between(today - timedelta(days=70), today - timedelta(days=1), 60, rng)
        db.session.commit()
        rollup.rebuild_all()
    client, _account = sign_in(app, "communicatie")
    page = _page(client, "/statistiek/?periode=maand")
    rows = page.select("#per-maand-table tbody tr")
    last_year = [row.find_all("td")[1].get_text(strip=True) for row in rows]
    assert last_year and set(last_year) == {"–"}, last_year
    this_year = [row.find_all("td")[0].get_text(strip=True) for row in rows]
    assert this_year[:9] == ["–"] * 9 and this_year[-1] != "–", this_year  # months before the first: no 0
    notes = page.select_one("#per-maand").get_text()
    assert "Het meldpunt ontvangt meldingen sinds" in notes
    # The comparison in the headline: last year's month has no figure, and no change.
    headline = [
        [td.get_text(strip=True) for td in row.find_all("td")] for row in page.select("#kerncijfers-table tbody tr")
    ]
    assert headline[2] == ["–", "–"], headline


def test_a_period_the_meldpunt_covered_only_in_part_is_counted_but_not_compared(app):
    rng = seeded_random(4)
    with app.app_context():
        _reports_between(date(2024, 12, 6), date(2025, 12, 20), 700, rng)
        db.session.commit()
        rollup.rebuild_all(now=utc(2026, 1, 5))
        with app.test_request_context():
            numbers = figures.Figures(date(2026, 1, 5))
            assert numbers.since == date(2024, 12, 6)
            headline = tables.headline_table(numbers, Period.containing(YEAR, date(2025, 1, 1)))
            previous = headline.rows[1]
            assert previous.cells[0].value and not previous.cells[1].shown  # 2024 is counted, not compared
            monthly = tables.monthly_table(numbers, Period.containing(MONTH, date(2025, 12, 1)))
            december = monthly.rows[-1]
            assert not december.cells[1].shown  # December 2024 began on the 6th: no baseline
            assert published.factsheet(2025).received_change.shown is False


def test_a_campaign_that_started_soon_after_the_opening_has_no_baseline(app):
    from meldpunt.stats import campaigns

    app.config["CAMPAIGNS"] = {"poster-2025": "Posters in de wijk"}
    app.config["CAMPAIGN_STARTS"] = {"poster-2025": date(2025, 1, 10)}
    rng = seeded_random(6)
    with app.app_context(), app.test_request_context():
        _reports_between(date(2024, 12, 6), date(2025, 3, 31), 120, rng)  # opened four weeks before
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))
        view = campaigns.campaign_views(today=date(2025, 6, 1))[0]
        reports = view.table.rows[0]
        assert reports.cells[0].value and reports.cells[1].value  # both spans counted ...
        assert not reports.cells[2].shown  # ... but four weeks are no baseline for eight
        assert any("sinds 6 december 2024" in note for note in view.table.notes), view.table.notes
