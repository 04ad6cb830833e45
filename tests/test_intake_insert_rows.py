"""The one-statement insert of a text report (meldpunt/intake/insert_rows.py) writes exactly
the rows the ORM writes: report, triage suggestion, first status event and place keys."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from meldpunt import crypto
from meldpunt.extensions import db
from meldpunt.intake import insert_rows, reports
from meldpunt.models import Report, ReportPlaceKey, StatusEvent, TriageSuggestion
from tests.helpers import GOOD_TEXT

# Differ per report by nature: ids, times, the receipt and the form's one-time key.
_OWN = {"id", "report_id", "created_at", "receipt_hash", "submission_key_hash"}


def _row(obj) -> dict:
    row = {c.name: getattr(obj, c.key) for c in obj.__table__.columns if c.name not in _OWN}
    if row.get("contact_encrypted"):  # encrypted with a fresh nonce each time: compare the contents
        row["contact_encrypted"] = crypto.decrypt_json(row["contact_encrypted"])
    return row


def _stored(report_id: int) -> dict:
    db.session.expire_all()
    report = db.session.get(Report, report_id)
    suggestion = db.session.scalar(select(TriageSuggestion).where(TriageSuggestion.report_id == report_id))
    events = db.session.scalars(select(StatusEvent).where(StatusEvent.report_id == report_id)).all()
    keys = db.session.scalars(select(ReportPlaceKey.key).where(ReportPlaceKey.report_id == report_id)).all()
    return {
        "report": _row(report),
        "suggestion": _row(suggestion),
        "events": [_row(event) for event in events],
        "keys": sorted(keys),
        "times": [report.created_at, suggestion.created_at, *(event.created_at for event in events)],
    }


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"location": "Kapsalon Figaro, Dorpsstraat 12a", "postcode": "3311 AB", "danger_now": True,
         "reporter_type": "bewoner", "place_type": "bedrijfspand", "ongoing": "ja", "campaign_code": "poster"},
        {"anonymous": False, "name": "Jan", "email": "jan@example.org", "phone": "0612345678",
         "share_identity": True, "wants_email_notice": True, "danger_now": False, "heard_via": "social_media"},
    ],
    ids=["plain", "place-and-danger", "with-contact"],
)
def test_one_statement_and_orm_store_the_same_rows(app, monkeypatch, fields):
    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the one-statement insert is PostgreSQL's (MELDPUNT_TEST_DATABASE_URL)")
        used = []
        real = insert_rows.insert_report
        monkeypatch.setattr(insert_rows, "insert_report", lambda *a, **k: used.append(1) or real(*a, **k))
        fast = reports.submit_report(reports.NewReport(text=GOOD_TEXT, **fields))
        assert used == [1]
        # The same report through the ORM (the path of reports with attachments).
        monkeypatch.setattr(reports, "_in_one_statement", lambda has_files: False)
        orm = reports.submit_report(reports.NewReport(text=GOOD_TEXT, **fields))
        monkeypatch.undo()
        assert used == [1]
        fast_rows, orm_rows = _stored(fast.report_id), _stored(orm.report_id)
        assert all(t is not None and t.tzinfo is not None for t in fast_rows.pop("times") + orm_rows.pop("times"))
        assert fast_rows == orm_rows
        assert fast_rows["report"]["needs_action"] is True
        assert fast_rows["events"] == [{"staff_id": None, "status": "nieuw", "outcome": None}]
        if fields.get("location"):
            assert fast_rows["keys"]  # the place keys were written with the report


def test_the_same_form_sent_twice_is_recognised(app):
    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the one-statement insert is PostgreSQL's (MELDPUNT_TEST_DATABASE_URL)")
        key_hash = "a" * 64
        reports.submit_report(reports.NewReport(text=GOOD_TEXT, submission_key_hash=key_hash))
        with pytest.raises(reports.AlreadySubmitted) as raised:
            reports.submit_report(reports.NewReport(text=GOOD_TEXT, submission_key_hash=key_hash))
        assert isinstance(raised.value.__cause__, IntegrityError)
        assert len(db.session.scalars(select(Report.id)).all()) == 1
        assert len(db.session.scalars(select(StatusEvent.id)).all()) == 1
        assert len(db.session.scalars(select(TriageSuggestion.id)).all()) == 1


def _settings_reads(app, action) -> int:
    from sqlalchemy import event

    seen = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "routing_version" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


def test_a_settings_change_elsewhere_is_noticed_by_the_next_report(app, monkeypatch):
    """The triage uses the settings this process saw last; the insert itself checks them. A
    change made by another worker or machine makes the next report read them and classify again."""
    from meldpunt import routing

    with app.test_request_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the one-statement insert is PostgreSQL's (MELDPUNT_TEST_DATABASE_URL)")
        first = reports.submit_report(reports.NewReport(text=GOOD_TEXT))  # reads the settings once
        seen = app.extensions[reports._LAST_SETTINGS]
        assert _settings_reads(app, lambda: reports.submit_report(reports.NewReport(text=GOOD_TEXT))) == 0
        # Another worker changes the routing settings (its own transaction, committed).
        routing.bump_version()
        db.session.commit()
        calls = []
        real = reports._suggest
        monkeypatch.setattr(reports, "_suggest", lambda *a: calls.append(a[3]) or real(*a))
        third = reports.submit_report(reports.NewReport(text=GOOD_TEXT))
        assert calls == [seen, None]  # tried with the old settings, classified again with the new
        assert app.extensions[reports._LAST_SETTINGS] == (seen[0] + 1, seen[1])
        ids = db.session.scalars(select(Report.id).order_by(Report.id)).all()
        assert ids[0] == first.report_id and ids[-1] == third.report_id and len(ids) == 3
        assert len(db.session.scalars(select(StatusEvent.id)).all()) == 3
        assert len(db.session.scalars(select(TriageSuggestion.id)).all()) == 3
