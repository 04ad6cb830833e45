"""Forwarding to partners: e-mail notice without content, partner inboxes, RIEC export."""

from __future__ import annotations

import json

from sqlalchemy import select

from meldpunt import outbox
from meldpunt.extensions import db
from meldpunt.models import Forward, OutboxMessage, Report, StatusEvent
from tests.backoffice.conftest import forward, new_report, post_form, sign_in
from tests.helpers import soup

TEXT = "In de loods aan de Handelsweg 40 wonen twaalf arbeiders die hun paspoort moesten inleveren."
PARTNERS = {"arbeidsinspectie": "meldingen@arbeidsinspectie.example", "riec": "signalen@riec.example"}


def configured(app_factory, smtp_server):
    return app_factory(
        SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, PARTNER_EMAILS=PARTNERS,
        BASE_URL="https://meldpunt.gemeente.example",
    )


def test_forward_notifies_the_partner_without_content(app_factory, smtp_server):
    app = configured(app_factory, smtp_server)
    coordinator, account = sign_in(app, "coordinator")
    report_id, _ = new_report(
        app, text=TEXT, location="Handelsweg 40", anonymous=False, name="Jan", email="jan@example.org"
    )
    response = forward(coordinator, app, report_id, "arbeidsinspectie")
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.scalar(select(Forward).where(Forward.report_id == report_id))
        assert (stored.route, stored.staff_id, stored.with_identity) == ("arbeidsinspectie", account.id, False)
        assert db.session.get(Report, report_id).status == "doorgestuurd"
        assert db.session.scalar(select(StatusEvent.status).order_by(StatusEvent.id.desc()).limit(1)) == "doorgestuurd"
        # Nothing is sent inside the request: the outbox job delivers.
        assert smtp_server.messages == []
        run = outbox.deliver_due()
    assert run.sent == 1
    mail = smtp_server.messages[0]
    assert mail["to"] == ["meldingen@arbeidsinspectie.example"]
    assert "https://meldpunt.gemeente.example/beheer" in mail["body"]
    for secret in ("Handelsweg", "arbeiders", "paspoort", "Jan", "jan@example.org"):
        assert secret not in mail["data"]
    # Twice to the same partner is refused.
    again = forward(coordinator, app, report_id, "arbeidsinspectie")
    assert again.status_code == 422 and "al naar deze partner" in again.get_data(as_text=True)


def test_forward_to_a_partner_without_address_warns(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, _ = new_report(app)
    response = forward(coordinator, app, report_id, "politie")
    assert response.status_code == 303
    assert "geen e-mailadres ingesteld" in coordinator.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id)) is None


def test_partner_sees_only_reports_forwarded_to_their_route(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    mine, _ = new_report(app, text=TEXT)
    theirs, _ = new_report(app, text="Een café met een gokzuil in de achterkamer.")
    never, _ = new_report(app, text="Nog niet doorgestuurd: een garagebox met veel verkeer.")
    forward(coordinator, app, mine, "arbeidsinspectie")
    forward(coordinator, app, theirs, "kansspelautoriteit")
    partner, _ = staff_client("partner", "arbeidsinspectie")
    assert partner.get("/beheer").headers["Location"].endswith("/beheer/partner")
    inbox = soup(partner.get("/beheer/partner"))
    assert [int(a.text) for a in inbox.select("tbody th a")] == [mine]
    page = partner.get(f"/beheer/partner/melding/{mine}").get_data(as_text=True)
    assert "paspoort moesten inleveren" in page
    for other in (theirs, never):
        assert partner.get(f"/beheer/partner/melding/{other}").status_code == 404
    # Never the staff view (notes, forms) or the queue.
    assert partner.get(f"/beheer/melding/{mine}").status_code == 403
    assert partner.get("/beheer/partner?pagina=2").status_code == 200


def test_partner_sees_identity_only_with_consent(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    hidden, _ = new_report(
        app, anonymous=False, name="Sanne Geheim", email="sanne@example.org", phone="0611111111", share_identity=False
    )
    shared, _ = new_report(
        app, anonymous=False, name="Bram Open", email="bram@example.org", phone="0622222222", share_identity=True
    )
    for report_id in (hidden, shared):
        forward(coordinator, app, report_id, "politie")
    post_form(coordinator, f"/beheer/melding/{hidden}/notitie", {"note-note": "Interne notitie voor het meldpunt"})
    partner, _ = staff_client("partner", "politie")
    page = partner.get(f"/beheer/partner/melding/{hidden}").get_data(as_text=True)
    assert "Sanne" not in page and "sanne@example.org" not in page and "0611111111" not in page
    assert "Interne notitie" not in page
    assert "niet gedeeld" in page
    page = partner.get(f"/beheer/partner/melding/{shared}").get_data(as_text=True)
    assert "Bram Open" in page and "bram@example.org" in page
    with app.app_context():
        assert db.session.scalar(select(Forward.with_identity).where(Forward.report_id == shared)) is True


def test_riec_export_without_identity_unless_consented(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    hidden, _ = new_report(app, text=TEXT, location="Handelsweg 40", postcode="3311 AB", anonymous=False,
                           name="Sanne Geheim", email="sanne@example.org", phone="0611111111", share_identity=False)
    shared, _ = new_report(app, anonymous=False, name="Bram Open", email="bram@example.org", share_identity=True)
    # Not forwarded to the RIEC yet: no signal to export.
    assert coordinator.get(f"/beheer/melding/{hidden}/riec.json").status_code == 404
    for report_id in (hidden, shared):
        forward(coordinator, app, report_id, "riec")
    response = coordinator.get(f"/beheer/melding/{hidden}/riec.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    signal = json.loads(response.data)
    assert signal["signaal"] == f"MOM-{hidden}"
    assert signal["tekst"] == TEXT and signal["plaats"]["postcode"] == "3311AB"
    assert signal["melder"] is None
    raw = response.get_data(as_text=True)
    for secret in ("Sanne", "sanne@example.org", "0611111111"):
        assert secret not in raw
    printable = coordinator.get(f"/beheer/melding/{hidden}/riec")
    assert printable.status_code == 200 and TEXT in printable.get_data(as_text=True)
    assert "Sanne" not in printable.get_data(as_text=True)
    # Consent given, but a coordinator gets the identity only with a stated reason
    # (the rule of "contactgegevens tonen"), and that showing is audited.
    consented = json.loads(coordinator.get(f"/beheer/melding/{shared}/riec.json").data)
    assert consented["melder"] is None
    assert "Bram" not in coordinator.get(f"/beheer/melding/{shared}/riec").get_data(as_text=True)
    assert coordinator.get(f"/beheer/melding/{shared}/riec.json?reden=ok").status_code == 422
    with_reason = json.loads(
        coordinator.get(f"/beheer/melding/{shared}/riec.json?reden=overdracht aan RIEC-casusoverleg").data)
    assert with_reason["melder"] == {"naam": "Bram Open", "email": "bram@example.org", "telefoon": ""}
    # The RIEC partner account reads the same export; the consented identity is for it.
    riec, _ = staff_client("partner", "riec")
    assert json.loads(riec.get(f"/beheer/melding/{hidden}/riec.json").data)["melder"] is None
    assert json.loads(riec.get(f"/beheer/melding/{shared}/riec.json").data)["melder"]["naam"] == "Bram Open"
    with app.app_context():
        from meldpunt.models import AuditEvent

        exports = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "report.export")).all()
        assert len(exports) == 7
        shown = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "report.contact_view")).all()
        assert {"reason": "overdracht aan RIEC-casusoverleg", "via": "riec_signal"} in shown


def test_riec_export_lists_only_linked_reports_the_riec_may_open(app, staff_client):
    from meldpunt.casework import related
    from meldpunt.models import StaffUser

    coordinator, account = staff_client("coordinator")
    main, _ = new_report(app, text=TEXT)
    forwarded_too, _ = new_report(app, text=TEXT)
    police_only, _ = new_report(app, text=TEXT)
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        related.link(main, forwarded_too, user)
        related.link(main, police_only, user)
    for report_id in (main, forwarded_too):
        forward(coordinator, app, report_id, "riec")
    forward(coordinator, app, police_only, "politie")
    signal = json.loads(coordinator.get(f"/beheer/melding/{main}/riec.json").data)
    assert signal["gekoppelde_meldingen"] == [f"MOM-{forwarded_too}"]
