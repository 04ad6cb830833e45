"""A new text report's rows in one statement and one round trip (PostgreSQL).

The ORM writes a report as three INSERTs (report, then its triage suggestion and its
first status event, each a round trip) plus the unit-of-work bookkeeping around them,
about a quarter of a submission's time. Here the same rows are written by one
statement of data-modifying CTEs, inside the request's transaction (the caller
commits, so it stays all or nothing):

    WITH new_report AS (INSERT INTO report ... RETURNING id),
         new_suggestion AS (INSERT INTO triage_suggestion ... SELECT id, ... FROM new_report),
         new_place_keys AS (INSERT INTO report_place_key ... FROM new_report, unnest(...))
    INSERT INTO status_event ... SELECT id, ... FROM new_report RETURNING report_id

The rows are exactly the ORM's: every column the ORM would fill from a Python-side
default is filled from the same default here, ``needs_action`` as the ORM listener
sets it, and the place keys as the ``after_insert`` listener writes them (models.py).
Reports with attachments, and every report on SQLite, still go through the ORM
(reports._insert_with_orm); tests compare the two.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import ARRAY, Integer, String, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import TextClause

from meldpunt import places
from meldpunt.extensions import db
from meldpunt.models import Report, ReportPlaceKey, StatusEvent, TriageSuggestion, needs_action


def _defaults(table: Any, given: dict[str, Any]) -> dict[str, Any]:
    """``given`` plus, for every other column with one, the ORM's Python-side default.

    A column neither given nor with a default is left out, as the ORM leaves it out
    (NULL: none of them has a server default); fewer parameters also keep the statement
    within psycopg's cache of converted queries (at most 50 parameters, 4096 characters).
    """
    values = {}
    for column in table.columns:
        if column.primary_key and column.name == "id":
            continue
        if column.name in given:
            values[column.name] = given[column.name]
        elif column.default is None:
            continue
        elif column.default.is_scalar:
            values[column.name] = column.default.arg
        else:  # a callable such as utcnow or list (SQLAlchemy wraps it to take a context)
            values[column.name] = column.default.arg(None)
    return values


@functools.cache
def _statement(report_columns: tuple[str, ...], suggestion_columns: tuple[str, ...], guarded: bool) -> TextClause:
    """The statement for these column lists (always the same ones: built once per process).

    ``guarded``: the report row is only inserted while the routing settings version and the
    active triage model are the ones the suggestion was made with (``expect`` below).
    """
    dialect = postgresql.dialect()
    report, suggestion, event = Report.__table__, TriageSuggestion.__table__, StatusEvent.__table__
    place_key = ReportPlaceKey.__table__

    # Only names of the tables' own columns ever reach the SQL text below (values are parameters).
    if not (set(report_columns) <= set(report.c.keys()) and set(suggestion_columns) <= set(suggestion.c.keys())):
        raise ValueError("unknown column")

    def typed(table: Any, name: str, prefix: str) -> str:
        # Typed explicitly: parameters in a SELECT list have no column to take a type from
        # (in VALUES they take the column's).
        return f"CAST(:{prefix}{name} AS {table.c[name].type.compile(dialect=dialect)})"

    # Table and column names from the metadata, checked above; every value is a parameter.
    if guarded:
        settings = _settings_sql(dialect)
        rows = (
            f"SELECT {', '.join(typed(report, name, 'r_') for name in report_columns)} "  # noqa: S608  # nosec B608
            f"FROM ({settings}) AS settings (version, model_id) "
            "WHERE coalesce(settings.version, 0) = CAST(:known_version AS INTEGER) "
            "AND settings.model_id IS NOT DISTINCT FROM CAST(:known_model AS INTEGER)"
        )
    else:
        rows = f"VALUES ({', '.join(f':r_{name}' for name in report_columns)})"
    sql = (
        f"WITH new_report AS (INSERT INTO {report.name} ({', '.join(report_columns)}) "  # noqa: S608  # nosec B608
        f"{rows} RETURNING id), "
        f"new_suggestion AS (INSERT INTO {suggestion.name} (report_id, {', '.join(suggestion_columns)}) "
        f"SELECT id, {', '.join(typed(suggestion, name, 's_') for name in suggestion_columns)} FROM new_report), "
        f"new_place_keys AS (INSERT INTO {place_key.name} (report_id, key) "
        f"SELECT new_report.id, place_key FROM new_report, unnest(CAST(:place_keys AS VARCHAR[])) AS place_key) "
        f"INSERT INTO {event.name} (report_id, created_at, status) "
        f"SELECT id, {typed(event, 'created_at', 'e_')}, {typed(event, 'status', 'e_')} FROM new_report "
        "RETURNING report_id"
    )
    binds = [bindparam(f"r_{name}", type_=report.c[name].type) for name in report_columns]
    binds += [bindparam(f"s_{name}", type_=suggestion.c[name].type) for name in suggestion_columns]
    binds += [
        bindparam("e_created_at", type_=event.c.created_at.type),
        bindparam("e_status", type_=event.c.status.type),
        bindparam("place_keys", type_=ARRAY(String)),
    ]
    if guarded:
        binds += [bindparam("known_version", type_=Integer()), bindparam("known_model", type_=Integer())]
    return text(sql).bindparams(*binds)


def _settings_sql(dialect: Any) -> str:
    """The intake's settings query (reports.read_settings) as SQL text: its ids are constants."""
    from meldpunt.intake.reports import _settings_query

    return str(_settings_query().compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def insert_report(
    report_values: dict[str, Any], suggestion_values: dict[str, Any], expect: tuple[int, int | None] | None = None
) -> int | None:
    """Insert a new report (no attachments) with its suggestion, status event and place keys;
    the new report's id. Runs in the session's transaction; the caller commits.

    ``expect``: the routing settings version and active model id the suggestion was made
    with. The rows are then only written while both are still current, in the same
    statement, and None (nothing written) says they changed: classify again. This spares
    every report a query of its own for them.
    """
    report = _defaults(Report.__table__, {**report_values, "has_attachments": False})
    # The ORM's before_insert listener (models._keep_needs_action), on the same values.
    row = {**dict.fromkeys(Report.__table__.columns.keys()), **report}
    report["needs_action"] = needs_action(cast(Report, SimpleNamespace(**row)))
    suggestion = _defaults(TriageSuggestion.__table__, suggestion_values)
    suggestion.pop("report_id", None)
    event = _defaults(StatusEvent.__table__, {"status": "nieuw"})
    params: dict[str, Any] = {f"r_{name}": value for name, value in report.items()}
    params.update({f"s_{name}": value for name, value in suggestion.items()})
    params.update(
        e_created_at=event["created_at"],
        e_status=event["status"],
        place_keys=places.keys(report["location"], report["postcode"]),
    )
    if expect is not None:
        params.update(known_version=expect[0], known_model=expect[1])
    statement = _statement(tuple(report), tuple(suggestion), expect is not None)
    report_id = db.session.execute(statement, params).scalar_one_or_none()
    return None if report_id is None else int(report_id)
