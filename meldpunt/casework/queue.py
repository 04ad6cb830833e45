"""The staff queue: filters, saved views, order (urgent first, then oldest) and the acute panel.

The default ("Te behandelen", status ``open``) is everything that needs a staff
action: new and in-progress reports and, whatever their status, any report with
unread information from the reporter or a partner (``Report.needs_action``,
indexed with the queue order). Open ``acuut`` reports that match the filters are
returned apart from the page and shown above it on every page, so pagination can
never push one out of sight. The total is counted up to ``COUNT_CAP``: past that
the page says "more than 10,000", which costs a bounded scan even at a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, TextClause, and_, func, literal, not_, or_, select, tuple_

from meldpunt.casework import search
from meldpunt.extensions import db
from meldpunt.models import CLOSED_STATUSES, STATUSES, URGENCY_RANK, Report

LOCAL = ZoneInfo("Europe/Amsterdam")
PER_PAGE = 50
# Deep OFFSETs get slow; nobody pages past 10,000 reports (filters and search exist).
MAX_PAGE = 200
ACTIVE = ("nieuw", "in_behandeling")
SNIPPET = 160
COUNT_CAP = 10_000
# Saved views: a name in the URL (?weergave=) that sets a group of filters.
VIEWS = ("nieuw", "mijn", "acuut", "wacht_op_melder", "nieuwe_info")


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
    view: str | None = None  # one of VIEWS
    assignee_id: int | None = None  # set for the view "mijn": the signed-in staff member

    def statuses(self) -> tuple[str, ...] | None:
        if self.status == "open":
            return None  # needs_action: see _conditions
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
    feedback_unread: bool
    awaiting_reporter: bool
    assignee_id: int | None
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
    total: int = 0  # acute panel and list together, counted up to COUNT_CAP (+1 means "more")
    requested_page: int | None = None  # set when the page asked for was past the last one


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(UTC)


def _conditions(filters: QueueFilters) -> list[ColumnElement[bool] | TextClause]:
    conditions: list[ColumnElement[bool] | TextClause] = [Report.purged_at.is_(None)]
    statuses = filters.statuses()
    if filters.status == "open" and filters.view not in ("mijn", "wacht_op_melder"):
        conditions.append(Report.needs_action.is_(True))
    elif filters.status == "open":
        # Not finished: open, or closed with news nobody has read.
        conditions.append(or_(Report.status.not_in(CLOSED_STATUSES), Report.needs_action.is_(True)))
    if filters.view == "nieuw":
        # Untouched: nobody moved it on from "nieuw" or took it yet.
        conditions.append(Report.status == "nieuw")
        conditions.append(Report.assignee_id.is_(None))
    elif filters.view == "mijn":
        conditions.append(Report.assignee_id == (filters.assignee_id or -1))
    elif filters.view == "acuut":
        conditions.append(Report.urgency_rank == 0)
    elif filters.view == "wacht_op_melder":
        conditions.append(Report.awaiting_reporter.is_(True))
    elif filters.view == "nieuwe_info":
        conditions.append(or_(Report.unread_for_staff.is_(True), Report.feedback_unread.is_(True)))
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
        Report.feedback_unread,
        Report.awaiting_reporter,
        Report.assignee_id,
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
    # A Row slice is typed tuple[Any, ...]: mypy cannot see that it holds exactly the 14 leading fields.
    return [
        QueueRow(*row[:14], snippet=row[14] or "", language=row[15] or "nl")  # type: ignore[misc]
        for row in db.session.execute(statement)
    ]


def _page(conditions: list, searching: bool, page: int, per_page: int) -> list[QueueRow]:
    """One page of the list, plus one row to tell whether another page follows.

    The page's ids are found first, from the queue-order index alone (an index-only scan
    on PostgreSQL: no heap row is read for the reports an OFFSET skips), and only those
    rows are then read whole. ``correlate(None)``: the inner query reads ``report`` itself,
    not the outer query's row."""
    ids = (
        _ordered(select(Report.id).where(*conditions), searching)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
        .correlate(None)
    )
    return _rows(_ordered(_select_rows().where(Report.id.in_(ids)), searching))


def _last_page(conditions: list, per_page: int) -> int:
    """The last page that has rows (1 when none has), never past MAX_PAGE."""
    reachable = select(Report.id).where(*conditions).limit(MAX_PAGE * per_page).subquery()
    found = db.session.scalar(select(func.count()).select_from(reachable)) or 0
    return min(MAX_PAGE, max(1, -(-found // per_page)))


def fetch(filters: QueueFilters, page: int = 1, per_page: int = PER_PAGE) -> QueuePage:
    """The acute panel and one page of the list. A page past the last one (an old link, a
    typed number, a list that shrank) shows the last page instead of an empty table, and
    says so through ``requested_page``."""
    conditions = _conditions(filters)
    acute_open = and_(Report.urgency_rank == 0, Report.status.in_(ACTIVE))
    searching = bool(search.clean_query(filters.query))
    acute = _rows(_ordered(_select_rows().where(*conditions, acute_open), searching))
    rest = [*conditions, not_(acute_open)]
    requested = max(1, page)
    page = min(requested, MAX_PAGE)
    rows = _page(rest, searching, page, per_page)
    if not rows and page > 1:
        page = _last_page(rest, per_page)
        rows = _page(rest, searching, page, per_page)
    return QueuePage(
        acute=acute,
        rows=rows[:per_page],
        page=page,
        per_page=per_page,
        has_next=len(rows) > per_page and page < MAX_PAGE,
        filters=filters,
        total=count(conditions),
        requested_page=requested if requested != page else None,
    )


def view_count(view: str) -> int:
    """How many reports a saved view holds without further filters (up to COUNT_CAP + 1)."""
    return count(_conditions(QueueFilters(view=view)))


def count(conditions: list) -> int:
    """How many reports match, up to COUNT_CAP + 1 (the page then says "more than")."""
    capped = select(Report.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(capped)) or 0


def _key_order(statement: Select, backwards: bool = False) -> Select:
    if backwards:
        return statement.order_by(Report.urgency_rank.desc(), Report.created_at.desc(), Report.id.desc())
    return statement.order_by(Report.urgency_rank, Report.created_at, Report.id)


def neighbour(
    filters: QueueFilters, rank: int, created_at: datetime, report_id: int, backwards: bool = False
) -> int | None:
    """The report after (or before) the position (rank, created, id) in the view's order.

    The position is the report's place *before* a decision, so "next" still finds the
    report that followed it when the decision moved it out of the view."""
    # A row-value comparison, not the equivalent OR of three: the database starts a range
    # scan of the queue-order index at the position instead of filtering it from the top.
    key = tuple_(Report.urgency_rank, Report.created_at, Report.id)
    here = tuple_(
        literal(rank, Report.urgency_rank.type),
        literal(created_at, Report.created_at.type),
        literal(report_id, Report.id.type),
    )
    after = key < here if backwards else key > here
    statement = _key_order(select(Report.id).where(*_conditions(filters), after, Report.id != report_id), backwards)
    return db.session.scalar(statement.limit(1))


def first_other(filters: QueueFilters, report_id: int) -> int | None:
    """The top of the view, leaving out ``report_id``: where "next" goes after the last one."""
    statement = _key_order(select(Report.id).where(*_conditions(filters), Report.id != report_id))
    return db.session.scalar(statement.limit(1))
