"""Full-text search over report text, one function per database.

PostgreSQL: the stored ``report.search_vector`` (``to_tsvector('dutch', text)``,
GIN-indexed) matched with ``websearch_to_tsquery('dutch', …)``, so Dutch
stemming finds "hennepplanten" for "hennepplant" and users may write
``"exacte woorden"``, ``-uitsluiten`` or ``of``.
SQLite: the FTS5 table ``report_fts`` (kept in sync by triggers), with every
word of the query required and matched as a prefix (a crude stand-in for
stemming). Both are created in migration 0002_backoffice.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Select, TextClause, literal_column, select, text

from meldpunt.extensions import db
from meldpunt.models import Report

MAX_QUERY = 200
_WORD = re.compile(r"\w+", re.UNICODE)


def clean_query(raw: str | None) -> str:
    # NUL cannot be sent to PostgreSQL in a text parameter (a server error otherwise).
    return (raw or "").replace("\x00", " ").strip()[:MAX_QUERY]


def fts5_query(raw: str) -> str | None:
    """User words as a safe FTS5 expression: each word quoted, prefix-matched, all required."""
    words = _WORD.findall(raw.lower())
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words[:20])


def condition(raw: str | None) -> ColumnElement[bool] | TextClause | None:
    """A WHERE condition on ``Report`` for the search, or None when there is nothing to search."""
    query = clean_query(raw)
    if not query:
        return None
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return text("report.search_vector @@ websearch_to_tsquery('dutch', :fts_query)").bindparams(
            fts_query=query
        )
    expression = fts5_query(query)
    if expression is None:
        # Only punctuation: nothing can match.
        return Report.id.is_(None)
    matches: Select[Any] = select(literal_column("rowid")).select_from(text("report_fts")).where(
        text("report_fts MATCH :fts_query").bindparams(fts_query=expression)
    )
    return Report.id.in_(matches)
