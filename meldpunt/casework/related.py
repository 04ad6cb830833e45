"""Reports about the same place, so weak signals about one address add up.

Every report's location is stored as several keys (``ReportPlaceKey``, made by
meldpunt/places.py): street + house number, postcode + house number, and the
distinctive words and whole name of a business or place. Candidates share at
least one key with the report and are ranked by how many they share, so
"Kapsalon Figaro, Dorpsstraat 12" lists "kapsalon figaro in Dorpsstraat" (word
and name) above "Dorpsstraat 12" (address only). A name word that more than
``COMMON_KEY_REPORTS`` reports share says nothing about one place (a town, a
chain) and is not used. Reports stored without keys (bulk-loaded demo data)
are still found on the old single key (``Report.location_key``) and on
postcode + house number. Staff decide which candidates really belong together
and link them (``ReportLink``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select

from meldpunt import places
from meldpunt.casework.workflow import get_report
from meldpunt.extensions import db
from meldpunt.models import Report, ReportLink, ReportPlaceKey, StaffUser
from meldpunt.staff import audit
from meldpunt.transactions import unit_of_work

MAX_CANDIDATES = 100
# A name key shared by more reports than this is too common to point at one place.
COMMON_KEY_REPORTS = 100


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
    shared_keys: int = 0  # how many place keys the two reports share


def linked_ids(report_id: int) -> set[int]:
    rows = db.session.execute(
        select(ReportLink.report_id, ReportLink.other_id).where(
            or_(ReportLink.report_id == report_id, ReportLink.other_id == report_id)
        )
    ).all()
    return {b if a == report_id else a for a, b in rows}


def report_keys(report: Report) -> list[str]:
    """The report's place keys, derived afresh from what it holds now."""
    if report.purged_at is not None:
        return []
    return places.keys(report.location, report.postcode)


def _usable(keys: list[str]) -> list[str]:
    """Drop name keys that too many reports share (checked with a bounded count per key)."""
    usable = []
    for key in keys:
        if places.is_name_key(key):
            sample = select(ReportPlaceKey.report_id).where(ReportPlaceKey.key == key).limit(COMMON_KEY_REPORTS + 1)
            if (db.session.scalar(select(func.count()).select_from(sample.subquery())) or 0) > COMMON_KEY_REPORTS:
                continue
        usable.append(key)
    return usable


def _shared(report_id: int, keys: list[str]) -> dict[int, list[str]]:
    """Other reports sharing any of ``keys``: report id -> the shared keys, most shared first."""
    if not keys:
        return {}
    best = (
        select(ReportPlaceKey.report_id)
        .where(ReportPlaceKey.key.in_(keys), ReportPlaceKey.report_id != report_id)
        .group_by(ReportPlaceKey.report_id)
        .order_by(func.count().desc(), ReportPlaceKey.report_id.desc())
        .limit(MAX_CANDIDATES)
    )
    ids = list(db.session.scalars(best))
    if not ids:
        return {}
    found: dict[int, list[str]] = {i: [] for i in ids}
    rows = db.session.execute(
        select(ReportPlaceKey.report_id, ReportPlaceKey.key).where(
            ReportPlaceKey.report_id.in_(ids), ReportPlaceKey.key.in_(keys)
        )
    ).all()
    for other_id, key in rows:
        found[other_id].append(key)
    return found


def _reasons(keys: list[str]) -> list[str]:
    kinds = {places.key_kind(k) for k in keys}
    reasons = []
    # A shared name is shown as "same address or name" (the page's wording for both).
    if kinds & {"adres", "naam"}:
        reasons.append("adres")
    if "postcode_huisnummer" in kinds:
        reasons.append("postcode_huisnummer")
    return reasons


_COLUMNS = (
    Report.id, Report.created_at, Report.theme, Report.urgency, Report.status, Report.location,
    Report.location_key, Report.postcode, Report.house_number,
)


def _legacy_rows(report: Report) -> list:
    """Reports stored without place keys that match the report's single key or postcode + number."""
    legacy = []
    if report.location_key:
        legacy.append(Report.location_key == report.location_key)
    if report.postcode and len(report.postcode) == 6 and report.house_number:
        legacy.append(and_(Report.postcode == report.postcode, Report.house_number == report.house_number))
    if not legacy:
        return []
    no_keys = ~select(ReportPlaceKey.report_id).where(ReportPlaceKey.report_id == Report.id).exists()
    return list(
        db.session.execute(
            select(*_COLUMNS)
            .where(Report.id != report.id, Report.purged_at.is_(None), or_(*legacy), no_keys)
            .order_by(Report.created_at.desc())
            .limit(MAX_CANDIDATES)
        ).all()
    )


def find_related(report: Report) -> list[Related]:
    """Candidates by place (most shared keys first, then newest) plus every linked report."""
    own = report_keys(report)
    shared = _shared(report.id, _usable(own))
    links = linked_ids(report.id)
    wanted = set(shared) | links
    rows = []
    if wanted:
        rows = list(
            db.session.execute(
                select(*_COLUMNS)
                .where(Report.id.in_(wanted), Report.id != report.id, Report.purged_at.is_(None))
                .order_by(Report.created_at.desc())
            ).all()
        )
    # Only where the report has keys itself: a bare street ("Polderweg") has none and matches nothing.
    if own:
        rows += [row for row in _legacy_rows(report) if row.id not in wanted]
    found = []
    for row in rows:
        keys = shared.get(row.id, [])
        reasons = _reasons(keys)
        if not keys:
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
                shared_keys=len(keys) or len(reasons),
            )
        )
    # Linked reports first (staff decided), then by shared keys, then newest.
    found.sort(key=lambda r: (not r.linked, -r.shared_keys, -r.created_at.timestamp(), -r.report_id))
    return found[:MAX_CANDIDATES]


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


@unit_of_work
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


@unit_of_work
def unlink(report_id: int, other_id: int, staff: StaffUser) -> None:
    low, high = _pair(report_id, other_id)
    result = db.session.execute(delete(ReportLink).where(ReportLink.report_id == low, ReportLink.other_id == high))
    if result.rowcount:  # type: ignore[attr-defined]  # DML returns a CursorResult
        audit.record(audit.UNLINK, staff, "report", report_id, {"other_id": other_id})
    db.session.commit()
