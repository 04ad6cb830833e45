"""Every job run logs one line, and no log line holds anything about a person or a report."""

from __future__ import annotations

import logging
from datetime import timedelta

from meldpunt import storage
from meldpunt.casework import workflow
from meldpunt.extensions import db
from meldpunt.intake.attachments import CleanFile
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import Report, StaffUser
from tests import filemakers
from tests.backoffice.conftest import add_attachment, make_account
from tests.jobs.conftest import COORDINATORS, report_at

TEXT = (
    "Bij de loods aan de Polderweg 14 ruikt het naar wiet; "
    "de huurder Jan Vermeulen komt alleen 's nachts."
)
PERSONAL = [
    "Polderweg",
    "Vermeulen",
    "wiet",
    "3311",
    "Karin",
    "karin@example.org",
    "0612345678",
    "meldingen@politie.example",
    *COORDINATORS,
]


def _world(app, now) -> str:
    coordinator = make_account(app, "coordinator", email="coordinator-log@gemeente.example")
    old_id, old_code = report_at(
        app,
        now - timedelta(days=400),
        text=TEXT,
        location="Polderweg 14",
        postcode="3311 AB",
        anonymous=False,
        name="Karin",
        email="karin@example.org",
        phone="0612345678",
        wants_email_notice=True,
    )
    add_attachment(app, old_id, filemakers.png_bytes())
    report_at(app, now - timedelta(hours=3), text=TEXT, set_urgency="acuut")
    with app.app_context():
        from meldpunt.casework import forwarding, staff_messages

        user = db.session.get(StaffUser, coordinator.id)
        forwarding.forward(old_id, user, "politie")
        staff_messages.send_message(old_id, user, "Wanneer zag u Jan Vermeulen voor het laatst?")
        workflow.change_status(old_id, user, "afgerond", "controle_uitgevoerd")
        db.session.get(Report, old_id).closed_at = now - timedelta(days=380)
        db.session.commit()
        token = storage.new_pending_token()
        storage.add_pending(
            token, CleanFile(filemakers.png_bytes(), "image/png", "image", "Vermeulen-loods.png")
        )
    return old_code


def _counted(record: logging.LogRecord) -> bool:
    return record.name.split(".")[0] == "meldpunt" and not (
        record.name == "meldpunt.staff.audit" and record.getMessage().startswith("audit head ")
    )


def test_each_job_logs_one_line_without_personal_data(jobs_app, clock, caplog):
    receipt_code = _world(jobs_app, clock.now)
    caplog.set_level(logging.DEBUG)
    later = clock.now + timedelta(hours=2)  # the pending upload is stale by then
    for job in jobs.JOBS:
        caplog.clear()
        with jobs_app.app_context():
            result = jobs.run_job(job.name, now=later)
        assert result.outcome == "ok", (job.name, result.summary)
        # One line for the whole job, from any meldpunt logger: no line per message or report.
        # (Except the audit log's integrity anchor, meldpunt/staff/audit.py, written after each commit
        # that holds audit events: it records the chain head, not what the job did.)
        lines = [r for r in caplog.records if _counted(r)]
        assert len(lines) == 1, (job.name, [(r.name, r.getMessage()) for r in lines])
        assert lines[0].name == "meldpunt.jobs.scheduler"
        line = lines[0].getMessage()
        assert "\n" not in line
        assert line.startswith(f"job {job.name} ok ") and result.summary in line
        everything = "\n".join(r.getMessage() for r in caplog.records)
        for secret in [*PERSONAL, receipt_code, receipt_code.replace("-", "")]:
            assert secret.lower() not in everything.lower(), (job.name, secret)
    # The jobs really did their work while logging so little.
    with jobs_app.app_context():
        status = {s.name: s.last.summary for s in jobs.status(later)}
    assert "failed=" in status["outbox"] and "sent=0" in status["outbox"]  # the SMTP server is down
    assert "acute=1" in status["reminders"]
    assert "purged=1 files=1" in status["retention"]
    assert status["uploads"] == "removed=1"


def test_a_tick_logs_one_line_per_job(jobs_app, clock, caplog):
    caplog.set_level(logging.DEBUG)
    with jobs_app.app_context():
        results = jobs.tick(now=clock.now, instance="log-test")
    lines = [r.getMessage() for r in caplog.records if _counted(r)]
    assert len(lines) == len(results) == len(jobs.JOBS)
    assert sorted(line.split()[1] for line in lines) == sorted(job.name for job in jobs.JOBS)
