"""CSV for spreadsheets: a table's cells, suppressed exactly as on the page."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from meldpunt.stats.suppression import HOURS
from meldpunt.stats.tables import Table


def to_csv(table: Table) -> str:
    """UTF-8 with BOM and semicolons, as Dutch Excel opens it; suppressed as in the page."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([table.caption])
    writer.writerow(
        [
            table.row_header,
            *(c.label + (_(" (uren)") if c.kind == HOURS else "") for c in table.columns),
        ]
    )
    for row in table.rows:
        writer.writerow([row.label, *(cell.csv for cell in row.cells)])
    writer.writerow([])
    writer.writerow(
        [
            _(
                "<5 = 1 tot en met 4, niet precies gepubliceerd; x = afgeschermd zodat een "
                "klein aantal niet terug te rekenen is"
            )
        ]
    )
    for note in table.notes:
        writer.writerow([note])
    return out.getvalue()
