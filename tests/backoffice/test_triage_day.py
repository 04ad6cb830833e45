"""A triage worker's day (issue 15): the queue keeps what needs a staff action, partners and
reporters see what they should, assignment, and the one decision panel."""

from __future__ import annotations

import re

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, Forward, Report, StaffUser
from tests import filemakers
from tests.backoffice.conftest import forward, make_account, new_report, post_form
from tests.helpers import csrf_token, file_part, soup


def queue_ids(client, **args) -> list[int]:
    page = soup(client.get("/beheer", query_string=args))
    return [int(a.get_text()) for a in page.select("table.queue th[scope=row] a")]


def reporter_answers(app, code: str, text: str, files=None) -> None:
    reporter = app.test_client()
    token = csrf_token(reporter, "/opvolgen")
    assert reporter.post("/opvolgen", data={"csrf_token": token, "code": code}).status_code == 303
    page = soup(reporter.get("/opvolgen/melding"))
    data = {"csrf_token": page.find("input", {"name": "csrf_token"})["value"], "text": text}
    if files:
        data["files"] = files
    response = reporter.post("/opvolgen/melding", data=data, content_type="multipart/form-data")
    assert response.status_code == 303


def audit_actions(app, report_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(report_id)).order_by(AuditEvent.id)))


# --- 1. bugs ---------------------------------------------------------------------------------------


def test_a_reporters_answer_brings_a_forwarded_report_back_into_the_default_queue(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, code = new_report(app)
    forwarded = forward(coordinator, app, report_id, "politie")
    assert forwarded.status_code == 303
    post_form(coordinator, f"/beheer/melding/{report_id}/bericht", {"message-message": "Welk kenteken had de bus?"})
    # Forwarded and asked: no staff action needed now, so out of "Te behandelen"; in "Wacht op melder".
    assert report_id not in queue_ids(coordinator)
    assert report_id in queue_ids(coordinator, weergave="wacht_op_melder")

    reporter_answers(app, code, "Het kenteken was 12-ABC-3.")
    assert report_id in queue_ids(coordinator)
    assert report_id in queue_ids(coordinator, weergave="nieuwe_info")
    assert report_id not in queue_ids(coordinator, weergave="wacht_op_melder")
    row = soup(coordinator.get("/beheer")).find("a", string=str(report_id)).find_parent("tr")
    assert "nieuwe info" in row.get_text()
    # Opening it is not acting on it (issue 15); "Gelezen - geen actie nodig" is: afterwards
    # it waits with the partner again.
    coordinator.get(f"/beheer/melding/{report_id}")
    assert report_id in queue_ids(coordinator)
    post_form(coordinator, f"/beheer/melding/{report_id}/gelezen", {})
    assert report_id not in queue_ids(coordinator)


def test_partners_see_what_the_reporter_added_later_without_identity(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, code = new_report(app, anonymous=False, name="Karin Jansen", email="karin@example.org",
                                 share_identity=False)
    forward(coordinator, app, report_id, "politie")
    reporter_answers(app, code, "Het kenteken van de bus is 12-ABC-3.",
                     files=[file_part(filemakers.jpeg_with_gps(), "bus.jpg")])
    partner, _ = staff_client("partner", "politie")
    page = partner.get(f"/beheer/partner/melding/{report_id}").get_data(as_text=True)
    assert "12-ABC-3" in page
    # The file, under a neutral name: the original could name the reporter (issue 15).
    assert "bijlage-1.jpg" in page and "bus.jpg" not in page
    assert "Karin" not in page and "karin@example.org" not in page


def test_the_reporter_rereads_their_own_report(app, client):
    from tests.helpers import receipt_code_from, submit

    submit(client, text="Achter de loods aan de Polderweg staan elke nacht busjes met blauwe vaten.",
           location="Polderweg 12, Zuiddorp", files=[(filemakers.png_bytes(), "vaten.png")])
    code = receipt_code_from(client)
    token = csrf_token(client, "/opvolgen")
    client.post("/opvolgen", data={"csrf_token": token, "code": code})
    with app.app_context():
        report = db.session.scalar(select(Report))
        report.messages.append(__import__("meldpunt.models", fromlist=["Message"]).Message(
            sender="staff", body="Hoe laat ongeveer?"))
        db.session.commit()
    text = soup(client.get("/opvolgen/melding")).get_text(" ")
    assert "blauwe vaten" in text
    assert "Polderweg 12, Zuiddorp" in text
    assert "vaten.png" in text
    assert "Hoe laat ongeveer?" in text
    assert re.search(r"Verstuurd op\s+\d{1,2} \w{3} 20\d\d \d\d:\d\d", text)


# --- 2. queue ----------------------------------------------------------------------------------


def test_queue_has_count_age_assignee_compact_filters_and_views(app, staff_client):
    from datetime import UTC, datetime, timedelta

    three_days = datetime.now(UTC) - timedelta(days=3, hours=2)
    old, _ = new_report(app, set_created_at=three_days)
    acute, _ = new_report(app, set_urgency="acuut")
    new_report(app, set_status="afgerond", set_outcome="controle_uitgevoerd")
    client, account = staff_client("triage")
    page = soup(client.get("/beheer"))
    assert "2 meldingen" in page.find("h1").get_text()
    row = page.find("a", string=str(old)).find_parent("tr")
    assert "3 dagen" in row.get_text()
    assert "niemand" in row.select_one("td.assignee").get_text()
    details = page.select_one("form.filters details")
    assert details is not None and details.find("summary") is not None and not details.has_attr("open")
    assert details.find("select", {"name": "status"}) is not None
    views = [a.get_text(strip=True) for a in page.select("nav.views a")]
    # "Nieuw" carries its count (both reports here are untouched).
    assert views == ["Te behandelen", "Nieuw(2)", "Mijn meldingen", "Acuut", "Wacht op melder", "Nieuwe info"]
    assert queue_ids(client, weergave="acuut") == [acute]
    assert queue_ids(client, weergave="mijn") == []
    post_form(client, f"/beheer/melding/{old}/oppakken", {})
    assert queue_ids(client, weergave="mijn") == [old]
    row = soup(client.get("/beheer")).find("a", string=str(old)).find_parent("tr")
    assert account.email in row.select_one("td.assignee").get_text()


# --- 3. assignment -------------------------------------------------------------------------


def test_take_assign_and_the_colleague_notice_are_audited(app, staff_client):
    report_id, _ = new_report(app)
    worker, worker_account = staff_client("triage", email="worker@gemeente.example")
    colleague, _ = staff_client("triage", email="colleague@gemeente.example")
    coordinator, _ = staff_client("coordinator")
    assert post_form(worker, f"/beheer/melding/{report_id}/oppakken", {}).status_code == 303
    page = soup(colleague.get(f"/beheer/melding/{report_id}"))
    notice = page.select_one("#genomen")
    assert notice is not None and "worker@gemeente.example" in notice.get_text()
    # The worker's own page has no such notice.
    assert soup(worker.get(f"/beheer/melding/{report_id}")).select_one("#genomen") is None
    # Triage workers cannot assign others; coordinators can.
    other = make_account(app, "triage", email="third@gemeente.example")
    refused = post_form(worker, f"/beheer/melding/{report_id}/toewijzen", {"assign-assignee": str(other.id)})
    assert refused.status_code == 403
    done = post_form(coordinator, f"/beheer/melding/{report_id}/toewijzen", {"assign-assignee": str(other.id)})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Report, report_id).assignee_id == other.id
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.assign")))
    assert [(e.details["from"], e.details["to"]) for e in events] == [(None, worker_account.id),
                                                                       (worker_account.id, other.id)]
    # A partner account cannot be given a report.
    partner = make_account(app, "partner", "politie")
    wrong = post_form(coordinator, f"/beheer/melding/{report_id}/toewijzen", {"assign-assignee": str(partner.id)})
    assert wrong.status_code == 422


# --- 4. the one decision panel -------------------------------------------------------------------


def test_one_submit_decides_changes_status_forwards_and_opens_the_next_report(app, staff_client):
    first, _ = new_report(app, "Wietlucht en afgeplakte ramen bij nummer 3.", set_urgency="normaal")
    second, _ = new_report(app, "Busjes met arbeiders die dag en nacht werken.", set_urgency="normaal")
    coordinator, _ = staff_client("coordinator")
    response = post_form(coordinator, f"/beheer/melding/{first}/besluit?weergave=&status=open", {
        "panel-theme": "hennep", "panel-urgency": "hoog", "panel-route": "politie",
        "panel-status": "", "panel-outcome": "", "panel-forward_to": "politie"})
    assert response.status_code == 303
    assert re.search(rf"/beheer/melding/{second}\?status=open$", response.headers["Location"])
    with app.app_context():
        report = db.session.get(Report, first)
        assert (report.theme, report.urgency, report.route, report.status) == ("hennep", "hoog", "politie",
                                                                              "doorgestuurd")
        assert db.session.scalar(select(Forward.route).where(Forward.report_id == first)) == "politie"
    actions = audit_actions(app, first)
    assert {"triage.decision", "report.forward", "report.status", "report.assign"} <= set(actions)


def test_the_panel_stores_nothing_when_one_part_is_refused(app, staff_client):
    report_id, _ = new_report(app)
    client, _ = staff_client("coordinator")
    before = audit_actions(app, report_id)
    response = post_form(client, f"/beheer/melding/{report_id}/besluit", {
        "panel-theme": "drugslab", "panel-urgency": "hoog", "panel-route": "politie",
        "panel-status": "afgerond", "panel-outcome": ""})
    assert response.status_code == 422
    assert "Kies een resultaat" in response.get_data(as_text=True)
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert (report.theme, report.status) != ("drugslab", "afgerond")
        assert report.decisions == []
    assert [a for a in audit_actions(app, report_id) if a != "report.view"] == [
        a for a in before if a != "report.view"]


def test_triage_workers_cannot_forward_through_the_panel(app, staff_client):
    report_id, _ = new_report(app)
    client, _ = staff_client("triage")
    response = post_form(client, f"/beheer/melding/{report_id}/besluit", {
        "panel-theme": "hennep", "panel-urgency": "normaal", "panel-route": "politie", "panel-forward_to": "politie"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Forward.id).where(Forward.report_id == report_id)) is None
    page = soup(client.get(f"/beheer/melding/{report_id}"))
    assert page.find("select", {"name": "panel-forward_to"}) is None


def test_report_page_lists_the_shortcuts_and_links_previous_and_next(app, staff_client):
    ids = [new_report(app, f"Melding nummer {n} over een hennepkwekerij.", set_urgency="normaal")[0]
           for n in range(3)]
    client, _ = staff_client("triage")
    page = soup(client.get(f"/beheer/melding/{ids[1]}?status=open"))
    assert page.select_one("#volgende-melding")["href"].startswith(f"/beheer/melding/{ids[2]}")
    assert page.select_one("#vorige-melding")["href"].startswith(f"/beheer/melding/{ids[0]}")
    shortcuts = page.select_one("details.shortcuts").get_text(" ")
    for key in ("j", "k", "o", "b"):
        assert f"{key} " in shortcuts or key in [k.get_text() for k in page.select("details.shortcuts kbd")]


def test_staff_only_see_users_with_casework_roles_as_assignees(app):
    from meldpunt.casework import assignment

    make_account(app, "partner", "politie")
    make_account(app, "triage", email="t@gemeente.example")
    with app.app_context():
        roles = {u.role for u in assignment.assignable_staff()}
        assert roles == {"triage"}
        assert db.session.scalar(select(StaffUser.id).where(StaffUser.role == "partner")) is not None
