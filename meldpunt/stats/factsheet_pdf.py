"""The factsheet of a published year as a PDF, for the council and the press.

Drawn with fpdf2 (pure Python on top of Pillow and fontTools, which the project already
has; actively maintained; no system libraries, unlike WeasyPrint's Pango, and no browser):
the same published figures and tables as the factsheet page, each with a bar chart.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF

from meldpunt.stats import display
from meldpunt.stats.published import Factsheet
from meldpunt.stats.tables import Table

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
INK = (21, 66, 115)


def _pdf() -> tuple[FPDF, str]:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(18, 16, 18)
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():  # a font with every character of the labels
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return pdf, "DejaVu"
    return pdf, "Helvetica"


def _text(value: str, family: str) -> str:
    if family != "Helvetica":
        return value
    # The PDF core fonts know Latin-1 only: a dash becomes a hyphen, the rest is kept if it fits.
    return value.replace("–", "-").replace("’", "'").encode("latin-1", "replace").decode("latin-1")


def _table(pdf: FPDF, family: str, table: Table) -> None:
    pdf.set_font(family, "B", 10)
    pdf.multi_cell(0, 6, _text(table.caption, family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    if table.rows:
        widths = (80,) + (90 / len(table.columns),) * len(table.columns)
        align = ("LEFT",) + ("RIGHT",) * len(table.columns)
        with pdf.table(col_widths=widths, text_align=align, first_row_as_headings=True, line_height=5) as out:
            header = out.row()
            for label in (table.row_header, *(c.label for c in table.columns)):
                header.cell(_text(label, family))
            for row in table.rows:
                line = out.row()
                line.cell(_text(row.label, family))
                for cell in row.cells:
                    line.cell(_text(display.cell_text(cell), family))
    for note in table.notes:
        pdf.multi_cell(0, 5, _text(note, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _chart(pdf: FPDF, family: str, table: Table) -> None:
    """Horizontal bars for the first charted column, the value written at the end of each bar
    (the same drawing rule as the SVG charts: parts only, never together with their total)."""
    index = next((i for i, c in enumerate(table.columns) if c.chart), None)
    rows = [row for row in table.rows if not row.total and not row.group]
    if index is None or not rows:
        return
    values = [row.cells[index].value if row.cells[index].shown else None for row in rows]
    peak = max([v for v in values if v is not None] + [1])
    pdf.set_font(family, "", 8)
    left, label_width, usable = pdf.l_margin, 62, 90
    for row, value in zip(rows, values, strict=True):
        y = pdf.get_y()
        pdf.set_xy(left, y)
        pdf.cell(label_width, 5, _text((row.short_label or row.label)[:48], family))
        if value is not None:
            pdf.set_fill_color(*INK)
            pdf.rect(left + label_width, y + 1, max(usable * value / peak, 0.3), 3.2, style="F")
        pdf.set_xy(left + label_width + (usable * (value or 0) / peak) + 2, y)
        pdf.cell(20, 5, _text(display.cell_text(row.cells[index]), family))
        pdf.set_xy(left, y + 5)
    pdf.ln(2)


def factsheet_pdf(sheet: Factsheet, municipality: str) -> bytes:
    pdf, family = _pdf()
    pdf.set_title(_("Jaarcijfers %(year)s: melden heeft zin", year=sheet.year))
    pdf.set_author(municipality)
    pdf.set_lang("nl")
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font(family, "", 10)
    pdf.cell(0, 6, _text(f"{_('Meldpunt ondermijning')} · {municipality}", family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 18)
    pdf.multi_cell(0, 9, _text(_("Jaarcijfers %(year)s: melden heeft zin", year=sheet.year), family),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    key_figures = [
        (_("Meldingen binnengekomen"), sheet.received),
        (_("Meldingen afgerond"), sheet.closed),
        (_("Afgerond met een actie"), sheet.action_share),
        (_("Eerste actie binnen (mediaan)"), sheet.first_action_median),
        (_("Afgerond binnen (mediaan)"), sheet.closing_median),
        (_("Meldformulier geopend"), sheet.views),
        (_("Keer teruggekomen met meldcode"), sheet.followups),
    ]
    pdf.set_font(family, "B", 12)
    pdf.cell(0, 8, _text(_("In het kort"), family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    with pdf.table(col_widths=(110, 60), text_align=("LEFT", "RIGHT"), first_row_as_headings=False,
                   line_height=6) as out:
        for label, cell in key_figures:
            line = out.row()
            line.cell(_text(label, family))
            line.cell(_text(display.cell_text(cell), family))
    pdf.ln(2)
    # The comparison with the year before, or plainly why there is none (as on the page).
    if sheet.received_before.shown:
        compared = _(
            "Meldingen binnengekomen in %(year)s: %(count)s (verandering: %(change)s).",
            year=sheet.year - 1,
            count=display.cell_text(sheet.received_before),
            change=display.cell_text(sheet.received_change),
        )
    else:
        compared = sheet.no_comparison
    for line_text in (compared, sheet.partial_year, sheet.correction):
        if line_text:
            pdf.multi_cell(0, 5, _text(line_text, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for table in (sheet.quarterly, *sheet.tables):
        if table.rows and table.chart:
            _chart(pdf, family, table)
        _table(pdf, family, table)
    pdf.set_font(family, "", 8)
    pdf.multi_cell(
        0,
        4,
        _text(
            _(
                "Kleine groepen tellen we samen op en een verdeling van minder dan %(n)s meldingen tonen "
                "we niet, zodat niemand een melder kan herkennen. Deze cijfers zijn gepubliceerd en "
                "veranderen niet meer.",
                n=sheet.pub.threshold,
            ),
            family,
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
