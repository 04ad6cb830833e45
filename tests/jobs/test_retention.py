"""Retention: closed reports become anonymous skeletons; open ones stay; files follow rows."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from meldpunt import storage
from meldpunt.casework import notes, staff_messages, workflow
from meldpunt.extensions import db
from meldpunt.intake import followup, receipts
from meldpunt.intake.attachments import CleanFile
from meldpunt.jobs import retention
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import (
    Attachment,
    AttachmentBlob,
    AuditEvent,
    DailyClosureStat,
    DailyDurationStat,
    DailyReportStat,
    Forward,
    JobOccurrence,
    Message,
    Note,
    OutboxMessage,
    Report,
    StaffUser,
    StatusEvent,
    TriageSuggestion,
)
from meldpunt.staff import audit
from meldpunt.stats import rollup
from tests import filemakers
from tests.backoffice.conftest import add_attachment, make_account
from tests.helpers import csrf_token
from tests.jobs.conftest import report_at

SKELETON = (
    "id",
    "created_at",
    "closed_at",
    "theme",
    "urgency",
    "urgency_rank",
    "route",
    "status",
    "outcome",
    "reporter_type",
    "place_type",
    "postcode_area",
    "campaign_code",
    "heard_via",
    "language",
    "anonymous",
    "share_identity",
    "has_attachments",
    "first_opened_at",
    "first_action_at",
    "reporter_last_seen_at",
    "ongoing",
)
CONTENT = (
    "text",
    "location",
    "postcode",
    "house_number",
    "location_key",
    "occurred",
    "contact_encrypted",
)


def _columns(report: Report) -> dict:
    return {attr.key: getattr(report, attr.key) for attr in inspect(Report).column_attrs}


def snapshot(app) -> dict:
    """Everything retention may touch, as plain values, plus the files on disk."""
    with app.app_context():
        state = {
            "reports": {r.id: _columns(r) for r in db.session.scalars(select(Report))},
            "attachments": sorted(db.session.scalars(select(Attachment.storage_name))),
            "messages": sorted(db.session.scalars(select(Message.id))),
            "notes": sorted(db.session.scalars(select(Note.id))),
            "explanations": {
                s.report_id: list(s.explanation)
                for s in db.session.scalars(select(TriageSuggestion))
            },
            "files": sorted(storage.attachment_store().names()),
        }
        db.session.rollback()
        return state


def statistics(app) -> dict:
    with app.app_context():
        return {
            "report": sorted(
                db.session.execute(
                    select(
                        DailyReportStat.day,
                        DailyReportStat.dimension,
                        DailyReportStat.value,
                        DailyReportStat.count,
                    )
                ).all()
            ),
            "closure": sorted(
                db.session.execute(
                    select(DailyClosureStat.day, DailyClosureStat.outcome, DailyClosureStat.count)
                ).all()
            ),
            "duration": sorted(
                db.session.execute(
                    select(
                        DailyDurationStat.day,
                        DailyDurationStat.measure,
                        DailyDurationStat.bucket_hours,
                        DailyDurationStat.count,
                    )
                ).all()
            ),
        }


def _close(
    app, report_id: int, staff_id: int, status: str, closed_days_ago: int, now, outcome=None
) -> None:
    with app.app_context():
        user = db.session.get(StaffUser, staff_id)
        workflow.change_status(report_id, user, status, outcome)
        report = db.session.get(Report, report_id)
        report.closed_at = now - timedelta(days=closed_days_ago)
        for event in report.status_events:
            event.created_at = min(event.created_at, report.closed_at)
        db.session.commit()


@pytest.fixture
def world(jobs_app, clock):
    """Reports in every situation retention distinguishes."""
    app, now = jobs_app, clock.now
    coordinator = make_account(app, "coordinator", email="coordinator-retention@gemeente.example")
    ids = {}
    codes = {}
    # Closed 400 days ago, named reporter, files from intake and follow-up, messages, a note.
    ids["old"], codes["old"] = report_at(
        app,
        now - timedelta(days=420),
        anonymous=False,
        name="Karin de Melder",
        email="karin@example.org",
        phone="0612345678",
        location="Polderweg 14",
        postcode="3311 AB",
        occurred="elke nacht na twaalven",
        campaign_code="poster-2026",
    )
    add_attachment(app, ids["old"], filemakers.png_bytes())
    with app.app_context():
        user = db.session.get(StaffUser, coordinator.id)
        staff_messages.send_message(ids["old"], user, "Welke auto's zag u daar?")
        token = storage.new_pending_token()
        pending = storage.add_pending(
            token, CleanFile(filemakers.png_bytes(), "image/png", "image", "auto.png")
        )
        followup.add_information(
            ids["old"], "Een zwarte bestelbus met kenteken 12-ABC-3.", token, [pending.file_id]
        )
        notes.add_note(ids["old"], user, "Eigenaar pand is bekend bij handhaving.")
        from meldpunt.casework import forwarding

        forwarding.forward(ids["old"], user, "politie")
    _close(app, ids["old"], coordinator.id, "afgerond", 400, now, outcome="controle_uitgevoerd")
    # Closed 500 days ago as not admissible, anonymous.
    ids["refused"], codes["refused"] = report_at(
        app, now - timedelta(days=505), location="Kerkstraat 3"
    )
    _close(app, ids["refused"], coordinator.id, "niet_ontvankelijk", 500, now)
    # Closed 100 days ago: within the retention period.
    ids["recent"], codes["recent"] = report_at(
        app, now - timedelta(days=130), location="Molenweg 8"
    )
    _close(
        app, ids["recent"], coordinator.id, "afgerond", 100, now, outcome="geen_vervolg_mogelijk"
    )
    # Open for five years.
    ids["open"], codes["open"] = report_at(
        app, now - timedelta(days=5 * 365), set_status="in_behandeling"
    )
    # Closed long ago, then reopened: open again, never purged.
    ids["reopened"], codes["reopened"] = report_at(app, now - timedelta(days=600))
    _close(app, ids["reopened"], coordinator.id, "afgerond", 550, now, outcome="doorverwezen")
    with app.app_context():
        workflow.change_status(
            ids["reopened"], db.session.get(StaffUser, coordinator.id), "in_behandeling"
        )
    # New and open.
    ids["new"], codes["new"] = report_at(app, now - timedelta(days=2))
    return {"ids": ids, "codes": codes, "coordinator": coordinator}


def test_dry_run_lists_what_would_go_and_changes_nothing(jobs_app, clock, world):
    ids = world["ids"]
    before = snapshot(jobs_app)
    assert len(before["files"]) == 2
    with jobs_app.app_context():
        summary = retention.purge(clock.now, retention_days=365, dry_run=True)
    assert [c.report_id for c in summary.reports] == sorted([ids["old"], ids["refused"]])
    old = next(c for c in summary.reports if c.report_id == ids["old"])
    assert (old.attachments, old.messages, old.notes) == (2, 2, 1)
    assert snapshot(jobs_app) == before

    result = jobs_app.test_cli_runner().invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: 2 report(s)" in result.output
    assert (
        f"report {ids['old']}: " in result.output and f"report {ids['refused']}: " in result.output
    )
    assert f"report {ids['recent']}:" not in result.output
    assert snapshot(jobs_app) == before


@pytest.mark.parametrize("jobs_app", ["filesystem", "database"], indirect=True)
def test_purge_keeps_an_anonymous_skeleton_and_the_statistics(jobs_app, clock, world):
    ids, codes = world["ids"], world["codes"]
    with jobs_app.app_context():
        rollup.rebuild_all(now=clock.now)
        forwards_before = db.session.scalar(select(db.func.count(Forward.id)))
        events_before = db.session.scalar(select(db.func.count(StatusEvent.id)))
    stats_before = statistics(jobs_app)
    assert stats_before["closure"], "the rollup produced closure statistics"
    before = snapshot(jobs_app)

    with jobs_app.app_context():
        result = jobs.run_job("retention", now=clock.now)
    assert result.outcome == "ok"
    assert "purged=2 files=2" in result.summary

    after = snapshot(jobs_app)
    for key in ("old", "refused"):
        old, new = before["reports"][ids[key]], after["reports"][ids[key]]
        for column in SKELETON:
            assert new[column] == old[column], f"{key}.{column} must stay"
        for column in CONTENT:
            assert new[column] is None, f"{key}.{column} must go"
        assert new["purged_at"] == clock.now
        assert new["receipt_hash"] != old["receipt_hash"]
        assert after["explanations"][ids[key]] == []
    assert before["reports"][ids["old"]]["postcode_area"] == "3311"
    assert before["reports"][ids["old"]]["contact_encrypted"] is not None
    assert after["attachments"] == [] and after["files"] == []
    assert after["messages"] == [] and after["notes"] == []
    # Nothing else changed.
    for key in ("recent", "open", "reopened", "new"):
        assert after["reports"][ids[key]] == before["reports"][ids[key]], key
        assert after["explanations"][ids[key]] == before["explanations"][ids[key]]

    with jobs_app.app_context():
        # The receipt code opens nothing, and its hash is no longer stored at all.
        for key in ("old", "refused"):
            assert followup.find_by_code(codes[key]) is None
            stored = db.session.scalar(select(Report.receipt_hash).where(Report.id == ids[key]))
            assert stored != receipts.hash_code(codes[key])
        assert followup.find_by_code(codes["recent"]).id == ids["recent"]
        # The skeleton keeps its workflow history; the audit log records the purge and stays intact.
        assert db.session.scalar(select(db.func.count(Forward.id))) == forwards_before
        assert db.session.scalar(select(db.func.count(StatusEvent.id))) == events_before
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == retention.PURGE_ACTION)
        )
        assert sorted(event.details["reports"]) == sorted([ids["old"], ids["refused"]])
        assert audit.verify_chain().ok

        # Statistics: the same numbers, incrementally and rebuilt from scratch.
        rollup.rollup(now=clock.now + timedelta(minutes=1))
    assert statistics(jobs_app) == stats_before
    with jobs_app.app_context():
        rollup.rebuild_all(now=clock.now)
    assert statistics(jobs_app) == stats_before

    # A second run finds nothing to do.
    with jobs_app.app_context():
        again = jobs.run_job("retention", now=clock.now + timedelta(days=1))
    assert "purged=0 files=0" in again.summary


def test_follow_up_page_refuses_a_purged_report(jobs_app, clock, world):
    code = world["codes"]["old"]
    before = jobs_app.test_client()
    opened = before.post(
        "/opvolgen", data={"csrf_token": csrf_token(before, "/opvolgen"), "code": code}
    )
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/opvolgen/melding")
    assert "Welke auto" in before.get("/opvolgen/melding").get_data(as_text=True)
    with jobs_app.app_context():
        retention.purge(clock.now, retention_days=365)
    # A session opened before the purge shows nothing any more ...
    gone = before.get("/opvolgen/melding")
    assert gone.status_code == 303 and "Welke auto" not in gone.get_data(as_text=True)
    # ... and the code no longer opens anything.
    fresh = jobs_app.test_client()
    after = fresh.post(
        "/opvolgen", data={"csrf_token": csrf_token(fresh, "/opvolgen"), "code": code}
    )
    assert after.status_code == 422


def test_open_reports_are_never_purged_whatever_their_age(jobs_app, clock, world):
    ids = world["ids"]
    with jobs_app.app_context():
        summary = retention.purge(clock.now + timedelta(days=3650), retention_days=0)
        purged = {c.report_id for c in summary.reports}
        assert purged == {ids["old"], ids["refused"], ids["recent"]}
        for key in ("open", "reopened", "new"):
            report = db.session.get(Report, ids[key])
            assert report.purged_at is None and report.text


def test_retention_period_comes_from_the_environment(
    app_factory, monkeypatch, clock, world, jobs_app
):
    ids = world["ids"]
    monkeypatch.setenv("MELDPUNT_RETENTION_DAYS", "30")
    shorter = app_factory()
    assert shorter.config["RETENTION_DAYS"] == 30
    with shorter.app_context():
        result = jobs.run_job("retention", now=clock.now)
        assert "purged=3" in result.summary
        assert db.session.get(Report, ids["recent"]).purged_at == clock.now


@pytest.mark.parametrize("jobs_app", ["filesystem", "database"], indirect=True)
def test_files_are_deleted_only_after_the_commit(jobs_app, clock, world, monkeypatch):
    before = snapshot(jobs_app)

    def refuse_commit():
        raise RuntimeError("database went away")

    with jobs_app.app_context():
        with monkeypatch.context() as patch:
            patch.setattr(db.session, "commit", refuse_commit)
            with pytest.raises(RuntimeError):
                retention.purge(clock.now, retention_days=365)
        db.session.rollback()
    after = snapshot(jobs_app)
    assert after["files"] == before["files"] and len(after["files"]) == 2
    assert after["reports"] == before["reports"]


@pytest.mark.parametrize("jobs_app", ["filesystem"], indirect=True)
def test_stray_files_are_removed_after_a_grace_period(jobs_app, clock, world):
    now = clock.now
    with jobs_app.app_context():
        folder = Path(jobs_app.config["UPLOAD_DIR"])
        kept_with_row = db.session.scalar(select(Attachment.storage_name).limit(1))
        old_stray = folder / secrets.token_hex(20)
        fresh_stray = folder / secrets.token_hex(20)
        half_written = folder / (secrets.token_hex(20) + ".part")
        for path in (old_stray, fresh_stray, half_written):
            path.write_bytes(b"encrypted bytes")
        two_hours_ago = (now - timedelta(hours=2)).timestamp()
        for path in (old_stray, half_written, folder / kept_with_row):
            os.utime(path, (two_hours_ago, two_hours_ago))
        # An upload being stored right now (file written, row not yet committed) is younger
        # than the grace period and stays.
        assert retention.remove_stray_files(now) == 2
        assert not old_stray.exists() and not half_written.exists()
        assert fresh_stray.exists() and (folder / kept_with_row).exists()
        # Once old enough, it goes too.
        assert retention.remove_stray_files(now + timedelta(hours=2)) == 1
        assert not fresh_stray.exists() and (folder / kept_with_row).exists()


@pytest.mark.parametrize("jobs_app", ["filesystem", "database"], indirect=True)
def test_pending_uploads_older_than_an_hour_are_removed(jobs_app, clock):
    with jobs_app.app_context():
        token = storage.new_pending_token()
        storage.add_pending(
            token, CleanFile(filemakers.png_bytes(), "image/png", "image", "foto.png")
        )
        assert len(storage.list_pending(token)) == 1
        assert jobs.run_job("uploads", now=clock.now + timedelta(minutes=30)).summary == "removed=0"
        assert len(storage.list_pending(token)) == 1
        assert jobs.run_job("uploads", now=clock.now + timedelta(minutes=61)).summary == "removed=1"
        assert storage.list_pending(token) == []
        assert list(storage.pending_store().tokens()) == []


@pytest.mark.parametrize("jobs_app", ["database"], indirect=True)
def test_stray_blobs_are_removed_from_the_database_store(jobs_app, clock, world):
    """Blobs without a row (a migration interrupted by hand, a row deleted outside the app)."""
    now = clock.now
    with jobs_app.app_context():
        kept_with_row = db.session.scalar(select(Attachment.storage_name).limit(1))
        old_stray, fresh_stray = secrets.token_hex(20), secrets.token_hex(20)
        for name in (old_stray, fresh_stray):
            db.session.add(AttachmentBlob(storage_name=name, data=b"encrypted bytes", created_at=now))
        db.session.commit()
        db.session.get(AttachmentBlob, old_stray).created_at = now - timedelta(hours=2)
        db.session.get(AttachmentBlob, kept_with_row).created_at = now - timedelta(hours=2)
        db.session.commit()
        assert retention.remove_stray_files(now) == 1
        names = set(storage.attachment_store().names())
        assert old_stray not in names and {fresh_stray, kept_with_row} <= names
        assert retention.remove_stray_files(now + timedelta(hours=2)) == 1
        assert set(storage.attachment_store().names()) == names - {fresh_stray}


def test_reports_open_too_long_are_listed(jobs_app, clock, world):
    ids = world["ids"]
    with jobs_app.app_context():
        stale = retention.stale_open_reports(clock.now, stale_days=90)
        assert [s.report_id for s in stale] == [ids["open"], ids["reopened"]]
        assert retention.count_stale_open(clock.now, 90) == 2
        assert retention.stale_open_reports(clock.now, stale_days=3650) == []


def test_old_delivered_mail_and_job_records_are_pruned(jobs_app, clock):
    from meldpunt import outbox

    now = clock.now
    with jobs_app.app_context():
        old_sent = outbox.enqueue(
            "partner_notice", "a@partner.example", "x", "y", now=now - timedelta(days=40)
        )
        old_sent.sent_at = now - timedelta(days=40)
        waiting = outbox.enqueue(
            "partner_notice", "b@partner.example", "x", "y", now=now - timedelta(days=40)
        )
        recent = outbox.enqueue(
            "partner_notice", "c@partner.example", "x", "y", now=now - timedelta(days=2)
        )
        recent.sent_at = now - timedelta(days=2)
        db.session.add(
            JobOccurrence(
                job="outbox",
                due_at=now - timedelta(days=40),
                claimed_by="x",
                claimed_at=now - timedelta(days=40),
                outcome="ok",
            )
        )
        db.session.commit()
        pruned = retention.prune_history(now)
        assert (pruned.outbox, pruned.job_records) == (1, 1)
        left = set(db.session.scalars(select(OutboxMessage.recipient)))
        assert left == {"b@partner.example", "c@partner.example"}
        assert waiting.sent_at is None
