"""CSV for spreadsheets and BI tools: numbers in number columns, ISO dates.

Two shapes: a table as on the page (``to_csv``: one row per line of the table, with a
flag column per figure where a publication withholds a value), and the long format
(``to_long_csv``: one line per period, dimension, category and value).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _

from meldpunt.stats.cells import HOURS, PERCENT, Cell
from meldpunt.stats.tables import Table

BOM = "\ufeff"


def _number(cell: Cell) -> str:
    """Digits with a decimal point (ISO, for every spreadsheet and BI tool); empty when none."""
    value = cell.number
    if value is None:
        return ""
    if cell.kind == PERCENT:
        return f"{value:.1f}"
    return str(int(value))


def _writer(out: io.StringIO):
    return csv.writer(out, delimiter=",", lineterminator="\r\n")


def to_csv(table: Table) -> str:
    """UTF-8 with BOM, comma-separated; the first column is the row's key (an ISO date for a
    period, a category code), then its label, then one number column per figure."""
    out = io.StringIO()
    out.write(BOM)
    writer = _writer(out)
    writer.writerow(
        [
            "sleutel",
            table.row_header,
            *(c.label + (_(" (uren)") if c.kind == HOURS else "") for c in table.columns),
        ]
    )
    for row in table.rows:
        writer.writerow([row.key, row.label, *(_number(cell) for cell in row.cells)])
    return out.getvalue()


def to_publication_csv(table: Table) -> str:
    """A publication's table: number columns plus a flag column saying why a row has no value."""
    out = io.StringIO()
    out.write(BOM)
    writer = _writer(out)
    # Column names are fixed (not translated): a BI tool reads them by name.
    writer.writerow(["periode_start", "sleutel", table.row_header, "aantal", "aandeel", "vlag"])
    start = table.period.start.isoformat() if table.period else ""
    if not table.rows:
        writer.writerow([start, "", table.title, "", "", table.status])
    for row in table.rows:
        writer.writerow([start, row.key, row.label, *(_number(c) for c in row.cells[:2]), ""])
    return out.getvalue()


def long_rows(tables: Iterable[Table]) -> Iterable[tuple[str, str, str, str, str]]:
    """(period start, dimension, category, measure, value) for every figure of ``tables``."""
    for table in tables:
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                if cell.number is None:
                    continue
                if table.name.startswith("trend-"):  # months by category
                    period, category = row.key, column.key
                elif table.dimension == "periode":  # a series of periods, and their total
                    total = row.total and table.period is not None
                    period = table.period.start.isoformat() if total and table.period else row.key
                    category = "totaal" if row.total else ""
                else:  # categories of one period
                    period = table.period.start.isoformat() if table.period else ""
                    category = row.key
                yield period, table.dimension or table.name, category, f"{table.name}:{column.key}", _number(cell)


def to_long_csv(tables: Iterable[Table]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = _writer(out)
    writer.writerow(["periode", "dimensie", "categorie", "maat", "waarde"])
    for line in long_rows(tables):
        writer.writerow(line)
    return out.getvalue()
