"""The outbox: delivered over real SMTP by a job, retried with back-off, never twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meldpunt import outbox
from meldpunt.extensions import db
from meldpunt.models import OutboxMessage, utcnow
from tests.backoffice.conftest import free_port


def test_delivery_and_no_second_send(app_factory, smtp_server):
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    with app.app_context():
        outbox.enqueue("test", "a@example.org", "Onderwerp", "Er staat iets klaar.")
        outbox.enqueue("test", "b@example.org", "Onderwerp", "Er staat iets klaar.")
        db.session.commit()
        assert outbox.deliver_due().sent == 2
        assert outbox.deliver_due().sent == 0
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert sorted(m["to"][0] for m in smtp_server.messages) == ["a@example.org", "b@example.org"]


def test_failure_backs_off_and_retries(app_factory, smtp_server):
    closed_port = free_port()  # nothing listens here
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=closed_port, SMTP_TIMEOUT=2)
    with app.app_context():
        outbox.enqueue("test", "a@example.org", "Onderwerp", "Er staat iets klaar.")
        db.session.commit()
        run = outbox.deliver_due()
        assert (run.sent, run.failed) == (0, 1)
        row = db.session.scalar(select(OutboxMessage))
        assert row.attempts == 1 and row.sent_at is None and row.last_error
        assert timedelta(seconds=50) < row.next_attempt_at - utcnow() <= timedelta(minutes=1)
        # Not due yet: nothing happens.
        assert outbox.deliver_due().failed == 0
        later = utcnow() + timedelta(minutes=2)
        second = outbox.deliver_due(now=later)
        assert second.failed == 1
        db.session.refresh(row)
        assert row.attempts == 2
        assert row.next_attempt_at - later == timedelta(minutes=2)  # doubled
    # The server is back: the next run delivers.
    working = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    with working.app_context():
        assert outbox.deliver_due(now=later + timedelta(minutes=3)).sent == 1
    assert len(smtp_server.messages) == 1


def test_a_claimed_message_is_not_sent_by_another_process(app_factory, smtp_server):
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    with app.app_context():
        outbox.enqueue("test", "a@example.org", "Onderwerp", "Er staat iets klaar.")
        db.session.commit()
        now = utcnow()
        claimed = outbox._claim(now, 10)  # process one claims, then (say) crashes before sending
        assert len(claimed) == 1
        assert outbox.deliver_due(now=now).sent == 0  # process two finds nothing due
        assert smtp_server.messages == []
        # After the lease the message is retried.
        assert outbox.deliver_due(now=now + outbox.LEASE + timedelta(seconds=1)).sent == 1
