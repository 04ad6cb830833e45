"""Reminders to the coordinators about reports that wait too long.

Two rules:

* ``acuut_1u``: an ``acuut`` report that no staff member opened within one hour.
* ``nieuw_2wd``: any other report still ``nieuw`` two working days after it
  arrived. Working days are Monday to Friday in Europe/Amsterdam, except Dutch
  public holidays (``holidays.Netherlands``). A report that arrives on a
  weekend or holiday counts from the start of the next working day, so a
  report from Friday 15:00 is due on Tuesday 15:00, and one from Saturday on
  Wednesday 00:00.

Each report is reminded at most once per rule: the ``ReminderSent`` row is
written in the same transaction as the outbox e-mails, and its unique
(report, rule) pair makes a second, concurrent run fail instead of mailing
twice. The e-mail names report numbers and arrival times only: no content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from meldpunt import outbox
from meldpunt.extensions import db
from meldpunt.models import CLOSED_STATUSES, ReminderSent, Report
from meldpunt.workdays import add_working_days, is_working_day  # noqa: F401  # tests name it here

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
ACUTE_RULE = "acuut_1u"
NEW_RULE = "nieuw_2wd"
ACUTE_AFTER = timedelta(hours=1)
NEW_AFTER_WORKING_DAYS = 2
NOTICE_KIND = "coordinator_reminder"

def new_report_deadline(created_at: datetime) -> datetime:
    return add_working_days(created_at, NEW_AFTER_WORKING_DAYS)


@dataclass(frozen=True)
class Due:
    report_id: int
    created_at: datetime


def _not_reminded(rule: str):
    return ~exists().where(ReminderSent.report_id == Report.id, ReminderSent.rule == rule)


def due_acute(now: datetime) -> list[Due]:
    rows = db.session.execute(
        select(Report.id, Report.created_at)
        .where(
            Report.urgency == "acuut",
            Report.first_opened_at.is_(None),
            Report.purged_at.is_(None),
            Report.status.not_in(CLOSED_STATUSES),
            Report.created_at <= now - ACUTE_AFTER,
            _not_reminded(ACUTE_RULE),
        )
        .order_by(Report.created_at, Report.id)
    ).all()
    return [Due(r[0], r[1]) for r in rows]


def due_new(now: datetime) -> list[Due]:
    # Two working days are never shorter than two calendar days: narrow in SQL,
    # then apply the calendar.
    rows = db.session.execute(
        select(Report.id, Report.created_at)
        .where(
            Report.status == "nieuw",
            Report.urgency != "acuut",
            Report.purged_at.is_(None),
            Report.created_at <= now - timedelta(days=NEW_AFTER_WORKING_DAYS),
            _not_reminded(NEW_RULE),
        )
        .order_by(Report.created_at, Report.id)
    ).all()
    return [Due(r[0], r[1]) for r in rows if new_report_deadline(r[1]) <= now]


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")


def reminder_text(rule: str, due: list[Due], base_url: str) -> tuple[str, str]:
    """Subject and body of one reminder e-mail (Dutch): numbers, times and links only."""
    base = base_url.rstrip("/")
    with force_locale("nl"):
        if rule == ACUTE_RULE:
            subject = ngettext(
                "Herinnering: %(num)d acute melding na een uur nog niet geopend",
                "Herinnering: %(num)d acute meldingen na een uur nog niet geopend",
                len(due),
            )
            intro = _("Deze acute meldingen zijn na een uur nog door niemand geopend:")
        else:
            subject = ngettext(
                "Herinnering: %(num)d melding na twee werkdagen nog nieuw",
                "Herinnering: %(num)d meldingen na twee werkdagen nog nieuw",
                len(due),
            )
            intro = _("Deze meldingen staan twee werkdagen na binnenkomst nog op 'nieuw':")
        lines = [
            _(
                "Melding %(id)s, binnengekomen %(when)s: %(url)s",
                id=d.report_id,
                when=_local(d.created_at),
                url=f"{base}/beheer/melding/{d.report_id}",
            )
            for d in due
        ]
        footer = _("In deze e-mail staat bewust geen inhoud van de meldingen.")
    body = intro + "\n\n" + "\n".join(lines) + "\n\n" + footer + "\n"
    return subject, body


@dataclass(frozen=True)
class ReminderRun:
    acute: int
    new: int
    emails: int
    no_recipients: bool = False


def _send_rule(
    rule: str, due: list[Due], now: datetime, recipients: list[str], base_url: str
) -> tuple[int, int]:
    """Record and mail one rule's reminders in one transaction; (reports, e-mails)."""
    if not due:
        return 0, 0
    subject, body = reminder_text(rule, due, base_url)
    for address in recipients:
        outbox.enqueue(NOTICE_KIND, address, subject, body, now=now)
    for item in due:
        db.session.add(ReminderSent(report_id=item.report_id, rule=rule, sent_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent run reminded (some of) these first; it sent the e-mails.
        db.session.rollback()
        return 0, 0
    return len(due), len(recipients)


def send_due(now: datetime, recipients: list[str], base_url: str) -> ReminderRun:
    """Queue the reminders that are due at ``now`` for the coordinators."""
    if not recipients:
        # Nothing is recorded, so the reminders go out once an address is configured.
        acute, new = len(due_acute(now)), len(due_new(now))
        db.session.rollback()
        return ReminderRun(acute=acute, new=new, emails=0, no_recipients=True)
    acute, acute_mails = _send_rule(ACUTE_RULE, due_acute(now), now, recipients, base_url)
    new, new_mails = _send_rule(NEW_RULE, due_new(now), now, recipients, base_url)
    return ReminderRun(acute=acute, new=new, emails=acute_mails + new_mails)
