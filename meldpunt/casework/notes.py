"""Internal staff notes on a report: never shown to the reporter or to partners."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.casework.workflow import get_report, mark_action
from meldpunt.extensions import db
from meldpunt.models import Note, StaffUser
from meldpunt.plaintext import sanitise
from meldpunt.staff import audit

MAX_NOTE = 5000


def add_note(report_id: int, staff: StaffUser, body: str) -> Note:
    report = get_report(report_id)
    text = sanitise(body, MAX_NOTE)
    if not text:
        raise ValueError("empty note")
    note = Note(report_id=report.id, staff_id=staff.id, body=text)
    db.session.add(note)
    mark_action(report)
    db.session.flush()
    audit.record(audit.NOTE, staff, "report", report.id, {"note_id": note.id})
    db.session.commit()
    return note


def notes_for(report_id: int) -> list[Note]:
    return list(db.session.scalars(select(Note).where(Note.report_id == report_id).order_by(Note.id)))
