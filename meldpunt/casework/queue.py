"""The staff queue: filters, order (urgent first, then oldest) and the acute panel.

Open ``acuut`` reports that match the filters are returned apart from the page
and shown above it on every page, so pagination can never push one out of
sight. Pages are not counted: counting a selective filter over a million rows
costs more than the page itself, so a page only knows whether another follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, TextClause, and_, func, not_, select

from meldpunt.casework import search
from meldpunt.extensions import db
from meldpunt.models import STATUSES, URGENCY_RANK, Report

LOCAL = ZoneInfo("Europe/Amsterdam")
PER_PAGE = 50
# Deep OFFSETs get slow; nobody pages past 10,000 reports (filters and search exist).
MAX_PAGE = 200
ACTIVE = ("nieuw", "in_behandeling")
SNIPPET = 160


@dataclass
class QueueFilters:
    status: str = "open"  # "open" (nieuw + in_behandeling), "alle" or a status code
    theme: str | None = None
    urgency: str | None = None
    route: str | None = None
    review: bool | None = None
    date_from: date | None = None
    date_to: date | None = None
    postcode_area: str | None = None
    has_attachments: bool | None = None
    reporter_type: str | None = None
    query: str | None = None

    def statuses(self) -> tuple[str, ...] | None:
        if self.status == "open":
            return ACTIVE
        if self.status in STATUSES:
            return (self.status,)
        return None  # alle


@dataclass(frozen=True)
class QueueRow:
    id: int
    created_at: datetime
    status: str
    theme: str
    urgency: str
    route: str
    review: bool
    has_attachments: bool
    postcode_area: str | None
    reporter_type: str
    unread: bool
    snippet: str
    language: str = "nl"  # of the report text: the snippet's lang attribute (WCAG 3.1.2)


@dataclass
class QueuePage:
    acute: list[QueueRow]
    rows: list[QueueRow]
    page: int
    per_page: int
    has_next: bool = False
    filters: QueueFilters = field(default_factory=QueueFilters)


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(UTC)


def _conditions(filters: QueueFilters) -> list[ColumnElement[bool] | TextClause]:
    conditions: list[ColumnElement[bool] | TextClause] = [Report.purged_at.is_(None)]
    statuses = filters.statuses()
    if statuses:
        conditions.append(Report.status.in_(statuses) if len(statuses) > 1 else Report.status == statuses[0])
    if filters.theme:
        conditions.append(Report.theme == filters.theme)
    if filters.urgency:
        # The rank, not the code: it leads the queue-order indexes.
        conditions.append(Report.urgency_rank == URGENCY_RANK.get(filters.urgency, -1))
    if filters.route:
        conditions.append(Report.route == filters.route)
    if filters.review is not None:
        conditions.append(Report.review.is_(filters.review))
    if filters.date_from:
        conditions.append(Report.created_at >= local_day_start(filters.date_from))
    if filters.date_to:
        conditions.append(Report.created_at < local_day_start(filters.date_to + timedelta(days=1)))
    if filters.postcode_area:
        conditions.append(Report.postcode_area == filters.postcode_area)
    if filters.has_attachments is not None:
        conditions.append(Report.has_attachments.is_(filters.has_attachments))
    if filters.reporter_type:
        conditions.append(Report.reporter_type == filters.reporter_type)
    found = search.condition(filters.query)
    if found is not None:
        conditions.append(found)
    return conditions


def _select_rows() -> Select:
    return select(
        Report.id,
        Report.created_at,
        Report.status,
        Report.theme,
        Report.urgency,
        Report.route,
        Report.review,
        Report.has_attachments,
        Report.postcode_area,
        Report.reporter_type,
        Report.unread_for_staff,
        func.substr(Report.text, 1, SNIPPET),
        Report.language,
    )


def _ordered(statement: Select, searching: bool = False) -> Select:
    if searching:
        # Matches come from the full-text index; "+ 0" keeps the planner from walking
        # the queue-order index hoping to meet matches early (slow for rarer words).
        return statement.order_by(Report.urgency_rank + 0, Report.created_at, Report.id)
    return statement.order_by(Report.urgency_rank, Report.created_at, Report.id)


def _rows(statement: Select) -> list[QueueRow]:
    # A Row slice is typed tuple[Any, ...]: mypy cannot see that it holds exactly the 11 leading fields.
    return [
        QueueRow(*row[:11], snippet=row[11] or "", language=row[12] or "nl")  # type: ignore[misc]
        for row in db.session.execute(statement)
    ]


def fetch(filters: QueueFilters, page: int = 1, per_page: int = PER_PAGE) -> QueuePage:
    conditions = _conditions(filters)
    acute_open = and_(Report.urgency_rank == 0, Report.status.in_(ACTIVE))
    searching = bool(search.clean_query(filters.query))
    acute = _rows(_ordered(_select_rows().where(*conditions, acute_open), searching))
    rest = [*conditions, not_(acute_open)]
    page = min(max(1, page), MAX_PAGE)
    rows = _rows(_ordered(_select_rows().where(*rest), searching).limit(per_page + 1).offset((page - 1) * per_page))
    return QueuePage(
        acute=acute,
        rows=rows[:per_page],
        page=page,
        per_page=per_page,
        has_next=len(rows) > per_page and page < MAX_PAGE,
        filters=filters,
    )
