"""The one place that draws a chart: server-side SVG from a statistics table.

A chart shows the same cells as its table (``meldpunt.stats.tables.Table``). Every
chart has ``role="img"``, a ``<title>`` and a ``<desc>`` joined by ``aria-labelledby``;
columns and lines have a y-axis with gridlines, bars carry their value as text; series
differ by pattern or dash as well as colour and carry a legend; a figure that has no
value gets its own marker ("–") with its own legend entry. Date labels are thinned so
they never overlap, and group rows are left out where their parts are drawn, so parts
and totals never share one scale. No script, no inline style: presentation attributes
only, so the SVG also prints, downloads and works under the strict content policy.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from meldpunt.stats import display
from meldpunt.stats.tables import Table

INK = "#154273"
PALETTE = ("#154273", "#b35c00", "#2e7d32", "#6a1b9a", "#a3123a", "#00695c", "#5d4037", "#37474f")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4", "12 2")
PATTERNS = ("solid", "hatch", "dots")
WIDTH = 560
FONT = 13
CHAR = 7.2  # average width of a character at FONT, for thinning and wrapping labels
LINE = 16  # distance between the lines of a wrapped label


@dataclass(frozen=True)
class Shape:
    kind: str  # "rect", "line", "text", "polyline", "circle"
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0
    x2: float = 0
    y2: float = 0
    text: str = ""
    fill: str = "none"
    stroke: str = "none"
    dash: str = ""
    anchor: str = "start"
    rotate: bool = False
    points: str = ""
    italic: bool = False


def _nice_step(peak: float, ticks: int = 4) -> float:
    raw = max(peak, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= raw:
            return max(step * power, 1)
    return 10 * power


def _series(table: Table) -> list[tuple[int, str]]:
    return [(i, c.label) for i, c in enumerate(table.columns) if c.chart]


def _rows(table: Table):
    rows = [row for row in table.rows if not row.total]
    if any(row.level for row in rows):
        rows = [row for row in rows if not row.group]  # parts only: never parts and totals together
    return rows


def _description(table: Table, series, rows, missing: bool) -> str:
    parts = [table.chart_description]
    first = series[0][0]
    shown = [(row.label, row.cells[first]) for row in rows if row.cells[first].shown]
    if shown:
        top_label, top_cell = max(shown, key=lambda item: item[1].value)
        parts.append(_("Hoogste waarde: %(label)s, %(value)s.", label=top_label, value=display.cell_text(top_cell)))
    if missing:
        parts.append(_("Een streepje betekent: geen cijfer."))
    parts.append(_("Dezelfde cijfers staan in de tabel bij deze grafiek."))
    return " ".join(p for p in parts if p)


def _draw(table: Table, width: int | None):
    if not table.chart:
        return None
    series = _series(table)
    rows = _rows(table)
    if not series or not rows:
        return None
    width = width or WIDTH
    values = [row.cells[i].value for row in rows for i, _l in series if row.cells[i].shown]
    peak = max([v for v in values if v is not None] + [1])
    missing = any(not row.cells[i].shown for row in rows for i, _l in series)
    legend = [(label, n) for n, (_i, label) in enumerate(series)] if len(series) > 1 else []
    legend_places, legend_height = _legend_layout(legend, width)
    top = 8 + legend_height
    if table.chart == "bars":
        shapes, height = _bars(rows, series, peak, width, top)
    else:
        shapes, height = _time(rows, series, peak, width, top, table.chart == "lines")
    legend_shapes = []
    for (_label, index), (x, y, lines) in zip(legend, legend_places, strict=True):
        colour = PALETTE[index % len(PALETTE)]
        if table.chart == "lines":
            dash = DASHES[index % len(DASHES)]
            legend_shapes.append(Shape("line", x, y + 7, x2=x + 22, y2=y + 7, stroke=colour, dash=dash))
        else:
            legend_shapes.append(Shape("rect", x, y, 16, 14, fill=_fill(index), stroke=INK))
        for k, line in enumerate(lines):
            legend_shapes.append(Shape("text", x + 28, y + 12 + LINE * k, text=line))
    if missing:
        y = height
        legend_shapes.append(Shape("text", 4, y + 14, text="–", anchor="start"))
        legend_shapes.append(Shape("text", 18, y + 14, text=_("geen cijfer")))
        height += 22
    return {
        "width": width,
        "height": height,
        "shapes": legend_shapes + shapes,
        "title": table.caption,
        "description": _description(table, series, rows, missing),
    }


def _wrap(text: str, room: float) -> list[str]:
    """``text`` in lines that fit ``room`` units at FONT (never cut: a long word stands alone)."""
    return textwrap.wrap(text, max(int(room / CHAR), 8), break_long_words=False) or [text]


def _legend_layout(legend, width: int) -> tuple[list[tuple[float, float, list[str]]], float]:
    """(x, y, lines) per legend entry and the legend's height: two columns when every label
    fits half the width, else one column with labels wrapped to the width (charts on a phone
    are drawn narrower, and the labels are translated: Polish and Romanian ones run long)."""
    if not legend:
        return [], 0
    half = width / 2 - 32
    places: list[tuple[float, float, list[str]]]
    if all(len(label) * CHAR <= half for label, _n in legend):
        places = [(4 + (n % 2) * (width / 2), 6.0 + 20 * (n // 2), [label]) for n, (label, _i) in enumerate(legend)]
        return places, 20.0 * math.ceil(len(legend) / 2)
    places, y = [], 6.0
    for label, _index in legend:
        lines = _wrap(label, width - 32 - 4)
        places.append((4.0, y, lines))
        y += 20 + LINE * (len(lines) - 1)
    return places, y - 6


def _fill(index: int) -> str:
    pattern = PATTERNS[index % len(PATTERNS)]
    return PALETTE[0] if pattern == "solid" else f"url(#CHART-{pattern})"


def _bars(rows, series, peak, width: int, top: float):
    """Horizontal bars, the category label above its bars, the value at the end of each bar."""
    shapes: list[Shape] = []
    bar, gap, label_height = 16, 12, 18
    left, right = 4, 70
    usable = width - left - right
    y = top
    for row in rows:
        indent = 14 * row.level
        for line in _wrap(row.label, width - left - indent - 4):
            shapes.append(Shape("text", left + indent, y + 13, text=line))
            y += label_height
        for n, (index, _label) in enumerate(series):
            cell = row.cells[index]
            if cell.shown:
                length = max(usable * cell.value / peak, 1 if cell.value else 0)
                shapes.append(Shape("rect", left + indent, y, length, bar - 2, fill=_fill(n), stroke=INK))
            else:
                length = 0
            shapes.append(Shape("text", left + indent + length + 5, y + bar - 4, text=display.cell_text(cell)))
            y += bar
        y += gap
    return shapes, y + 4


def _time(rows, series, peak, width: int, top: float, lines: bool):
    """Columns or lines over time with a y-axis; date labels thinned so they never overlap."""
    shapes: list[Shape] = []
    count = len(rows)
    step = _nice_step(peak)
    axis_top = step * math.ceil(peak / step)
    longest = max(len(row.short_label or row.label) for row in rows) * CHAR
    left, plot = 48, 200
    # Room on the right for half of the last date label, so it is never cut off.
    right = max(8.0, min(longest / 2 - (width - left) / count / 2 + 4, 60.0))
    baseline = top + plot
    group = (width - left - right) / count
    for k in range(int(axis_top / step) + 1):
        value = k * step
        y = baseline - plot * value / axis_top
        shapes.append(Shape("line", left, y, x2=width - right, y2=y, stroke="#d0d0d0" if k else "#1b1b1b"))
        shapes.append(Shape("text", left - 6, y + 4, text=display.cell_text(_count(value)), anchor="end"))
    every = max(1, math.ceil((longest + 6) / group))
    for r, row in enumerate(rows):
        center = left + r * group + group / 2
        # Every label from the last one backwards: the newest period always has its label.
        if (count - 1 - r) % every == 0:
            shapes.append(Shape("text", center, baseline + 16, text=row.short_label or row.label, anchor="middle"))
    if lines:
        for n, (index, _label) in enumerate(series):
            colour, dash = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
            points = []
            for r, row in enumerate(rows):
                cell = row.cells[index]
                x = left + r * group + group / 2
                if cell.shown:
                    y = baseline - plot * cell.value / axis_top
                    points.append(f"{x:.1f},{y:.1f}")
                    shapes.append(Shape("circle", x, y, 2.5, fill=colour))
                else:
                    if len(points) > 1:
                        shapes.append(Shape("polyline", points=" ".join(points), stroke=colour, dash=dash))
                    points = []
                    shapes.append(Shape("text", x, baseline - 4, text="–", anchor="middle"))
            if len(points) > 1:
                shapes.append(Shape("polyline", points=" ".join(points), stroke=colour, dash=dash))
        return shapes, baseline + 28
    column = max(min((group - 4) / len(series), 28), 2)
    for r, row in enumerate(rows):
        x0 = left + r * group + (group - column * len(series)) / 2
        for n, (index, _label) in enumerate(series):
            cell = row.cells[index]
            x = x0 + n * column
            if cell.shown:
                height = plot * cell.value / axis_top
                width_ = max(column - 1, 1)
                shapes.append(Shape("rect", x, baseline - height, width_, height, fill=_fill(n), stroke=INK))
            else:
                shapes.append(Shape("text", x + column / 2, baseline - 4, text="–", anchor="middle"))
    return shapes, baseline + 28


def _count(value: float):
    from meldpunt.stats.cells import Cell

    return Cell(int(value) if float(value).is_integer() else value)


def render(table: Table, chart_id: str, width: int | None = None) -> Markup:
    """SVG markup for ``table`` (its chart kind), or an empty string when it has none."""
    drawing = _draw(table, width)
    if drawing is None:
        return Markup("")
    # The SVG template is autoescaped (Flask autoescapes .svg; the template uses no |safe), so
    # every caption, label and number passed in is escaped there; its output is markup, not text.
    return Markup(  # noqa: S704  # built from autoescaped template output  # nosec B704
        render_template("stats/chart.svg", chart_id=chart_id, ink=INK, font=FONT, **drawing)
    )


HEADING_CHARS = 70  # characters per heading line at WIDTH and the heading's font size


def standalone(table: Table, source: str = "") -> str:
    """The chart as an SVG file of its own (for presentations and, converted in the
    browser, as PNG). Unlike the chart on the page, which sits under its table's caption,
    a downloaded image travels alone: it carries its caption (what, which period) and
    ``source`` as visible text above the drawing."""
    drawing = _draw(table, None)
    if drawing is None:
        return ""
    lines = textwrap.wrap(table.caption, HEADING_CHARS) or [table.title]
    heading = [(text, True) for text in lines] + ([(source, False)] if source else [])
    offset = 10 + 20 * len(heading)
    drawing = {**drawing, "height": drawing["height"] + offset}
    svg = render_template("stats/chart.svg", chart_id="grafiek", ink=INK, font=FONT,
                          heading=heading, offset=offset, **drawing)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
