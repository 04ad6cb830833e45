"""Messages from staff to a reporter, read on ``/opvolgen`` with the receipt code.

A named reporter who asked for it gets an e-mail that *only* says there is a
new message, with a link to the follow-up page: never the message itself, the
report or anything else about it.
"""

from __future__ import annotations

from meldpunt import crypto, outbox
from meldpunt.casework.assignment import record_assignment
from meldpunt.casework.workflow import get_report, mark_action, mark_handled, start_work
from meldpunt.extensions import db
from meldpunt.models import Message, Report, StaffUser
from meldpunt.plaintext import sanitise
from meldpunt.reporter_notice import notice_text
from meldpunt.staff import access, audit

MAX_MESSAGE = 5000
NOTICE_KIND = "reporter_notice"


def reporter_email(report: Report) -> str | None:
    if report.anonymous or not report.contact_encrypted:
        return None
    try:
        contact = crypto.decrypt_json(report.contact_encrypted)
    except (crypto.InvalidToken, ValueError):
        return None
    email = (contact.get("email") or "").strip()
    return email or None


def notice_language(report: Report) -> str:
    """The language the reporter used the form in (kept with the contact details since the
    outside test), else the language of the report's text."""
    try:
        contact = crypto.decrypt_json(report.contact_encrypted) if report.contact_encrypted else {}
    except (crypto.InvalidToken, ValueError):
        contact = {}
    chosen = contact.get("language") if isinstance(contact, dict) else None
    return chosen if isinstance(chosen, str) and chosen else (report.language or "nl")


def send_message(report_id: int, staff: StaffUser, body: str) -> Message:
    report = get_report(report_id)
    text = sanitise(body, MAX_MESSAGE)
    if not text:
        raise ValueError("empty message")
    message = Message(report_id=report.id, sender="staff", staff_id=staff.id, body=text)
    db.session.add(message)
    report.awaiting_reporter = True
    start_work(report, staff)
    if report.assignee_id is None and access.allowed(staff.role, access.REPORT_WORK):
        # Writing to the reporter starts the work (in_behandeling): the writer is then
        # the one handling it, so the queue never shows work in progress with nobody on it.
        record_assignment(report, staff, staff, via="message")
    mark_action(report)
    # Writing to the reporter is acting on what they added.
    mark_handled(report)
    notify = False
    if report.wants_email_notice:
        if reporter_email(report):
            subject, notice = notice_text(notice_language(report))
            outbox.enqueue_for_reporter(NOTICE_KIND, report.id, subject, notice)
            notify = True
    db.session.flush()
    audit.record(audit.MESSAGE, staff, "report", report.id, {"message_id": message.id, "email_notice": notify})
    db.session.commit()
    return message
