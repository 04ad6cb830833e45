"""The reporter adds information after a forward: the partner's inbox marks it
("Nieuwe aanvulling") until a partner of the route opens the report, and a content-free
notice e-mail goes to the route's addresses, at most one an hour per report. Also the
queue's "Nieuw" view: untouched reports, acute first."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import AuditEvent, Forward, OutboxMessage
from tests.backoffice.conftest import forward, new_report, sign_in
from tests.backoffice.test_outside_tester import _reporter_answers
from tests.helpers import soup

PARTNERS = {"politie": "meldingen@politie.example", "riec": "signalen@riec.example"}
SECRET = "Bel mij op 06-98765432, ik ben Karel van de Handelsweg 40"


def configured(app_factory):
    return app_factory(PARTNER_EMAILS=PARTNERS, BASE_URL="https://meldpunt.gemeente.example")


def _news_notices(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "partner_news_notice").order_by(OutboxMessage.id)
            )
        )
        db.session.expunge_all()
        return rows


def _inbox(client, path: str = "/beheer/partner") -> dict[int, bool]:
    """Report number -> carries the "Nieuwe aanvulling" badge."""
    page = soup(client.get(path))
    return {
        int(row.select_one("th a").get_text()): row.select_one(".badge--new") is not None
        for row in page.select("table.queue tbody tr")
    }


def test_a_reporters_addition_is_news_for_the_partner_until_opened(app_factory):
    app = configured(app_factory)
    coordinator, _ = sign_in(app, "coordinator")
    report_id, code = new_report(
        app, text="Op de Handelsweg 40 wonen twaalf arbeiders zonder paspoort.", anonymous=False,
        name="Karel", email="karel@example.nl",
    )
    quiet_id, _ = new_report(app, text="Een garagebox met veel verkeer.")
    other_id, other_code = new_report(app, text="Niet doorgestuurd: een café met een gokzuil.")
    forward(coordinator, app, report_id, "politie")
    forward(coordinator, app, quiet_id, "politie")
    forward(coordinator, app, report_id, "riec")
    police, _ = sign_in(app, "partner", "politie")
    assert _inbox(police) == {report_id: False, quiet_id: False}

    _reporter_answers(app, code, SECRET)
    _reporter_answers(app, other_code, "Ook dit is nieuw.")  # not forwarded: no notice, no marker

    inbox = _inbox(police)
    assert inbox == {report_id: True, quiet_id: False}
    page = soup(police.get("/beheer/partner"))
    assert page.select_one("#aanvulling-count").get_text() == "(1)"
    assert "Handelsweg" not in page.get_text() and "Karel" not in page.get_text()
    # The filter shows only the reports with unread news.
    assert _inbox(police, "/beheer/partner?weergave=aanvulling") == {report_id: True}

    # One content-free notice to each route the report went to; none for the others.
    notices = _news_notices(app)
    assert sorted(n.recipient for n in notices) == sorted(PARTNERS.values())
    for notice in notices:
        assert f"melding {report_id}" in notice.subject.lower()
        assert f"https://meldpunt.gemeente.example/beheer/partner/melding/{report_id}" in notice.body
        for secret in ("Handelsweg", "arbeiders", "06-98765432", "Karel", "karel@example.nl", "paspoort"):
            assert secret not in notice.subject and secret not in notice.body
    assert str(other_id) not in " ".join(n.subject for n in notices)

    # A second addition within the hour: marked, but no second e-mail (coalesced).
    _reporter_answers(app, code, "Gisteren weer gezien.")
    assert len(_news_notices(app)) == 2

    # Opening it as a partner of the route clears the marker, audited as a view; the page
    # marks both new additions (masked: no consent to share the identity was given).
    opened = police.get(f"/beheer/partner/melding/{report_id}")
    assert opened.status_code == 200
    marked = soup(opened).select("#aanvullingen .message--new")
    assert len(marked) == 2 and "Gisteren weer gezien" in marked[1].get_text()
    assert "06-98765432" not in opened.get_data(as_text=True)
    # A second visit marks nothing new.
    assert not soup(police.get(f"/beheer/partner/melding/{report_id}")).select("#aanvullingen .message--new")
    assert _inbox(police) == {report_id: False, quiet_id: False}
    assert _inbox(police, "/beheer/partner?weergave=aanvulling") == {}
    with app.app_context():
        views = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "report.view").order_by(AuditEvent.id.desc()).limit(2)
            )
        )
        assert [int(e.object_id) for e in views] == [report_id, report_id]
        assert views[1].details == {"partner_news_seen": True} and not views[0].details
        # The other route's marker stays until one of its partners opens it.
        forwards = db.session.scalars(select(Forward).where(Forward.report_id == report_id))
        rows = {f.route: f.partner_unread for f in forwards}
        assert rows == {"politie": False, "riec": True}

    # Staff opening the report clear nothing for the partner.
    riec, _ = sign_in(app, "partner", "riec")
    assert _inbox(riec) == {report_id: True}
    coordinator.get(f"/beheer/melding/{report_id}")
    assert _inbox(riec) == {report_id: True}


def test_news_notices_are_coalesced_per_hour(app_factory):
    from meldpunt.casework import forwarding
    from meldpunt.models import Report, utcnow

    app = configured(app_factory)
    coordinator, _ = sign_in(app, "coordinator")
    report_id, code = new_report(app)
    forward(coordinator, app, report_id, "politie")
    _reporter_answers(app, code, "Eerste aanvulling.")
    _reporter_answers(app, code, "Tweede aanvulling.")
    assert len(_news_notices(app)) == 1
    with app.app_context():
        report = db.session.get(Report, report_id)
        assert forwarding.note_reporter_addition(report, utcnow() + timedelta(minutes=59)) == 0
        assert forwarding.note_reporter_addition(report, utcnow() + timedelta(minutes=61)) == 1
        db.session.commit()
    assert len(_news_notices(app)) == 2


def test_no_address_no_notice_but_still_marked(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, code = new_report(app)
    forward(coordinator, app, report_id, "politie")
    _reporter_answers(app, code, "Een aanvulling.")
    assert _news_notices(app) == []
    police, _ = staff_client("partner", "politie")
    assert _inbox(police) == {report_id: True}


def test_a_forward_after_the_addition_is_not_news(app, staff_client):
    coordinator, _ = staff_client("coordinator")
    report_id, code = new_report(app)
    _reporter_answers(app, code, "Een aanvulling voor het doorsturen.")
    forward(coordinator, app, report_id, "politie")
    police, _ = staff_client("partner", "politie")
    assert _inbox(police) == {report_id: False}


# --- the queue's "Nieuw" view ------------------------------------------------------------


def _listed(client, path: str) -> list[int]:
    return [int(a.get_text()) for a in soup(client.get(path)).select("table.queue th a")]


def test_the_nieuw_view_holds_untouched_reports_acute_first(app, staff_client):
    worker, account = staff_client("triage")
    coordinator, _ = staff_client("coordinator")
    old_normal, _ = new_report(app, "Oude normale melding over een loods.", set_urgency="normaal")
    started, _ = new_report(app, "Een melding die al in behandeling is.", set_urgency="normaal")
    taken, _ = new_report(app, "Een melding die iemand heeft opgepakt.", set_urgency="normaal")
    new_normal, _ = new_report(app, "Nieuwe normale melding over een garage.", set_urgency="normaal")
    acute, _ = new_report(app, "Er wordt nu iemand bedreigd met een wapen.", set_urgency="acuut")
    high, _ = new_report(app, "Een hoge melding over een drugslab.", set_urgency="hoog")
    with app.app_context():
        from meldpunt.models import Report

        db.session.get(Report, started).status = "in_behandeling"
        db.session.get(Report, taken).assignee_id = account.id
        db.session.commit()

    listed = _listed(worker, "/beheer?weergave=nieuw")
    assert listed == [acute, high, old_normal, new_normal]
    page = soup(worker.get("/beheer"))
    tab = page.select_one("nav.views a[href$='weergave=nieuw']")
    assert tab is not None and tab.select_one("#weergave-nieuw-count").get_text() == "(4)"
    # The default view is unchanged: it still holds the started and the taken report.
    assert {started, taken} <= set(_listed(worker, "/beheer"))
    # Forwarding moves a report out of "Nieuw".
    forward(coordinator, app, new_normal, "politie")
    assert new_normal not in _listed(worker, "/beheer?weergave=nieuw")
