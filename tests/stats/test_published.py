"""The rollup job computes and stores the published figures; pages only read them, and the
cache token changes only when the aggregates (or the stored figures) do."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import StatPublished, StatRollupState
from meldpunt.stats import aggregates, categories, dashboard, periods, rollup, store
from tests.backoffice.conftest import sign_in
from tests.stats.helpers import add_report, seed_year, utc


def _token(app) -> str:
    with app.app_context():
        return db.session.get(StatRollupState, 1).token


def test_token_changes_only_when_the_aggregates_change(app):
    with app.app_context():
        for day in (3, 4, 5):
            add_report(utc(2025, 5, day))
        db.session.commit()
        first = rollup.rollup(now=utc(2025, 6, 2, 9))
        assert first.full and first.published >= 2
    token = _token(app)
    with app.app_context():
        # Fifteen minutes later, nothing new: the same token, nothing recomputed or stored.
        quiet = rollup.rollup(now=utc(2025, 6, 2, 9, 15))
        assert (quiet.changed, quiet.rows, quiet.published) == (0, 0, 0)
    assert _token(app) == token
    with app.app_context():
        add_report(utc(2025, 6, 2, 9, 20), theme="witwassen")
        db.session.commit()
        busy = rollup.rollup(now=utc(2025, 6, 2, 9, 30))
        assert busy.changed == 1 and busy.published >= 1
    assert _token(app) != token
    token = _token(app)
    with app.app_context():
        # A new day: periods ended, so this year's figures are stored again (and the token moves).
        next_day = rollup.rollup(now=utc(2025, 6, 3, 0, 15))
        assert next_day.changed == 0 and next_day.published >= 1
        assert _token(app) != token
        stored = db.session.scalars(select(StatPublished).where(StatPublished.year == 2025)).all()
        assert {row.as_of for row in stored} == {date(2025, 6, 3)}
        assert {row.token for row in db.session.scalars(select(StatPublished))} == {_token(app)}


def test_stored_figures_equal_the_computed_ones_and_hold_no_small_count(app):
    today = aggregates.local_today()
    seed_year(app, today)
    with app.app_context():
        rows = db.session.scalars(select(StatPublished)).all()
        assert {(r.name, r.year) for r in rows} >= {
            ("reports", today.year),
            ("reports", today.year - 1),
            ("closures", today.year),
        }
        for row in rows:
            stored = store.block_from_json(row.payload)
            computed = store.BLOCK_KINDS[row.name](row.year, today)
            assert stored == computed, (row.name, row.year)
            # A small count is stored as "small", never as its value.
            for value in _numbers(row.payload):
                assert not 1 <= value <= 4, (row.name, row.year, value)


def _numbers(payload: str) -> list[int]:
    import json

    found: list[int] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in ("year",):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, int) and not isinstance(node, bool):
            found.append(node)

    walk(json.loads(payload))
    return found


def test_pages_only_read_the_stored_figures(app, monkeypatch):
    today = aggregates.local_today()
    seed_year(app, today)
    client, _account = sign_in(app, "communicatie")

    def refuse(*_args, **_kwargs):
        raise AssertionError("a page computed protected figures instead of reading them")

    monkeypatch.setattr(store, "BLOCK_KINDS", {"reports": refuse, "closures": refuse})
    store._BLOCK_CACHE.clear()
    last_year = today.replace(month=1, day=1) - timedelta(days=1)
    for path in (
        f"/statistiek/?periode=maand&vanaf={today.isoformat()}",
        f"/statistiek/?periode=week&vanaf={today.isoformat()}",
        f"/statistiek/?periode=jaar&vanaf={last_year.isoformat()}",
        f"/statistiek/?periode=kwartaal&vanaf={(today - timedelta(days=100)).isoformat()}",
        f"/statistiek/factsheet/{today.year - 1}",
        f"/statistiek/export/onderwerp.csv?periode=jaar&vanaf={last_year.isoformat()}",
        "/resultaten",
    ):
        assert client.get(path).status_code == 200, path


def test_without_a_fitting_stored_block_a_page_computes_it(app):
    today = aggregates.local_today()
    seed_year(app, today)
    with app.app_context():
        db.session.query(StatPublished).delete()
        db.session.commit()
    store._BLOCK_CACHE.clear()
    client, _account = sign_in(app, "communicatie")
    assert client.get("/resultaten").status_code == 200
    assert client.get(f"/statistiek/?periode=maand&vanaf={today.isoformat()}").status_code == 200


@pytest.mark.parametrize("campaigns", [{"poster-2026": "Posters voorjaar 2026"}])
def test_only_configured_campaign_codes_are_labels(app_factory, campaigns):
    app = app_factory(CAMPAIGNS=campaigns)
    with app.app_context():
        for code, n in (("poster-2026", 6), ("buurman-piet", 5), ("kees", 3), (None, 7)):
            for i in range(n):
                add_report(utc(2025, 4, 7 + i), campaign_code=code)
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 6, 1))
    client, _account = sign_in(app, "communicatie")
    html = client.get("/statistiek/?periode=maand&vanaf=2025-04-01").get_data(as_text=True)
    csv = client.get("/statistiek/export/campagne.csv?periode=maand&vanaf=2025-04-01").data.decode(
        "utf-8-sig"
    )
    for text in (html, csv):
        assert "buurman-piet" not in text and "kees" not in text
        assert "Posters voorjaar 2026" in text
    with app.app_context(), app.test_request_context():
        table = dashboard.export_table("campagne", periods.Period.containing("maand", date(2025, 4, 1)))
        rows = {row.key: row.cells[0] for row in table.rows}
        assert rows["poster-2026"].value == 6
        assert rows[categories.OTHER_CAMPAIGN].value == 8  # buurman-piet and kees together
        assert rows[""].value == 7
        assert set(rows) == {"poster-2026", categories.OTHER_CAMPAIGN, "", "totaal"}
        # Nothing in the stored figures names a code outside the list either.
        for row in db.session.scalars(select(StatPublished)):
            assert "buurman-piet" not in row.payload and "kees" not in row.payload


def test_campaign_configuration_is_parsed_and_checked(tmp_path):
    from meldpunt.config import parse_campaigns

    assert parse_campaigns(None) == {}
    assert parse_campaigns("Poster-2026=Posters 2026; buurtapp = Buurtapp") == {
        "poster-2026": "Posters 2026",
        "buurtapp": "Buurtapp",
    }
    listed = tmp_path / "campagnes.txt"
    listed.write_text("# code=label\nkrant-najaar=Krant, najaar\n\nradio=Radiospot\n", encoding="utf-8")
    assert parse_campaigns(f"@{listed}") == {"krant-najaar": "Krant, najaar", "radio": "Radiospot"}
    for wrong in ("poster", "overig=Alles", "met spatie=Label", "leeg="):
        with pytest.raises(ValueError):
            parse_campaigns(wrong)


def test_statistics_export_is_audited_without_content(app):
    from meldpunt.models import AuditEvent

    client, account = sign_in(app, "communicatie")
    response = client.get("/statistiek/export/kerncijfers.csv?periode=maand&vanaf=2025-03-01")
    assert response.status_code == 200
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "statistics.export")
        ).one()
        assert event.actor_id == account.id
        assert (event.object_type, event.object_id) == ("statistics_table", "kerncijfers")
        assert event.details == {"period": "maand", "from": "2025-03-01", "to": "2025-03-31"}
    assert client.get("/statistiek/export/bestaat-niet.csv").status_code == 404
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="statistics.export").count() == 1


def test_chart_description_names_no_highest_value_when_cells_are_hidden(app):
    from meldpunt.stats import charts
    from meldpunt.stats.suppression import HIDDEN, SMALL, Cell
    from meldpunt.stats.tables import Column, Row, Table

    def table(*cells):
        rows = tuple(Row(f"r{i}", f"Rij {i}", (c,)) for i, c in enumerate(cells))
        return Table("t", "T", "Bijschrift", "Rij", (Column("n", "Aantal", chart=True),), rows,
                     chart="bars", chart_description="Staafdiagram.")

    with app.test_request_context():
        hidden = str(charts.render(table(Cell(0), Cell(None, HIDDEN), Cell(None, SMALL)), "c1"))
        assert "Hoogste waarde" not in hidden
        shown = str(charts.render(table(Cell(0), Cell(12), Cell(7)), "c2"))
        assert "Hoogste waarde: Rij 1, 12." in shown


def test_dashboard_says_the_figures_are_updated_every_quarter_hour(app):
    client, _account = sign_in(app, "communicatie")
    text = client.get("/statistiek/").get_data(as_text=True)
    assert "elk kwartier" in text and "elke nacht" not in text

