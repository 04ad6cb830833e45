"""Coordinators manage routing: theme routes and partner notice addresses, stored, audited, used.

Precedence: a setting on /beheer/routering over MELDPUNT_ROUTING_FILE over the
packaged default; the app builds the table as a value (meldpunt/routing.py) and
caches it under a settings version kept in the database: no file is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import triage
from meldpunt import routing
from meldpunt.casework import forwarding, routing_settings
from meldpunt.extensions import db
from meldpunt.models import (
    AuditEvent,
    OutboxMessage,
    PartnerAddressSetting,
    Report,
    RoutingThemeSetting,
    StaffUser,
)
from meldpunt.staff import audit
from tests.backoffice.conftest import make_account, new_report, page_csrf, post_form, sign_in
from tests.helpers import soup

HENNEP = "Er hangt een sterke wietlucht en de ramen zijn afgeplakt."
PAGE = "/beheer/routering"


def save(client, **fields):
    return post_form(client, PAGE, fields, csrf_from=PAGE)


def routing_events(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("routing.%")).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def route_of(app, report_id: int) -> tuple[str, str]:
    with app.app_context():
        report = db.session.get(Report, report_id)
        return report.route, report.suggestion.route


def test_coordinator_changes_a_theme_route_and_new_reports_follow(app, staff_client):
    client, account = staff_client("coordinator")
    before, _ = new_report(app, HENNEP)
    assert route_of(app, before) == ("politie", "politie")

    page = soup(client.get(PAGE))
    assert page.select_one("#theme_hennep") is not None
    # The two themes the contract fixes cannot be chosen.
    assert page.select_one("#theme_integriteit") is None and page.select_one("#theme_geen_ondermijning") is None
    options = {o["value"] for o in page.select("#theme_hennep option")}
    assert "integriteit" not in options and "doorverwijzen" not in options and "gemeente_handhaving" in options

    response = save(client, theme_hennep="gemeente_handhaving")
    assert response.status_code == 303 and response.headers["Location"].endswith(PAGE)
    after, _ = new_report(app, HENNEP)
    assert route_of(app, after) == ("gemeente_handhaving", "gemeente_handhaving")
    # Stored reports keep the route they got.
    assert route_of(app, before) == ("politie", "politie")

    events = routing_events(app)
    assert [(e.action, e.object_type, e.object_id) for e in events] == [("routing.theme", "theme", "hennep")]
    assert events[0].actor == account.email and events[0].actor_id == account.id
    assert events[0].details == {"old": None, "new": "gemeente_handhaving", "effective": "gemeente_handhaving"}
    with app.app_context():
        row = db.session.get(RoutingThemeSetting, "hennep")
        assert (row.route, row.updated_by) == ("gemeente_handhaving", account.id)
        assert audit.verify_chain().ok

    # The page says where the route now comes from, and who changed it.
    page = soup(client.get(PAGE))
    row_text = page.select_one("#theme_hennep").find_parent("tr").get_text(" ", strip=True)
    assert "deze pagina" in row_text and account.email in row_text
    assert page.select_one("#theme_hennep option[selected]")["value"] == "gemeente_handhaving"

    # Back to no own setting: the default applies again, and that is audited too.
    assert save(client, theme_hennep="").status_code == 303
    third, _ = new_report(app, HENNEP)
    assert route_of(app, third) == ("politie", "politie")
    last = routing_events(app)[-1]
    assert last.details == {"old": "gemeente_handhaving", "new": None, "effective": "politie"}
    with app.app_context():
        assert db.session.get(RoutingThemeSetting, "hennep") is None


def test_saving_without_changes_writes_no_event(app, staff_client):
    client, _ = staff_client("admin")
    response = save(client, theme_hennep="")
    assert response.status_code == 303
    assert "Er is niets gewijzigd" in client.get(PAGE).get_data(as_text=True)
    assert routing_events(app) == []


@pytest.mark.parametrize("role", ["triage", "communicatie"])
def test_other_roles_cannot_see_or_change_routing(app, staff_client, role):
    client, _ = staff_client(role)
    assert client.get(PAGE).status_code == 403
    response = client.post(PAGE, data={"csrf_token": page_csrf(client, "/beheer"), "theme_hennep": "riec"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(RoutingThemeSetting)) is None
    assert routing_events(app) == []


def test_partner_cannot_change_routing(app):
    client, _ = sign_in(app, "partner", route="politie")
    assert client.get(PAGE).status_code == 403


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("doorverwijzen", "alleen voor integriteitsmeldingen en voor doorverwijzen"),
        ("integriteit", "alleen voor integriteitsmeldingen en voor doorverwijzen"),
        ("naar-de-buren", "Kies een route uit de lijst."),
    ],
)
def test_an_invalid_route_is_refused_with_a_message(app, staff_client, value, message):
    client, _ = staff_client("coordinator")
    response = save(client, theme_hennep=value, theme_vastgoed="gemeente_handhaving", partner_politie="a@politie.nl")
    assert response.status_code == 422
    page = soup(response)
    summary = page.select_one(".error-summary")
    assert summary is not None and message in summary.get_text()
    assert summary.select_one("a")["href"] == "#theme_hennep"
    # The rest of the input is kept, nothing is stored.
    assert page.select_one("#theme_vastgoed option[selected]")["value"] == "gemeente_handhaving"
    assert page.select_one("#partner_politie")["value"] == "a@politie.nl"
    with app.app_context():
        assert db.session.scalar(select(RoutingThemeSetting)) is None
        assert db.session.scalar(select(PartnerAddressSetting)) is None
    assert routing_events(app) == []
    assert route_of(app, new_report(app, HENNEP)[0]) == ("politie", "politie")


def test_a_fixed_theme_cannot_be_changed(app, staff_client):
    client, _ = staff_client("coordinator")
    # Not on the form; a crafted post is ignored and the route stays as the contract says.
    assert save(client, theme_integriteit="politie").status_code == 303
    with app.app_context():
        assert routing_settings.validate({"integriteit": "politie"}, {})[2] == {"theme_integriteit": "locked"}
        assert db.session.scalar(select(RoutingThemeSetting)) is None
        table = routing.current_table()
        assert table.themes["integriteit"] == "integriteit" and table.themes["geen_ondermijning"] == "doorverwijzen"


def test_bad_addresses_are_refused_and_kept(app, staff_client):
    client, _ = staff_client("coordinator")
    response = save(client, partner_politie="meldingen@politie.nl, geen-adres")
    assert response.status_code == 422
    page = soup(response)
    assert "Vul geldige e-mailadressen in" in page.select_one(".error-summary").get_text()
    assert page.select_one("#partner_politie")["value"] == "meldingen@politie.nl, geen-adres"
    assert page.select_one("#partner_politie")["aria-invalid"] == "true"
    too_many = ", ".join(f"p{i}@politie.nl" for i in range(routing_settings.MAX_ADDRESSES + 1))
    assert save(client, partner_politie=too_many).status_code == 422
    assert routing_events(app) == []


def test_without_csrf_token_nothing_changes(app, staff_client):
    client, _ = staff_client("coordinator")
    assert client.post(PAGE, data={"theme_hennep": "riec"}).status_code in (400, 422)
    response = client.post(PAGE, data={"theme_hennep": "riec", "csrf_token": "vervalst"})
    assert response.status_code in (400, 422)
    with app.app_context():
        assert db.session.scalar(select(RoutingThemeSetting)) is None


def current_route(app, theme: str) -> str:
    """The route the triage gives ``theme`` in this app now, through the app's own table."""
    with app.app_context():
        return triage.route_for(theme, routing=routing.current_table())


def no_routing_files(*apps) -> bool:
    return not any(
        name.startswith(("routing-effective", ".routing-check"))
        for app in apps
        for name in (p.name for p in Path(app.config["DATA_DIR"]).iterdir())
    )


def test_database_wins_over_the_routing_file_over_the_default(app_factory, tmp_path):
    routing_file = tmp_path / "gemeente-routing.json"
    file_themes = {"vastgoed": "gemeente_handhaving", "gokken": "gemeente_handhaving"}
    routing_file.write_text(json.dumps({"themes": file_themes}))
    app = app_factory(ROUTING_FILE=str(routing_file))
    client, _ = sign_in(app, "coordinator")
    assert app.config["ROUTING_FILE"] == str(routing_file)  # never rewritten at run time

    page = soup(client.get(PAGE))
    assert str(routing_file) in page.select_one("#voorrang").get_text()
    vastgoed = page.select_one("#theme_vastgoed").find_parent("tr").get_text(" ", strip=True)
    assert "RIEC" in vastgoed and "Gemeente: toezicht en handhaving (routeringsbestand)" in vastgoed
    assert current_route(app, "vastgoed") == "gemeente_handhaving"  # file over default
    assert current_route(app, "hennep") == "politie"  # package default

    assert save(client, theme_vastgoed="riec", theme_hennep="arbeidsinspectie").status_code == 303
    assert current_route(app, "vastgoed") == "riec"  # database over file
    assert current_route(app, "gokken") == "gemeente_handhaving"  # file over default
    assert current_route(app, "hennep") == "arbeidsinspectie"  # database over default
    # What the intake stores follows the same table.
    assert route_of(app, new_report(app, HENNEP)[0]) == ("arbeidsinspectie", "arbeidsinspectie")
    # The escalation rules of the file and the contract are untouched.
    with app.app_context():
        table = routing.current_table()
    configured = triage.load_routing(str(routing_file))
    assert (table.escalate_to_riec, table.escalate_from, table.acute_route, table.fixed_themes) == (
        configured.escalate_to_riec, configured.escalate_from, configured.acute_route, configured.fixed_themes,
    )
    # The municipality edits its file: picked up on the next request, database settings kept.
    routing_file.write_text(json.dumps({"themes": {"gokken": "kansspelautoriteit", "milieu": "gemeente_handhaving"}}))
    assert current_route(app, "gokken") == "kansspelautoriteit"
    assert current_route(app, "milieu") == "gemeente_handhaving"
    assert current_route(app, "vastgoed") == "riec"
    assert no_routing_files(app)


def test_a_broken_routing_file_is_shown_and_not_saved_over(app_factory, tmp_path):
    routing_file = tmp_path / "kapot.json"
    routing_file.write_text("{dit is geen json")
    app = app_factory(ROUTING_FILE=str(routing_file))
    client, _ = sign_in(app, "coordinator")
    # The triage gets no table from a broken file: it fails loudly (the intake falls back), as before.
    with app.app_context():
        before = routing.version()
        with pytest.raises(triage.RoutingError):
            routing.current_table()
    page = client.get(PAGE)
    assert page.status_code == 200 and "Het routeringsbestand is ongeldig" in page.get_data(as_text=True)
    response = save(client, theme_hennep="riec")
    assert response.status_code == 422 and "Het routeringsbestand is ongeldig" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(RoutingThemeSetting)) is None
        assert routing.version() == before  # nothing was saved
    assert routing_events(app) == []


def test_another_app_instance_sees_the_change_without_a_shared_directory(app_factory, tmp_path):
    first = app_factory()
    # Another worker, on another machine: the same database, its own data directory.
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    other = app_factory(DATA_DIR=str(elsewhere), SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"])
    assert other.config["DATA_DIR"] != first.config["DATA_DIR"]
    client, _ = sign_in(first, "coordinator")
    # The other instance has built (and cached) its table before the change.
    assert route_of(other, new_report(other, HENNEP)[0])[0] == "politie"
    with other.app_context():
        before = routing.version()
    assert save(client, theme_hennep="gemeente_handhaving").status_code == 303
    with other.app_context():
        assert routing.version() == before + 1  # bumped in the transaction of the change
    assert route_of(other, new_report(other, HENNEP)[0])[0] == "gemeente_handhaving"
    assert current_route(other, "hennep") == "gemeente_handhaving"

    # A restart (a fresh app, nothing cached) gets it from the database alone.
    restarted = app_factory(DATA_DIR=str(elsewhere), SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"])
    assert route_of(restarted, new_report(restarted, HENNEP)[0])[0] == "gemeente_handhaving"
    assert no_routing_files(first, other, restarted)


def test_the_table_is_cached_until_the_settings_version_changes(app):
    with app.app_context():
        table = routing.current_table()
        assert routing.current_table() is table  # no rebuild while nothing changed
        # A setting written behind the app's back without a new version is not seen ...
        db.session.add(RoutingThemeSetting(theme="hennep", route="riec"))
        db.session.commit()
        assert routing.current_table() is table
        # ... a new version (what every save does, in its own transaction) is.
        routing.bump_version()
        db.session.commit()
        fresh = routing.current_table()
        assert fresh is not table and fresh.themes["hennep"] == "riec"


def test_partner_addresses_from_the_page_win_over_configuration(app_factory):
    app = app_factory(PARTNER_EMAILS={"politie": "oud@politie.example", "riec": "riec@riec.example"})
    client, account = sign_in(app, "coordinator")
    page = soup(client.get(PAGE))
    politie = page.select_one("#partner_politie").find_parent("tr").get_text(" ", strip=True)
    assert "oud@politie.example" in politie and "(configuratie)" in politie

    response = save(client, partner_politie="Wijkteam@Politie.example; recherche@politie.example")
    assert response.status_code == 303
    report_id, _ = new_report(app, HENNEP)
    with app.app_context():
        staff = db.session.get(StaffUser, account.id)
        assert forwarding.partner_addresses("politie") == ["wijkteam@politie.example", "recherche@politie.example"]
        assert forwarding.partner_addresses("riec") == ["riec@riec.example"]
        assert forwarding.forward(report_id, staff, "politie").notified
        recipients = sorted(db.session.scalars(select(OutboxMessage.recipient)))
        assert recipients == ["recherche@politie.example", "wijkteam@politie.example"]
    events = routing_events(app)
    assert [(e.action, e.object_id) for e in events] == [("routing.partner_addresses", "politie")]
    assert events[0].details == {"old": None, "new": ["wijkteam@politie.example", "recherche@politie.example"]}
    # Empty again: the configured address applies.
    assert save(client, partner_politie="").status_code == 303
    with app.app_context():
        assert forwarding.partner_addresses("politie") == ["oud@politie.example"]


# --- arbitrary input never breaks the page nor the routing --------------------------------------

FIELDS = ["theme_hennep", "theme_vastgoed", "theme_fraude", "theme_integriteit", "partner_politie",
          "partner_riec", "csrf_token", "x"]
VALUES = st.text(max_size=80) | st.sampled_from(
    [*triage.ROUTES, "", " ", "\x00", "a@b.nl", "a@b.nl,c@d.nl", "@", "x" * 3000, "riec\x00"]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), max_size=10), with_csrf=st.booleans())
def test_routing_form_never_fails(app, sent, with_csrf):
    state = app.extensions.setdefault("test_routing_form", {})
    if "client" not in state:
        account = make_account(app, "coordinator", email="fuzz@gemeente.example")
        client = app.test_client()
        from tests.backoffice.conftest import login

        assert login(client, account).status_code == 303
        state["client"] = client
    client = state["client"]
    data = MultiDict(sent)
    if with_csrf:
        data["csrf_token"] = page_csrf(client, PAGE)
    response = client.post(PAGE, data=data)
    assert response.status_code in {303, 400, 422}, response.status_code
    with app.app_context():
        table = routing.current_table()
        assert table.themes["integriteit"] == "integriteit"
        for theme, route in table.themes.items():
            assert route in triage.ROUTES
            if theme not in routing_settings.LOCKED_THEMES:
                assert route in routing_settings.CHOOSABLE_ROUTES
        assert audit.verify_chain().ok
        db.session.remove()
