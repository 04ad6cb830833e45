"""Staff decisions keep the contract's fixed routing rules (shared/taxonomy.md): a fixed theme
keeps its route, an acute report goes to the police first, and the reserved routes take no
other theme. A refused decision says why in Dutch, keeps what was chosen and stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import triage
from meldpunt import routing
from meldpunt.extensions import db
from meldpunt.models import AuditEvent, Report
from tests.backoffice.conftest import new_report, post_form
from tests.helpers import soup


@pytest.mark.parametrize(
    "theme, urgency, route, expected",
    [
        ("integriteit", "normaal", "integriteit", None),
        ("integriteit", "normaal", "politie", ("fixed_theme", "integriteit")),
        # The fixed theme comes first, as in the triage: an acute integrity report stays with the coordinator.
        ("integriteit", "acuut", "integriteit", None),
        ("integriteit", "acuut", "politie", ("fixed_theme", "integriteit")),
        ("hennep", "acuut", "politie", None),
        ("hennep", "acuut", "riec", ("acute", "politie")),
        ("witwassen", "acuut", "riec", ("acute", "politie")),
        ("geen_ondermijning", "normaal", "doorverwijzen", None),
        ("geen_ondermijning", "normaal", "politie", ("fixed_theme", "doorverwijzen")),
        ("geen_ondermijning", "acuut", "politie", None),  # a crime in progress: the police
        ("hennep", "normaal", "doorverwijzen", ("reserved_route", None)),
        ("fraude", "hoog", "integriteit", ("reserved_route", None)),
        # Everything else is the staff member's judgement, RIEC escalation included.
        ("hennep", "hoog", "riec", None),
        ("vastgoed", "normaal", "gemeente_handhaving", None),
    ],
)
def test_route_conflict_follows_the_fixed_rules(theme, urgency, route, expected):
    conflict = routing.route_conflict(theme, urgency, route, triage.build_routing())
    assert (None if conflict is None else (conflict.rule, conflict.required)) == expected


def _panel(client, report_id: int, theme: str, urgency: str, route: str):
    return post_form(client, f"/beheer/melding/{report_id}/besluit", {
        "panel-theme": theme, "panel-urgency": urgency, "panel-route": route,
        "panel-status": "", "panel-outcome": "", "panel-forward_to": ""})


def _chosen(page, name: str) -> str:
    return page.find("select", {"name": name}).find("option", selected=True)["value"]


@pytest.mark.parametrize(
    "theme, urgency, route, words",
    [
        ("integriteit", "normaal", "politie",
         ["Integriteit van de overheid", "altijd naar de route Integriteitscoördinator"]),
        ("hennep", "acuut", "riec", ["Acute meldingen", "altijd eerst naar de route Politie"]),
        ("hennep", "normaal", "doorverwijzen", ["Doorverwijzen (niet voor het meldpunt)", "Kies een andere route"]),
    ],
)
def test_the_panel_refuses_a_route_against_the_rules_and_keeps_the_choice(app, staff_client, theme, urgency,
                                                                          route, words):
    report_id, _ = new_report(app, set_urgency="normaal", set_route="politie", set_theme="hennep")
    client, _ = staff_client("triage")
    response = _panel(client, report_id, theme, urgency, route)
    assert response.status_code == 422
    page = soup(response)
    problem = page.select_one(".error-summary").get_text(" ")
    for word in words:
        assert word in problem
    assert page.select_one("#panel-route-error") is not None  # at the route field as well
    assert (_chosen(page, "panel-theme"), _chosen(page, "panel-urgency"), _chosen(page, "panel-route")) == (
        theme, urgency, route)
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.theme, report.urgency, report.route) == ("hennep", "normaal", "politie")
        assert report.decisions == []
        decided = select(AuditEvent.id).where(AuditEvent.action == "triage.decision",
                                              AuditEvent.object_id == str(report_id))
        assert db.session.scalar(decided) is None


def test_the_panel_accepts_what_the_rules_ask_for(app, staff_client):
    report_id, _ = new_report(app, set_urgency="normaal", set_route="politie", set_theme="hennep")
    client, _ = staff_client("triage")
    assert _panel(client, report_id, "integriteit", "acuut", "integriteit").status_code == 303
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.theme, report.urgency, report.route) == ("integriteit", "acuut", "integriteit")
