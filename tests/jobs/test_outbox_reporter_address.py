"""A named reporter's e-mail address is never stored in plain text in the outbox:
the notice points at the report and the address is decrypted only when it is sent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from meldpunt.casework import staff_messages
from meldpunt.extensions import db
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import OutboxMessage, Report, StaffUser
from tests.backoffice.conftest import make_account
from tests.jobs.conftest import report_at

ADDRESS = "anna.melder@example.org"


def _message_to_reporter(app, clock) -> int:
    coordinator = make_account(app, "coordinator", email="coordinator-adres@gemeente.example")
    report_id, _code = report_at(app, clock.now - timedelta(hours=1), anonymous=False, name="Anna",
                                 email=ADDRESS, wants_email_notice=True)
    with app.app_context():
        staff_messages.send_message(report_id, db.session.get(StaffUser, coordinator.id),
                                    "Weet u nog welke auto het was?")
    return report_id


def _raw_outbox_text(app) -> str:
    """Every outbox column as the database holds it (what a backup or a DBA sees)."""
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM outbox_message")).all()
    return "\n".join(" ".join(str(value) for value in row) for row in rows)


def test_the_address_is_not_in_the_outbox_before_or_after_delivery(jobs_app, smtp, clock):
    report_id = _message_to_reporter(jobs_app, clock)
    assert ADDRESS not in _raw_outbox_text(jobs_app)
    with jobs_app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.reporter_report_id == report_id and message.recipient == ""

    smtp.up()
    with jobs_app.app_context():
        # (an hour later: the message was queued at the real time, which may pass the test clock)
        assert jobs.run_job("outbox", now=clock.now + timedelta(hours=1)).summary == "sent=1 failed=0"
    assert [tuple(m["to"]) for m in smtp.messages] == [(ADDRESS,)]
    assert ADDRESS not in _raw_outbox_text(jobs_app)


def test_a_notice_whose_reporter_details_are_gone_is_closed_unsent(jobs_app, smtp, clock):
    report_id = _message_to_reporter(jobs_app, clock)
    with jobs_app.app_context():
        db.session.get(Report, report_id).contact_encrypted = None  # e.g. the retention purge
        db.session.commit()
    smtp.up()
    with jobs_app.app_context():
        jobs.run_job("outbox", now=clock.now + timedelta(hours=1))
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.sent_at is not None and message.last_error == "NoRecipient: not sent"
        # never retried
        assert jobs.run_job("outbox", now=clock.now + timedelta(days=1)).summary == "sent=0 failed=0"
    assert smtp.messages == []
