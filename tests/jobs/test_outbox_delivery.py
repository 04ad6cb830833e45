"""The outbox job against a real local SMTP server (aiosmtpd) that is down, then up."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from meldpunt.casework import forwarding, staff_messages
from meldpunt.extensions import db
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import OutboxMessage, Report, StaffUser
from tests.backoffice.conftest import make_account
from tests.conftest import make_app
from tests.jobs.conftest import COORDINATORS, report_at


def _queue_all_three_kinds(app, clock) -> None:
    """A partner notice, a reporter notice and coordinator reminders, each from its own service."""
    coordinator = make_account(app, "coordinator", email="coordinator-outbox@gemeente.example")
    report_id, _code = report_at(
        app,
        clock.now - timedelta(hours=3),
        anonymous=False,
        name="Piet Melder",
        email="piet.melder@example.org",
        wants_email_notice=True,
    )
    acute_id, _code = report_at(app, clock.now - timedelta(hours=2), set_urgency="acuut")
    with app.app_context():
        user = db.session.get(StaffUser, coordinator.id)
        forwarding.forward(report_id, user, "politie")
        staff_messages.send_message(report_id, user, "Kunt u zeggen op welke dagen u dit zag?")
        assert db.session.get(Report, acute_id).first_opened_at is None
        reminded = jobs.run_job("reminders", now=clock.now)
        assert reminded.outcome == "ok" and "acute=1" in reminded.summary


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def test_delivery_retries_with_backoff_and_sends_each_message_once(jobs_app, smtp, clock):
    _queue_all_three_kinds(jobs_app, clock)
    queued = _outbox(jobs_app)
    kinds = Counter(m.kind for m in queued)
    assert kinds == {
        "partner_notice": 1,
        "reporter_notice": 1,
        "coordinator_reminder": len(COORDINATORS),
    }

    # The SMTP server is down: every message fails and is retried one minute later.
    with jobs_app.app_context():
        first = jobs.run_job("outbox", now=clock.now)
    assert first.outcome == "ok"
    assert first.summary == f"sent=0 failed={len(queued)} smtp_error=ConnectionRefusedError"
    for message in _outbox(jobs_app):
        assert message.sent_at is None and message.attempts == 1
        assert message.next_attempt_at == clock.now + timedelta(minutes=1)
        assert message.last_error.startswith("ConnectionRefusedError")

    # Before the backoff has passed nothing is tried, even with the server back up.
    smtp.up()
    with jobs_app.app_context():
        early = jobs.run_job("outbox", now=clock.now + timedelta(seconds=30))
    assert early.summary == "sent=0 failed=0"
    assert smtp.messages == []

    # Down again at the next attempt: the second backoff is two minutes.
    smtp.down()
    second_try = clock.advance(minutes=1)
    with jobs_app.app_context():
        assert jobs.run_job("outbox", now=second_try).summary.startswith(
            f"sent=0 failed={len(queued)} "
        )
    for message in _outbox(jobs_app):
        assert message.attempts == 2
        assert message.next_attempt_at == second_try + timedelta(minutes=2)

    # The queue survives a restart: a new application instance (a new process) delivers it.
    smtp.up()
    fresh = make_app(
        Path(jobs_app.config["DATA_DIR"]),
        jobs_app.config["SQLALCHEMY_DATABASE_URI"],
        **{k: jobs_app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_TIMEOUT")},
    )
    with fresh.app_context():
        assert (
            jobs.run_job("outbox", now=second_try + timedelta(minutes=1)).summary
            == "sent=0 failed=0"
        )
        delivered = jobs.run_job("outbox", now=second_try + timedelta(minutes=2))
        assert delivered.summary == f"sent={len(queued)} failed=0"
        # Later runs find nothing more to send.
        assert (
            jobs.run_job("outbox", now=second_try + timedelta(hours=1)).summary == "sent=0 failed=0"
        )
        db.engine.dispose()

    # Exactly one copy of each message arrived.
    recipients = Counter(tuple(m["to"]) for m in smtp.messages)
    assert recipients == Counter(
        [("meldingen@politie.example",), ("piet.melder@example.org",)]
        + [(a,) for a in COORDINATORS]
    )
    for message in _outbox(jobs_app):
        assert message.sent_at == second_try + timedelta(minutes=2)
        assert message.attempts == 3 and message.last_error is None
    # No content of the report in any e-mail.
    for mail in smtp.messages:
        assert "wietlucht" not in mail["data"].lower()
        assert "Kunt u zeggen" not in mail["data"]
    # The same Message-ID on every attempt of a message: a receiver can drop a repeat.
    ids = [
        line
        for mail in smtp.messages
        for line in mail["data"].splitlines()
        if line.startswith("Message-ID:")
    ]
    assert len(set(ids)) == len(queued)


def test_backoff_grows_and_is_capped():
    from meldpunt import outbox

    assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert outbox.backoff(30) == outbox.MAX_BACKOFF


def _partner_notice(app, clock) -> int:
    coordinator = make_account(app, "coordinator", email="coordinator-outage@gemeente.example")
    report_id, _code = report_at(app, clock.now - timedelta(hours=1))
    with app.app_context():
        forwarding.forward(report_id, db.session.get(StaffUser, coordinator.id), "politie")
        return db.session.scalars(select(OutboxMessage.id)).one()


def test_a_long_outage_delays_a_notice_but_never_loses_it(jobs_app, smtp, clock):
    """The relay is down for a long weekend, far past twelve attempts: the notice is retried
    every six hours, kept by the retention job, shown on the status page, then delivered once."""
    from meldpunt import outbox
    from meldpunt.jobs import retention

    message_id = _partner_notice(jobs_app, clock)
    start = clock.now
    attempts = 0
    while clock.now - start < timedelta(days=3, hours=12):
        with jobs_app.app_context():
            due = db.session.get(OutboxMessage, message_id).next_attempt_at
        clock.now = max(clock.now, due)
        with jobs_app.app_context():
            run = jobs.run_job("outbox", now=clock.now)
        assert run.summary == "sent=0 failed=1 smtp_error=ConnectionRefusedError"
        attempts += 1
    assert attempts > outbox.ALERT_AFTER_ATTEMPTS + 5
    with jobs_app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.sent_at is None and message.attempts == attempts
        # At the cap: the next attempt six hours after the last one, never "given up".
        assert message.next_attempt_at == clock.now + outbox.MAX_BACKOFF
        # The daily retention run, weeks later, keeps the undelivered message.
        assert retention.prune_history(clock.now + timedelta(days=40)).outbox == 0
        assert db.session.get(OutboxMessage, message_id) is not None
        backlog = outbox.backlog()
        assert (backlog.waiting, backlog.failing, backlog.alert) == (1, 1, 1)
        assert backlog.oldest <= start and backlog.last_error == "ConnectionRefusedError"

    # The admin sees how many wait, since when, and how to retry now.
    from tests.jobs.conftest import signed_in

    page = signed_in(jobs_app, "admin").get("/beheer/taken").get_data(as_text=True)
    assert "1 e-mail wacht op verzending" in page and "outbox-retry" in page
    assert "meldingen@politie.example" not in page

    smtp.up()
    clock.now = clock.now + outbox.MAX_BACKOFF
    with jobs_app.app_context():
        assert jobs.run_job("outbox", now=clock.now).summary == "sent=1 failed=0"
        assert jobs.run_job("outbox", now=clock.now + timedelta(hours=7)).summary == "sent=0 failed=0"
        assert outbox.backlog().waiting == 0
    assert [m["to"] for m in smtp.messages] == [["meldingen@politie.example"]]


def test_outbox_retry_command_sends_waiting_mail_now(jobs_app, smtp, clock):
    from meldpunt import outbox

    message_id = _partner_notice(jobs_app, clock)
    with jobs_app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        # Failed many times while the relay was down: the next attempt is hours away.
        message.attempts, message.next_attempt_at = 14, outbox.utcnow() + timedelta(hours=5)
        message.last_error = "ConnectionRefusedError: "
        db.session.commit()
    smtp.up()
    result = jobs_app.test_cli_runner().invoke(args=["outbox-retry"])
    assert result.exit_code == 0, result.output
    assert "1 waiting e-mail(s) made due" in result.output and "sent=1 failed=0" in result.output
    assert "0 still waiting" in result.output
    assert len(smtp.messages) == 1
    with jobs_app.app_context():
        assert db.session.get(OutboxMessage, message_id).sent_at is not None
