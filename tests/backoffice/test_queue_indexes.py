"""The queue's partial indexes (0021_backoffice_indexes) are usable by the queries the queue
really sends: a partial index whose WHERE the query does not imply (``IS true`` against
``IS 1``, a missing ``purged_at IS NULL``) would silently never be used at a million reports."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from meldpunt.casework import queue
from meldpunt.extensions import db
from meldpunt.models import Report

NEW = {
    "ix_report_live_order", "ix_report_live_theme", "ix_report_live_route", "ix_report_live_status",
    "ix_report_live_needs_action", "ix_report_live_awaiting", "ix_report_live_assignee",
}
REPLACED = {
    "ix_report_urgency_created", "ix_report_theme_queue", "ix_report_route_queue",
    "ix_report_needs_action", "ix_report_awaiting", "ix_report_assignee",
}


def _plan(statement) -> str:
    """The database's plan for ``statement``, with sequential scans ruled out on PostgreSQL
    (a test database is small enough that a scan would win; the question is whether the
    index can be used at all)."""
    connection = db.session.connection()
    # Values written into the SQL: the plan is for exactly what the queue sends.
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql).all())
    return "\n".join(str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql).all())


def test_the_migration_replaces_the_queue_indexes(app):
    with app.app_context():
        names = {index["name"] for index in inspect(db.engine).get_indexes("report")}
    assert NEW <= names
    assert not names & REPLACED


@pytest.mark.parametrize(
    "filters, index",
    [
        (queue.QueueFilters(), "ix_report_live_needs_action"),
        (queue.QueueFilters(view="wacht_op_melder"), "ix_report_live_awaiting"),
        # "Nieuw": needs_action or the status index, whichever the planner prefers.
        (queue.QueueFilters(view="nieuw"), "ix_report_live_"),
        (queue.QueueFilters(view="mijn", assignee_id=7), "ix_report_live_assignee"),
        (queue.QueueFilters(status="alle"), "ix_report_live_order"),
        (queue.QueueFilters(status="alle", theme="hennep"), "ix_report_live_theme"),
        (queue.QueueFilters(status="alle", route="riec"), "ix_report_live_route"),
        (queue.QueueFilters(status="afgerond"), "ix_report_live_status"),
    ],
)
def test_each_view_reads_its_partial_index(app, filters, index):
    with app.app_context():
        conditions = queue._conditions(filters)
        ids = queue._ordered(select(Report.id).where(*conditions)).limit(51)
        assert index in _plan(ids)
        capped = select(func.count()).select_from(select(Report.id).where(*conditions).limit(10_001).subquery())
        assert index in _plan(capped) or "ix_report_live" in _plan(capped)
        db.session.rollback()
