"""Reports about the same place, so weak signals about one address add up.

Candidates share the normalised location (street + house number, or a business
name: ``Report.location_key``) or the postcode + house number. Staff decide
which ones really belong together and link them (``ReportLink``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, delete, or_, select

from meldpunt import audit
from meldpunt.extensions import db
from meldpunt.models import Report, ReportLink, StaffUser
from meldpunt.workflow import get_report

MAX_CANDIDATES = 100


class LinkError(ValueError):
    pass


@dataclass
class Related:
    report_id: int
    created_at: datetime
    theme: str
    urgency: str
    status: str
    location: str | None
    reasons: list[str] = field(default_factory=list)  # "adres", "postcode_huisnummer"
    linked: bool = False


def linked_ids(report_id: int) -> set[int]:
    rows = db.session.execute(
        select(ReportLink.report_id, ReportLink.other_id).where(
            or_(ReportLink.report_id == report_id, ReportLink.other_id == report_id)
        )
    ).all()
    return {b if a == report_id else a for a, b in rows}


def find_related(report: Report) -> list[Related]:
    """Candidates by place plus every linked report, newest first."""
    conditions = []
    if report.location_key:
        conditions.append(Report.location_key == report.location_key)
    if report.postcode and report.house_number:
        conditions.append(and_(Report.postcode == report.postcode, Report.house_number == report.house_number))
    links = linked_ids(report.id)
    if links:
        conditions.append(Report.id.in_(links))
    if not conditions:
        return []
    rows = db.session.execute(
        select(
            Report.id, Report.created_at, Report.theme, Report.urgency, Report.status, Report.location,
            Report.location_key, Report.postcode, Report.house_number,
        )
        .where(Report.id != report.id, Report.purged_at.is_(None), or_(*conditions))
        .order_by(Report.created_at.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    found = []
    for row in rows:
        reasons = []
        if report.location_key and row.location_key == report.location_key:
            reasons.append("adres")
        if report.postcode and report.house_number and (row.postcode, row.house_number) == (
            report.postcode,
            report.house_number,
        ):
            reasons.append("postcode_huisnummer")
        found.append(
            Related(
                report_id=row.id, created_at=row.created_at, theme=row.theme, urgency=row.urgency,
                status=row.status, location=row.location, reasons=reasons, linked=row.id in links,
            )
        )
    return found


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def link(report_id: int, other_id: int, staff: StaffUser) -> ReportLink:
    if report_id == other_id:
        raise LinkError("same_report")
    get_report(report_id)
    try:
        get_report(other_id)
    except LookupError as exc:
        raise LinkError("unknown_report") from exc
    low, high = _pair(report_id, other_id)
    existing = db.session.scalar(select(ReportLink).where(ReportLink.report_id == low, ReportLink.other_id == high))
    if existing is not None:
        raise LinkError("already_linked")
    row = ReportLink(report_id=low, other_id=high, staff_id=staff.id)
    db.session.add(row)
    audit.record(audit.LINK, staff, "report", report_id, {"other_id": other_id})
    db.session.commit()
    return row


def unlink(report_id: int, other_id: int, staff: StaffUser) -> None:
    low, high = _pair(report_id, other_id)
    result = db.session.execute(delete(ReportLink).where(ReportLink.report_id == low, ReportLink.other_id == high))
    if result.rowcount:  # type: ignore[attr-defined]  # DML returns a CursorResult
        audit.record(audit.UNLINK, staff, "report", report_id, {"other_id": other_id})
    db.session.commit()
