"""The one place that draws a chart: server-side SVG from a statistics table.

A chart shows the same cells as its table (``meldpunt.stats.tables.Table``),
with the same suppression: a hidden count gets a short hatched stub of fixed
size and its "<5" or "x" label, never a bar whose length gives the number
away. Every chart has ``role="img"``, a ``<title>`` and a ``<desc>`` joined by
``aria-labelledby``; series differ by pattern as well as colour and carry a
legend, and bars carry their value as text, so colour is never the only
carrier of information. No script, no inline style: presentation attributes
only, so the SVG also prints and works under the strict content policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from meldpunt.stats import display
from meldpunt.stats.suppression import SHOWN, Cell
from meldpunt.stats.tables import Table

# Series styles: a solid fill, a diagonal hatch and a dot pattern.
SERIES_STYLES = ("solid", "hatch", "dots")
INK = "#154273"
WIDTH = 560
FONT = 13


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    style: str
    label: str
    label_x: float
    label_y: float
    label_anchor: str
    suppressed: bool


@dataclass(frozen=True)
class Category:
    label: str
    x: float
    y: float
    anchor: str
    rotate: bool


def _value_text(cell: Cell) -> str:
    return display.cell_text(cell)


def _description(table: Table, series: list[tuple[int, str]], rows) -> str:
    parts = [table.chart_description]
    first = series[0][0]
    shown = [(row.label, row.cells[first]) for row in rows if row.cells[first].shown]
    # The highest of the shown cells is only the highest when no cell is hidden: an "x" may be larger.
    if shown and len(shown) == len(rows):
        top_label, top_cell = max(shown, key=lambda item: item[1].value)
        parts.append(
            _("Hoogste waarde: %(label)s, %(value)s.", label=top_label, value=display.cell_text(top_cell))
        )
    if any(row.cells[i].state != SHOWN for row in rows for i, _label in series):
        parts.append(
            _(
                "Kleine aantallen staan als <5; x is afgeschermd zodat een klein aantal "
                "niet terug te rekenen is."
            )
        )
    parts.append(_("Dezelfde cijfers staan in de tabel bij deze grafiek."))
    return " ".join(p for p in parts if p)


def render(table: Table, chart_id: str, width: int | None = None) -> Markup:
    """SVG markup for ``table`` (its chart kind), or an empty string when it has none.

    ``width`` is the drawing width in SVG units; a narrower drawing keeps the
    text readable where the chart is shown small (the public page on a phone).
    """
    if not table.chart:
        return Markup("")
    series = [(i, column.label) for i, column in enumerate(table.columns) if column.chart]
    rows = [row for row in table.rows if not row.total]
    if not series or not rows:
        return Markup("")
    shown = [row.cells[i].value for row in rows for i, _label in series if row.cells[i].shown]
    peak = max([v for v in shown if v is not None] + [1])
    width = width or WIDTH
    if table.chart == "columns":
        chart = _columns(rows, series, peak, width)
    else:
        chart = _bars(rows, series, peak, width)
    # The SVG template is autoescaped (Flask autoescapes .svg; the template uses no |safe), so
    # every caption, label and number passed in is escaped there; its output is markup, not text.
    return Markup(  # noqa: S704  # built from autoescaped template output  # nosec B704
        render_template(
            "stats/chart.svg",
            chart_id=chart_id,
            title=table.caption,
            description=_description(table, series, rows),
            legend=[
                (label, SERIES_STYLES[n % len(SERIES_STYLES)])
                for n, (_i, label) in enumerate(series)
            ]
            if len(series) > 1
            else [],
            ink=INK,
            font=FONT,
            **chart,
        )
    )


def _bars(rows, series, peak, width: int) -> dict:
    """Horizontal bars, the category label above its bars: long Dutch labels fit."""
    legend_height = 26 if len(series) > 1 else 0
    bar_height, gap, label_height = 16, 12, 18
    left, right = 4, 70
    usable = width - left - right
    y = legend_height + 4
    bars: list[Bar] = []
    categories: list[Category] = []
    for row in rows:
        indent = 14 * row.level
        categories.append(Category(row.label, left + indent, y + 13, "start", False))
        y += label_height
        for n, (index, _label) in enumerate(series):
            cell = row.cells[index]
            style = SERIES_STYLES[n % len(SERIES_STYLES)]
            if cell.shown:
                length = max(usable * cell.value / peak, 1 if cell.value else 0)
                suppressed = False
            else:
                length = 10
                suppressed = True
            bars.append(
                Bar(
                    x=left + indent,
                    y=y,
                    width=length,
                    height=bar_height - 2,
                    style="stub" if suppressed else style,
                    label=_value_text(cell),
                    label_x=left + indent + length + 5,
                    label_y=y + bar_height - 4,
                    label_anchor="start",
                    suppressed=suppressed,
                )
            )
            y += bar_height
        y += gap
    return {"width": width, "height": y + 4, "bars": bars, "categories": categories, "axis": None}


def _columns(rows, series, peak, width: int) -> dict:
    """Vertical columns for a time series, labels under the axis."""
    legend_height = 26 if len(series) > 1 else 0
    count = len(rows)
    rotate = count > 6
    # Rotated labels hang to the left of their column: leave room for the first one.
    top, bottom, left, right = legend_height + 22, 80 if rotate else 30, 60 if rotate else 8, 8
    plot_height = 200
    group = (width - left - right) / count
    column = max(min((group - 4) / len(series), 28), 2)
    value_labels = column >= 16
    bars: list[Bar] = []
    categories: list[Category] = []
    baseline = top + plot_height
    for r, row in enumerate(rows):
        x0 = left + r * group + (group - column * len(series)) / 2
        for n, (index, _label) in enumerate(series):
            cell = row.cells[index]
            style = SERIES_STYLES[n % len(SERIES_STYLES)]
            if cell.shown:
                height = plot_height * cell.value / peak if cell.value else 0
                suppressed = False
            else:
                height = 6
                suppressed = True
            x = x0 + n * column
            bars.append(
                Bar(
                    x=x,
                    y=baseline - height,
                    width=max(column - 1, 1),
                    height=height,
                    style="stub" if suppressed else style,
                    label=_value_text(cell) if (value_labels or suppressed) else "",
                    label_x=x + column / 2,
                    label_y=baseline - height - 4,
                    label_anchor="middle",
                    suppressed=suppressed,
                )
            )
        center = left + r * group + group / 2
        label = row.short_label or row.label
        anchor = "end" if rotate else "middle"
        categories.append(Category(label, center, baseline + 16, anchor, rotate))
    return {
        "width": width,
        "height": baseline + bottom,
        "bars": bars,
        "categories": categories,
        "axis": {"x1": left, "x2": width - right, "y": baseline},
    }
