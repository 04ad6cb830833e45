"""Forwarding a report to a partner route, the partner's inbox and the RIEC export.

A forward is a ``Forward`` row plus a status event (``doorgestuurd``) plus an
outbox e-mail to each notice address of the partner (set on the routing page,
else configured; routing_settings.py) that says only that a new report is
waiting in the back office. The partner reads the report through a
partner account bound to the route. The reporter's identity goes along only
when the reporter consented (``Report.share_identity``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from meldpunt import labels, outbox
from meldpunt.casework import routing_settings
from meldpunt.casework.related import linked_ids
from meldpunt.casework.workflow import get_report, next_statuses, record_status
from meldpunt.extensions import db
from meldpunt.models import Attachment, Forward, Report, StaffUser, utcnow
from meldpunt.plaintext import sanitise
from meldpunt.staff import access, audit
from meldpunt.transactions import unit_of_work

NOTICE_KIND = "partner_notice"
NEWS_NOTICE_KIND = "partner_news_notice"
# At most one "new information" e-mail per report and partner route in this time.
NEWS_NOTICE_INTERVAL = timedelta(hours=1)
# Not partners: "doorverwijzen" means the reporter is sent elsewhere.
NOT_FORWARDABLE = labels.NOT_FORWARDABLE


class ForwardError(ValueError):
    pass


def forwardable_routes() -> list[str]:
    from triage.taxonomy import ROUTES

    return [r for r in ROUTES if r not in NOT_FORWARDABLE]


def partner_addresses(route: str) -> list[str]:
    """Where the route's notices go: set on the routing page, else ``MELDPUNT_PARTNER_EMAILS``."""
    return routing_settings.partner_addresses(route)


def notice_text(report: Report) -> tuple[str, str]:
    """Subject and body of the partner notice: the urgency and the report number (so an
    acute report stands out in a mailbox) and a link straight to it; never content or
    anything about the reporter."""
    from meldpunt.labels import URGENCY_LABELS

    with force_locale("nl"):
        urgency = str(URGENCY_LABELS.get(report.urgency, report.urgency))
        url = current_app.config["BASE_URL"].rstrip("/") + f"/beheer/partner/melding/{report.id}"
        if report.urgency == "acuut":
            subject = _("ACUUT: melding %(id)s van het meldpunt ondermijning", id=report.id)
            urgent = _("Deze melding is acuut: mogelijk is er direct gevaar. Lees hem meteen.") + "\n\n"
        else:
            subject = _("Melding %(id)s van het meldpunt ondermijning (urgentie: %(urgency)s)",
                        id=report.id, urgency=urgency.lower())
            urgent = ""
        body = _(
            "Goedendag,\n\n"
            "%(name)s heeft melding %(id)s aan u doorgestuurd. Urgentie: %(urgency)s.\n\n"
            "%(urgent)sU leest de melding na inloggen op %(url)s\n\n"
            "In deze e-mail staat bewust geen inhoud.\n",
            name=current_app.config["MUNICIPALITY_NAME"],
            id=report.id,
            urgency=urgency.lower(),
            urgent=urgent,
            url=url,
        )
    return subject, body


def news_notice_text(report: Report) -> tuple[str, str]:
    """Subject and body of the "new information" notice: the report number and a link,
    never the addition, the report's content or anything about the reporter."""
    with force_locale("nl"):
        url = current_app.config["BASE_URL"].rstrip("/") + f"/beheer/partner/melding/{report.id}"
        subject = _("Nieuwe informatie bij melding %(id)s van het meldpunt ondermijning", id=report.id)
        body = _(
            "Goedendag,\n\n"
            "Bij melding %(id)s, die %(name)s aan u heeft doorgestuurd, is nieuwe informatie "
            "toegevoegd.\n\n"
            "U leest die na inloggen op %(url)s\n\n"
            "In deze e-mail staat bewust geen inhoud.\n",
            name=current_app.config["MUNICIPALITY_NAME"],
            id=report.id,
            url=url,
        )
    return subject, body


def note_reporter_addition(report: Report, now: datetime | None = None) -> int:
    """The reporter added information: every partner route the report was forwarded to gets
    it marked new in its inbox, and a notice e-mail unless one went out for this report in
    the last hour (coalesced). No commit (the caller stores the addition in the same
    transaction). Returns the number of notices queued."""
    now = now or utcnow()
    queued = 0
    for row in db.session.scalars(select(Forward).where(Forward.report_id == report.id).order_by(Forward.id)):
        row.partner_news_at = now
        if row.partner_notified_at is not None and now - row.partner_notified_at < NEWS_NOTICE_INTERVAL:
            continue
        addresses = partner_addresses(row.route)
        if not addresses:
            continue
        subject, body = news_notice_text(report)
        for address in addresses:
            outbox.enqueue(NEWS_NOTICE_KIND, address, subject, body, now)
            queued += 1
        row.partner_notified_at = now
    return queued


def mark_seen_by_partner(report: Report, staff: StaffUser) -> datetime | None:
    """A partner of the route opened the report: its news is read for the route. No commit
    (the view's audit event commits it). When there was unread news: the time after which
    the reporter's messages are new to the route (its last visit, else the forward)."""
    if not access.is_partner(staff) or not staff.route:
        return None
    row = db.session.scalar(
        select(Forward)
        .where(Forward.report_id == report.id, Forward.route == staff.route)
        .order_by(Forward.id)
        .limit(1)
    )
    if row is None or not row.partner_unread:
        return None
    since = row.partner_seen_at or row.created_at
    row.partner_seen_at = utcnow()
    return since


@dataclass(frozen=True)
class Forwarded:
    forward: Forward
    notified: bool


@unit_of_work
def forward(report_id: int, staff: StaffUser, route: str) -> Forwarded:
    done = record_forward(get_report(report_id), staff, route)
    db.session.commit()
    return done


def record_forward(report: Report, staff: StaffUser, route: str) -> Forwarded:
    """Forward, set the status and queue the partner notices; no commit (callers combine actions)."""
    if route not in forwardable_routes():
        raise ForwardError("unknown_route")
    already = db.session.scalar(
        select(Forward.id).where(Forward.report_id == report.id, Forward.route == route).limit(1)
    )
    if already is not None:
        raise ForwardError("already_forwarded")
    if report.status != "doorgestuurd" and "doorgestuurd" not in next_statuses(report.status):
        raise ForwardError("closed")
    row = Forward(
        report_id=report.id, staff_id=staff.id, route=route, with_identity=access.partner_sees_identity(report)
    )
    db.session.add(row)
    if report.status != "doorgestuurd":
        record_status(report, staff, "doorgestuurd")
    addresses = partner_addresses(route)
    if addresses:
        subject, body = notice_text(report)
        for address in addresses:
            outbox.enqueue(NOTICE_KIND, address, subject, body)
    db.session.flush()
    audit.record(
        audit.FORWARD,
        staff,
        "report",
        report.id,
        {"route": route, "forward_id": row.id, "with_identity": row.with_identity, "notified": bool(addresses)},
    )
    return Forwarded(forward=row, notified=bool(addresses))


def forwards_for(report_id: int) -> list[Forward]:
    return list(db.session.scalars(select(Forward).where(Forward.report_id == report_id).order_by(Forward.id)))


@dataclass(frozen=True)
class InboxRow:
    report_id: int
    forwarded_at: datetime
    theme: str
    urgency: str
    status: str
    postcode_area: str | None
    news_at: datetime | None = None
    seen_at: datetime | None = None

    @property
    def unread(self) -> bool:
        """The reporter added information no partner of the route has opened yet."""
        return self.news_at is not None and (self.seen_at is None or self.seen_at < self.news_at)


def _partner_unread():
    return and_(
        Forward.partner_news_at.is_not(None),
        or_(Forward.partner_seen_at.is_(None), Forward.partner_seen_at < Forward.partner_news_at),
    )


def partner_unread_count(route: str) -> int:
    """How many reports forwarded to ``route`` have a reporter's addition no partner opened."""
    return db.session.scalar(
        select(func.count())
        .select_from(Forward)
        .join(Report, Report.id == Forward.report_id)
        .where(Forward.route == route, Report.purged_at.is_(None), _partner_unread())
    ) or 0


def partner_inbox(
    route: str, page: int = 1, per_page: int = 50, only_unread: bool = False
) -> tuple[list[InboxRow], int, int]:
    """Reports forwarded to ``route``, acute first (then high, normal, low), newest forward
    first within each urgency; the total count, and the page shown (a page past the end
    shows the last one). ``only_unread``: just those with a reporter's addition no partner
    of the route has opened, newest addition first within each urgency."""
    base = (
        select(
            Forward.report_id, Forward.created_at, Report.theme, Report.urgency, Report.status, Report.postcode_area,
            Forward.partner_news_at, Forward.partner_seen_at,
        )
        .join(Report, Report.id == Forward.report_id)
        .where(Forward.route == route, Report.purged_at.is_(None))
    )
    if only_unread:
        base = base.where(_partner_unread())
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = min(max(1, page), max(1, -(-total // per_page)))
    order = (
        (Report.urgency_rank, Forward.partner_news_at.desc(), Forward.id.desc())
        if only_unread
        else (Report.urgency_rank, Forward.created_at.desc(), Forward.id.desc())
    )
    rows = db.session.execute(base.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    return [InboxRow(*row) for row in rows], total, page


class IdentityReasonError(ValueError):
    """Staff asked for the reporter's identity in the signal without a reason."""


def riec_signal(report: Report, staff: StaffUser, identity_reason: str | None = None) -> dict[str, Any]:
    """The signal for the RIEC as plain data.

    The reporter's identity is in it only when the reporter consented to sharing it,
    and then: for the RIEC partner itself (the consented recipient), or for meldpunt
    staff who may see contact details and state a reason — the same audited rule as
    "contactgegevens tonen". Linked reports are listed only when the RIEC may open
    them too (forwarded to the RIEC); the others are not the recipient's to know.
    """
    from meldpunt.casework import reporter_contact

    forward_row = db.session.scalar(
        select(Forward).where(Forward.report_id == report.id, Forward.route == "riec").order_by(Forward.id).limit(1)
    )
    attachments = db.session.execute(
        select(Attachment.kind, func.count()).where(Attachment.report_id == report.id).group_by(Attachment.kind)
    ).all()
    linked = sorted(i for i in linked_ids(report.id) if access.forwarded_to(i, "riec"))
    suggestion = report.suggestion
    signal: dict[str, Any] = {
        "signaal": f"MOM-{report.id}",
        "gemeente": current_app.config["MUNICIPALITY_NAME"],
        "gemeld_op": report.created_at.isoformat(),
        "doorgestuurd_op": forward_row.created_at.isoformat() if forward_row else None,
        "thema": report.theme,
        "neventhemas": list(suggestion.secondary_themes) if suggestion else [],
        "urgentie": report.urgency,
        "route": report.route,
        "status": report.status,
        "plaats": {
            "omschrijving": report.location,
            "postcode": report.postcode,
            "huisnummer": report.house_number,
            "soort": report.place_type,
        },
        "tekst": report.text,
        "wanneer": report.occurred,
        "gaat_door": report.ongoing,
        "soort_melder": report.reporter_type,
        "bijlagen": {kind: count for kind, count in attachments},
        "gekoppelde_meldingen": [f"MOM-{i}" for i in linked],
        "melder": None,
    }
    reason = None
    if access.partner_sees_identity(report):
        if access.is_partner(staff):
            reason = "toestemming melder (RIEC-signaal)"
        elif identity_reason is not None:
            reason = sanitise(identity_reason, 300)
            if len(reason) < 5 or not access.may_reveal_contact(staff):
                raise IdentityReasonError("reason_required")
    if reason is not None:
        contact = reporter_contact.decrypt_contact(report)
        if contact is not None:
            signal["melder"] = {"naam": contact.name, "email": contact.email, "telefoon": contact.phone}
            audit.record(audit.CONTACT_VIEW, staff, "report", report.id, {"reason": reason, "via": "riec_signal"})
    audit.record(
        audit.EXPORT, staff, "report", report.id, {"kind": "riec_signal", "with_identity": signal["melder"] is not None}
    )
    db.session.commit()
    return signal
