"""Findings of an outside tester who used the back office as a triage worker, a coordinator
and a partner (issue 15): each test follows the user's steps."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, Report
from tests import filemakers
from tests.backoffice.conftest import forward, new_report, panel, post_form
from tests.helpers import csrf_token, file_part, soup


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _listed(client, path: str) -> list[int]:
    return [int(a.get_text()) for a in soup(client.get(path)).select("table.queue th a")]


def _reporter_answers(app, code: str, text: str, with_photo: bool = False) -> None:
    reporter = app.test_client()
    reporter.post("/opvolgen", data={"csrf_token": csrf_token(reporter, "/opvolgen"), "code": code})
    page = soup(reporter.get("/opvolgen/melding"))
    data: dict = {"csrf_token": page.find("input", {"name": "csrf_token"})["value"], "text": text}
    if with_photo:
        data["files"] = [file_part(filemakers.jpeg_with_gps(), "antwoord.jpg")]
    response = reporter.post("/opvolgen/melding", data=data, content_type="multipart/form-data")
    warned = soup(response).select_one("button[name=confirm_anyway]") if response.status_code == 200 else None
    if warned is not None:
        # "U koos anoniem, maar…": this reporter keeps the details knowingly (the partner
        # side must still not show them).
        token = soup(response).select_one("input[name=upload_token]")
        data = {"csrf_token": data["csrf_token"], "text": text, "confirm_anyway": "1"}
        if token is not None:
            data["upload_token"] = token["value"]
        response = reporter.post("/opvolgen/melding", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.status_code


# --- 1. opening a report is not acting on the reporter's answer ------------------------


def test_an_answer_stays_in_nieuwe_info_until_staff_act_on_it(app, staff_client):
    worker, _ = staff_client("triage")
    report_id, code = new_report(app)
    other_id, _ = new_report(app, "Tweede melding: steeds andere busjes bij de loods.")
    asked = post_form(worker, f"/beheer/melding/{report_id}/bericht",
                      {"message-message": "Op welke dagen ziet u dit?"})
    assert asked.status_code == 303
    _reporter_answers(app, code, "Op dinsdag en vrijdag, zie de foto.", with_photo=True)
    assert report_id in _listed(worker, "/beheer?weergave=nieuwe_info")

    # Merely opening it (and browsing past it with j/k: plain GETs) changes nothing.
    page = soup(worker.get(f"/beheer/melding/{report_id}?weergave=nieuwe_info"))
    worker.get(f"/beheer/melding/{other_id}")
    worker.get(f"/beheer/melding/{report_id}")
    assert report_id in _listed(worker, "/beheer?weergave=nieuwe_info")
    assert report_id in _listed(worker, "/beheer")
    # The page marks the answer and its photo as new, not the staff question.
    new_items = page.select("#berichten .message--new")
    assert len(new_items) == 1 and "dinsdag en vrijdag" in new_items[0].get_text()
    assert page.select_one("#bijlagen .badge--new") is not None

    # "Gelezen - geen actie nodig" is the explicit act: audited, out of "Nieuwe info".
    read = post_form(worker, f"/beheer/melding/{report_id}/gelezen", {}, csrf_from=f"/beheer/melding/{report_id}")
    assert read.status_code == 303
    assert report_id not in _listed(worker, "/beheer?weergave=nieuwe_info")
    event = _events(app, "report.news_read")[-1]
    assert int(event.object_id) == report_id and event.details == {"reporter": True, "partner": False}
    page = soup(worker.get(f"/beheer/melding/{report_id}"))
    assert not page.select(".message--new") and page.select_one("#nieuwe-info") is None

    # A second answer comes back; a message to the reporter is acting on it too.
    _reporter_answers(app, code, "Gisteren weer gezien.")
    assert report_id in _listed(worker, "/beheer?weergave=nieuwe_info")
    marked = soup(worker.get(f"/beheer/melding/{report_id}")).select("#berichten .message--new")
    assert [m.get_text() for m in marked if "Gisteren weer" in m.get_text()] and len(marked) == 1
    post_form(worker, f"/beheer/melding/{report_id}/bericht", {"message-message": "Dank u wel."})
    assert report_id not in _listed(worker, "/beheer?weergave=nieuwe_info")

    # And a third: a submitted decision.
    _reporter_answers(app, code, "Nog een aanvulling.")
    assert panel(worker, app, report_id).status_code == 303
    assert report_id not in _listed(worker, "/beheer?weergave=nieuwe_info")


def test_partner_feedback_stays_in_the_queue_until_staff_act_on_it(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, _ = new_report(app)
    forward(coordinator, app, report_id, "politie")
    partner, _ = staff_client("partner", "politie")
    post_form(partner, f"/beheer/partner/melding/{report_id}/terugkoppeling",
              {"feedback-outcome": "", "feedback-question": "Is er een huisnummer?"}, csrf_from="/beheer/partner")
    coordinator.get(f"/beheer/melding/{report_id}")
    assert report_id in _listed(coordinator, "/beheer?weergave=nieuwe_info")
    page = soup(coordinator.get(f"/beheer/melding/{report_id}"))
    assert "huisnummer" in page.select_one("#terugkoppeling .message--new").get_text()
    assert panel(coordinator, app, report_id).status_code == 303
    assert report_id not in _listed(coordinator, "/beheer?weergave=nieuwe_info")
    with app.app_context():
        assert db.session.get(Report, report_id).feedback_unread is False


# --- 2. partners never learn an anonymous reporter's identity --------------------------


def _forwarded_with_addition(app, coordinator, share_identity: bool = False) -> int:
    named = {"anonymous": False, "name": "Karel", "email": "karel@example.nl", "share_identity": True}
    report_id, code = new_report(app, **(named if share_identity else {}))
    forward(coordinator, app, report_id, "politie")
    _reporter_answers(app, code, "Bel mij gerust op 06-98765432 of mail karel@example.nl, groet Karel")
    return report_id


def test_a_partner_reads_later_additions_without_the_reporters_contact_details(app, staff_client):
    from tests.backoffice.conftest import add_attachment

    coordinator, _ = staff_client("coordinator")
    report_id = _forwarded_with_addition(app, coordinator)
    photo = add_attachment(app, report_id, filemakers.jpeg_with_gps(), content_type="image/jpeg",
                           name="IMG_Anna_Kowalska_paszport.jpg")
    partner, _ = staff_client("partner", "politie")
    page = partner.get(f"/beheer/partner/melding/{report_id}").get_data(as_text=True)
    additions = soup(partner.get(f"/beheer/partner/melding/{report_id}")).select_one("#aanvullingen").get_text()
    assert "06-98765432" not in page and "karel@example.nl" not in page
    assert "[telefoonnummer verwijderd]" in additions and "[e-mailadres verwijderd]" in additions
    assert "groet Karel" in additions  # the rest of the words stay
    # File names: neutral in the list and in the download, extension kept.
    assert "Kowalska" not in page and "bijlage-1.jpg" in page
    download = partner.get(f"/beheer/bijlage/{photo}?download=1")
    assert download.status_code == 200
    assert "Kowalska" not in download.headers["Content-Disposition"]
    assert "bijlage-1.jpg" in download.headers["Content-Disposition"]
    # Staff see the original.
    staff_page = coordinator.get(f"/beheer/melding/{report_id}").get_data(as_text=True)
    assert "06-98765432" in staff_page and "IMG_Anna_Kowalska_paszport.jpg" in staff_page
    assert "Kowalska" in coordinator.get(f"/beheer/bijlage/{photo}?download=1").headers["Content-Disposition"]


def test_a_partner_reads_a_consenting_reporters_additions_as_written(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id = _forwarded_with_addition(app, coordinator, share_identity=True)
    partner, _ = staff_client("partner", "politie")
    additions = soup(partner.get(f"/beheer/partner/melding/{report_id}")).select_one("#aanvullingen").get_text()
    assert "06-98765432" in additions and "verwijderd" not in additions


# --- 3. an acute report stands out for the partner -------------------------------------


def test_partner_notices_name_urgency_and_number_and_acute_reports_lead_the_inbox(app_factory):
    from meldpunt.models import OutboxMessage
    from tests.backoffice.conftest import sign_in

    app = app_factory(PARTNER_EMAILS={"politie": "meldingen@politie.example"},
                      BASE_URL="https://meldpunt.gemeente.example")
    coordinator, _ = sign_in(app, "coordinator")
    older_acute, _ = new_report(app, "Er wordt iemand bedreigd met een wapen.", set_urgency="acuut")
    normal, _ = new_report(app)
    for report_id in (older_acute, normal):
        assert forward(coordinator, app, report_id, "politie").status_code == 303
    with app.app_context():
        mails = [(m.subject, m.body) for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert [subject for subject, _body in mails] == [
        f"ACUUT: melding {older_acute} van het meldpunt ondermijning",
        f"Melding {normal} van het meldpunt ondermijning (urgentie: normaal)",
    ]
    acute_body = mails[0][1]
    assert f"https://meldpunt.gemeente.example/beheer/partner/melding/{older_acute}" in acute_body
    assert "acuut" in acute_body and "wapen" not in acute_body and "bedreigd" not in acute_body
    # The inbox: acute first although it was forwarded before the other one.
    partner, _ = sign_in(app, "partner", "politie")
    listed = [int(a.get_text()) for a in soup(partner.get("/beheer/partner")).select("table.queue th a")]
    assert listed == [older_acute, normal]


# --- 6. the acute banner's call to forward holds until it is done ----------------------


def test_the_acute_banner_stops_asking_to_forward_once_forwarded_to_the_police(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, _ = new_report(app, "Er wordt iemand bedreigd met een wapen.", set_urgency="acuut")
    banner = soup(coordinator.get(f"/beheer/melding/{report_id}")).select_one(".acute-banner").get_text()
    assert "Stuur deze melding meteen door naar de politie" in banner
    forward(coordinator, app, report_id, "politie")
    banner = soup(coordinator.get(f"/beheer/melding/{report_id}")).select_one(".acute-banner").get_text()
    assert "meteen door" not in banner and "naar de politie doorgestuurd" in banner


# --- 4. after a refused form, reloading or switching language is no 405 ----------------


def test_reload_and_language_switch_after_a_refused_decision_return_to_the_report(app, staff_client):
    worker, _ = staff_client("triage")
    report_id, _ = new_report(app)
    refused = panel(worker, app, report_id, status="afgerond", outcome="")
    assert refused.status_code == 422
    # The language switch on that page points at the URL the form was posted to.
    switch = soup(refused).find("a", hreflang="en")["href"]
    assert f"/melding/{report_id}/besluit" in switch
    landed = worker.get(switch, follow_redirects=True)
    assert landed.status_code == 200 and landed.request.path == f"/beheer/melding/{report_id}"
    # A reload of the POST-only URL is a GET: back to the report (queue view kept).
    reload = worker.get(f"/beheer/melding/{report_id}/besluit?weergave=nieuwe_info")
    assert reload.status_code == 303
    assert reload.headers["Location"].endswith(f"/beheer/melding/{report_id}?weergave=nieuwe_info#besluit")
    coordinator, _ = staff_client("coordinator")
    refused = post_form(coordinator, f"/beheer/melding/{report_id}/contactgegevens", {"contact-reason": "x"})
    assert refused.status_code == 422
    assert coordinator.get(f"/beheer/melding/{report_id}/contactgegevens").status_code == 303


# --- 5. a refused bulk action keeps the ticked reports ---------------------------------


def test_a_refused_bulk_action_keeps_the_reports_ticked(app, staff_client):
    ids = [new_report(app, f"Melding {n}: alleen een vage zorg over de buurt.")[0] for n in range(3)]
    coordinator, _ = staff_client("coordinator")
    refused = post_form(coordinator, "/beheer/bulk", {"bulk-action": "niet_ontvankelijk", "bulk-outcome": "",
                                                        "melding": [str(i) for i in ids[:2]]})
    assert refused.status_code == 303
    page = soup(coordinator.get(refused.headers["Location"]))
    assert "Kies een resultaat" in page.get_text()
    ticked = sorted(int(box["value"]) for box in page.select("input[name=melding][checked]"))
    assert ticked == sorted(ids[:2])
    assert page.find("select", {"name": "bulk-action"}).find("option", selected=True)["value"] == "niet_ontvankelijk"
    # Only once: the next visit starts clean.
    assert not soup(coordinator.get("/beheer")).select("input[name=melding][checked]")


# --- 8. message templates: inserting keeps what was typed; templates can be edited -----


def test_inserting_a_template_without_javascript_keeps_the_typed_text(app, staff_client):
    from meldpunt.models import Message, MessageTemplate

    coordinator, _ = staff_client("coordinator")
    post_form(coordinator, "/beheer/sjablonen", {"template-theme": "hennep", "template-title": "Tijden",
                                                 "template-body": "Op welke dagen ziet u dit?"})
    with app.app_context():
        template_id = db.session.scalar(select(MessageTemplate.id))
    # Edited in place (not deleted and made again), audited as an edit.
    form = soup(coordinator.get(f"/beheer/sjablonen?bewerken={template_id}")).find(
        "form", action=f"/beheer/sjablonen?bewerken={template_id}")
    assert form.find("textarea").get_text().strip() == "Op welke dagen ziet u dit?"
    edited = post_form(coordinator, f"/beheer/sjablonen?bewerken={template_id}", {
        "template-theme": "hennep", "template-title": "Tijden", "template-body": "Op welke dagen en tijden?"})
    assert edited.status_code == 303
    with app.app_context():
        assert [t.body for t in db.session.scalars(select(MessageTemplate))] == ["Op welke dagen en tijden?"]
    assert _events(app, "template.change")[-1].details == {"theme": "hennep", "change": "edited"}

    worker, _ = staff_client("triage")
    report_id, _ = new_report(app, set_theme="hennep")
    button = soup(worker.get(f"/beheer/melding/{report_id}")).select_one(".templates button[name=sjabloon]")
    page = post_form(worker, f"/beheer/melding/{report_id}/bericht",
                     {"message-message": "Dank voor uw melding.", "sjabloon": button["value"]})
    assert page.status_code == 200
    box = soup(page).find("textarea", {"name": "message-message"}).get_text().strip()
    assert box == "Dank voor uw melding.\n\nOp welke dagen en tijden?"
    with app.app_context():  # inserting sends nothing
        assert db.session.scalar(select(Message.id).where(Message.report_id == report_id)) is None


# --- 9. admins create accounts on the users page; risky actions are confirmed ----------


def test_an_admin_creates_an_account_that_enrols_at_first_sign_in(app, staff_client):
    from meldpunt.models import StaffUser
    from tests.backoffice.conftest import page_csrf

    admin, _ = staff_client("admin")
    refused = post_form(admin, "/beheer/gebruikers/nieuw", {"email": "geen-adres", "rol": "partner", "route": ""},
                        csrf_from="/beheer/gebruikers")
    assert refused.status_code == 422
    page = soup(refused)
    assert page.select_one(".error-summary") is not None
    assert page.find("input", {"name": "email"})["value"] == "geen-adres"  # nothing typed is lost
    partner_needs_route = post_form(admin, "/beheer/gebruikers/nieuw",
                                    {"email": "agent@politie.example", "rol": "partner", "route": ""},
                                    csrf_from="/beheer/gebruikers")
    assert partner_needs_route.status_code == 422 and "Kies de route" in partner_needs_route.get_data(as_text=True)
    made = post_form(admin, "/beheer/gebruikers/nieuw",
                     {"email": "Agent@Politie.example", "rol": "partner", "route": "politie"},
                     csrf_from="/beheer/gebruikers")
    assert made.status_code == 200
    password = soup(made).select_one(".one-time-password code").get_text()
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == "agent@politie.example"))
        assert (user.role, user.route, user.totp_confirmed, user.must_change_password) == (
            "partner", "politie", False, True)
    event = _events(app, "user.change")[-1]
    assert event.details == {"action": "aanmaken", "role": "partner", "route": "politie"}
    assert password not in str(event.details)
    # The first sign-in goes to the authenticator set-up, as for a CLI-made account.
    newcomer = app.test_client()
    step = newcomer.post("/beheer/login", data={"csrf_token": page_csrf(newcomer), "email": "agent@politie.example",
                                                "password": password})
    assert step.status_code == 303 and step.headers["Location"].endswith("/beheer/login/instellen")
    again = post_form(admin, "/beheer/gebruikers/nieuw", {"email": "agent@politie.example", "rol": "triage"},
                      csrf_from="/beheer/gebruikers")
    assert again.status_code == 422 and "al een account" in again.get_data(as_text=True)


def test_switching_off_and_resets_ask_for_confirmation_without_javascript(app, staff_client):
    from meldpunt.models import StaffUser
    from tests.backoffice.conftest import make_account

    admin, _ = staff_client("admin")
    target = make_account(app, "triage", email="collega@gemeente.example")
    for action in ("deactiveren", "wachtwoord_resetten", "totp_resetten"):
        asked = post_form(admin, f"/beheer/gebruikers/{target.id}", {"actie": action}, csrf_from="/beheer/gebruikers")
        assert asked.status_code == 200
        step = soup(asked).select_one("#bevestigen")
        assert "collega@gemeente.example" in step.get_text() and step.find("input", {"name": "bevestigd"})
        with app.app_context():
            user = db.session.get(StaffUser, target.id)
            assert user.active and user.totp_confirmed and not user.must_change_password
    assert not [e for e in _events(app, "user.change") if e.object_id == str(target.id)]
    # The language switch on the confirmation step (a POST-only URL) returns to the users page.
    assert admin.get(f"/beheer/gebruikers/{target.id}").status_code == 303
    done = post_form(admin, f"/beheer/gebruikers/{target.id}", {"actie": "deactiveren", "bevestigd": "1"},
                     csrf_from="/beheer/gebruikers")
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(StaffUser, target.id).active is False


# --- 10. no raw codes or English on Dutch pages; the right words for consent -----------


def test_audit_log_and_job_page_show_dutch_labels_for_their_codes(app, staff_client):
    from meldpunt.jobs import scheduler
    from meldpunt.staff import audit

    admin, _ = staff_client("admin")
    with app.app_context():
        audit.record_access("statistics.export", "test", "statistics_table", "ontvangen", {})
        db.session.commit()
        scheduler.run_job("counters")
    row = soup(admin.get("/beheer/audit?actie=statistics.export")).select_one("table.audit tbody tr").get_text(" ")
    assert "Statistiek geëxporteerd" in row and "Statistiektabel" in row
    job = soup(admin.get("/beheer/taken")).select_one("tr[data-job=counters]").get_text(" ")
    assert "views" not in job and "formulierweergaven geteld: 0" in job


def test_staff_page_says_what_the_reporter_chose_about_partners(app, staff_client):
    worker, _ = staff_client("triage")
    unasked, _ = new_report(app, anonymous=False, name="Jan", email="jan@example.org")
    consented, _ = new_report(app, anonymous=False, name="Piet", email="piet@example.org", share_identity=True)
    anonymous, _ = new_report(app)

    def melder(report_id: int) -> str:
        return soup(worker.get(f"/beheer/melding/{report_id}")).select_one("#melder").get_text(" ")

    assert "geen toestemming" in melder(unasked) and "wil niet" not in melder(unasked)
    assert "geeft toestemming" in melder(consented)
    assert "Anoniem gemeld" in melder(anonymous) and "partners" not in melder(anonymous)


def test_a_partner_sees_the_question_they_asked(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, _ = new_report(app)
    forward(coordinator, app, report_id, "politie")
    partner, _ = staff_client("partner", "politie")
    post_form(partner, f"/beheer/partner/melding/{report_id}/terugkoppeling",
              {"feedback-outcome": "", "feedback-question": "Is er een huisnummer bekend?"},
              csrf_from="/beheer/partner")
    shown = soup(partner.get(f"/beheer/partner/melding/{report_id}")).select_one("#terugkoppeling ul").get_text(" ")
    assert "Is er een huisnummer bekend?" in shown


def test_a_partner_reads_the_meldpunt_question_an_addition_answers(app, staff_client):
    # An answer such as "Op dinsdag en vrijdag" means nothing without the question it answers.
    coordinator, _ = staff_client("coordinator")
    report_id, code = new_report(app)
    forward(coordinator, app, report_id, "politie")
    partner, _ = staff_client("partner", "politie")
    before = soup(partner.get(f"/beheer/partner/melding/{report_id}")).select_one("#aanvullingen")
    assert not before.select(".message--staff")  # no answer yet: no thread either
    post_form(coordinator, f"/beheer/melding/{report_id}/bericht",
              {"message-message": "Op welke dagen ziet u dit? U mag ons ook bellen op 06-11223344."})
    _reporter_answers(app, code, "Op dinsdag en vrijdag.")
    thread = soup(partner.get(f"/beheer/partner/melding/{report_id}")).select("#aanvullingen li")
    assert [li["class"][-1] for li in thread] == ["message--staff", "message--reporter"]
    assert "Op welke dagen" in thread[0].get_text() and "Vraag van het meldpunt" in thread[0].get_text()
    assert "06-11223344" not in thread[0].get_text()  # masked like the reporter's words
    assert "dinsdag en vrijdag" in thread[1].get_text()
