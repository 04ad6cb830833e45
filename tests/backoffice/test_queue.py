"""The queue: urgent first then oldest, acute never paginated away, filters, search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from meldpunt.extensions import db
from meldpunt.models import URGENCY_RANK, Report
from tests.backoffice.conftest import new_report
from tests.helpers import soup

NOW = datetime.now(UTC)


def bulk_reports(app, rows: list[dict]) -> list[int]:
    """Insert reports directly (fast, exact control over every queue column)."""
    defaults = {
        "text": "Algemene melding over verdachte activiteiten.",
        "status": "nieuw",
        "theme": "hennep",
        "urgency": "normaal",
        "route": "politie",
        "review": False,
        "has_attachments": False,
        "reporter_type": "bewoner",
        "postcode_area": "3311",
        "place_type": "woning",
    }
    with app.app_context():
        values = []
        for n, row in enumerate(rows):
            value = {**defaults, **row}
            value.setdefault("created_at", NOW - timedelta(days=1, minutes=n))
            value["urgency_rank"] = URGENCY_RANK[value["urgency"]]
            value["receipt_hash"] = f"{n:064d}"
            values.append(value)
        ids = db.session.scalars(insert(Report).returning(Report.id), values).all()
        db.session.commit()
        return list(ids)


def queue_ids(client, **params) -> tuple[list[int], list[int]]:
    """(acute panel ids, list ids) of the queue page."""
    response = client.get("/beheer", query_string=params)
    assert response.status_code == 200, response.status_code
    page = soup(response)
    acute = [int(a.text) for a in page.select("table.queue--acute tbody th a")]
    rest = [int(a.text) for a in page.select("table.queue:not(.queue--acute) tbody th a")]
    return acute, rest


def test_urgent_first_then_oldest(app, staff_client):
    client, _ = staff_client("triage")
    ids = bulk_reports(
        app,
        [
            {"urgency": "normaal", "created_at": NOW - timedelta(days=9)},
            {"urgency": "laag", "created_at": NOW - timedelta(days=20)},
            {"urgency": "hoog", "created_at": NOW - timedelta(days=1)},
            {"urgency": "hoog", "created_at": NOW - timedelta(days=3)},
            {"urgency": "acuut", "created_at": NOW - timedelta(hours=1)},
            {"urgency": "normaal", "created_at": NOW - timedelta(days=2)},
        ],
    )
    acute, rest = queue_ids(client)
    assert acute == [ids[4]]
    assert rest == [ids[3], ids[2], ids[0], ids[5], ids[1]]
    page = client.get("/beheer").get_data(as_text=True)
    assert "acute-panel" in page and "badge--acuut" in page


def test_acute_reports_are_never_paginated_out_of_sight(app, staff_client):
    client, _ = staff_client("triage")
    rows = [{"urgency": "normaal", "created_at": NOW - timedelta(days=30, minutes=n)} for n in range(120)]
    rows += [
        {"urgency": "acuut", "created_at": NOW - timedelta(minutes=5)},
        {"urgency": "acuut", "status": "in_behandeling", "created_at": NOW},
    ]
    ids = bulk_reports(app, rows)
    acute_ids = ids[-2:]
    seen = set()
    for page in (1, 2, 3):
        acute, rest = queue_ids(client, pagina=page)
        assert acute == acute_ids  # on every page, oldest first
        assert len(rest) == (50 if page < 3 else 20)
        seen.update(rest)
    assert seen == set(ids[:-2])
    # Once handled (forwarded) an acute report joins the normal order again.
    with app.app_context():
        db.session.get(Report, acute_ids[0]).status = "doorgestuurd"
        db.session.commit()
    acute, rest = queue_ids(client, status="alle")
    assert acute == [acute_ids[1]] and rest[0] == acute_ids[0]


def test_a_page_past_the_last_shows_the_last_page_and_says_so(app, staff_client):
    from meldpunt.models import AuditEvent

    client, _ = staff_client("triage")
    empty = soup(client.get("/beheer", query_string={"pagina": 4}))
    # Nothing at all: page 1, its "nothing found" and why this is not page 4.
    assert "Geen meldingen gevonden" in empty.get_text()
    assert "Pagina 4 bestaat niet" in empty.select_one("p.notice").get_text()
    ids = bulk_reports(app, [{"created_at": NOW - timedelta(days=30, minutes=n)} for n in range(120)])
    for asked in (7, 1_000_000):
        response = client.get("/beheer", query_string={"pagina": asked, "theme": "hennep"})
        page = soup(response)
        _acute, rest = queue_ids(client, pagina=asked, theme="hennep")
        assert rest == list(reversed(ids))[100:]  # the 20 newest: page 3, the last
        notice = page.select_one("p.notice")
        assert f"Pagina {asked} bestaat niet" in notice.get_text() and "pagina 3" in notice.get_text()
        assert notice.a["href"] == "/beheer?theme=hennep"  # back to page 1, filters kept
        assert page.select_one('nav.pagination a[rel="prev"]')["href"].endswith("pagina=2&theme=hennep")
    # A page that exists says nothing of the kind.
    assert soup(client.get("/beheer", query_string={"pagina": 3})).select_one("p.notice") is None
    with app.app_context():
        viewed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "queue.view").order_by(AuditEvent.id.desc())
        ).first()
        assert viewed.details["page"] == 3  # the page shown is the page audited


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"status": "afgerond"}, {"closed"}),
        (
            {"status": "alle"},
            {"base", "closed", "drugslab", "hoog", "riec", "review", "old", "area", "files", "ondernemer"},
        ),
        ({"theme": "drugslab"}, {"drugslab"}),
        ({"urgency": "hoog"}, {"hoog"}),
        ({"route": "riec"}, {"riec"}),
        ({"review": "ja"}, {"review"}),
        ({"postcode": "1234"}, {"area"}),
        ({"bijlagen": "ja"}, {"files"}),
        ({"melder": "ondernemer"}, {"ondernemer"}),
        (
            {
                "van": (NOW - timedelta(days=100)).date().isoformat(),
                "tot": (NOW - timedelta(days=80)).date().isoformat(),
            },
            {"old"},
        ),
    ],
)
def test_each_filter(app, staff_client, params, expected):
    client, _ = staff_client("triage")
    named = {
        "base": {},
        "closed": {"status": "afgerond", "outcome": "controle_uitgevoerd"},
        "drugslab": {"theme": "drugslab"},
        "hoog": {"urgency": "hoog"},
        "riec": {"route": "riec"},
        "review": {"review": True},
        "old": {"created_at": NOW - timedelta(days=90)},
        "area": {"postcode_area": "1234"},
        "files": {"has_attachments": True},
        "ondernemer": {"reporter_type": "ondernemer"},
    }
    ids = dict(zip(named, bulk_reports(app, list(named.values())), strict=True))
    acute, rest = queue_ids(client, **params)
    assert acute == []
    assert set(rest) == {ids[name] for name in expected}


def test_invalid_filter_input_is_explained(app, staff_client):
    client, _ = staff_client("triage")
    response = client.get("/beheer", query_string={"postcode": "12a"})
    assert response.status_code == 422
    assert "4 cijfers" in soup(response).select_one(".error-summary").get_text()


def found(client, **params) -> list[int]:
    acute, rest = queue_ids(client, **params)
    return acute + rest


def test_full_text_search(app, staff_client):
    client, _ = staff_client("triage")
    lab, _ = new_report(app, text="In de schuur staan blauwe vaten en jerrycans, het ruikt naar anijs.")
    hemp, _ = new_report(app, text="Bij de buren hoor ik dag en nacht ventilatoren en de ramen zijn afgeplakt.")
    cafe, _ = new_report(app, text="In het café aan de haven staat een gokzuil in de achterkamer.")
    assert found(client, q="jerrycans") == [lab]
    assert found(client, q="ventilatoren afgeplakt") == [hemp]
    assert found(client, q="gokzuil", status="alle") == [cafe]
    # Words are combined with AND; nothing matches both.
    assert found(client, q="gokzuil jerrycans") == []
    # Search input is never query syntax that can break the page.
    for nasty in ['"', "NEAR(", "a OR", "*", "'; DROP TABLE report; --", "-"]:
        assert client.get("/beheer", query_string={"q": nasty}).status_code == 200
    # Search combines with filters.
    with app.app_context():
        lab_theme = db.session.get(Report, lab).theme
    assert found(client, q="jerrycans", theme=lab_theme) == [lab]
    assert found(client, q="jerrycans", theme="gokken" if lab_theme != "gokken" else "hennep") == []


def test_search_follows_changes_to_the_text(app, staff_client):
    """The index stays in sync when retention clears a text (triggers / generated column)."""
    client, _ = staff_client("triage")
    report_id, _ = new_report(app, text="Een busje met arbeiders rijdt elke ochtend om vijf uur weg.")
    assert found(client, q="arbeiders") == [report_id]
    with app.app_context():
        db.session.get(Report, report_id).text = "Vervangen tekst over een nagelstudio."
        db.session.commit()
    assert found(client, q="arbeiders") == []
    assert found(client, q="nagelstudio") == [report_id]
