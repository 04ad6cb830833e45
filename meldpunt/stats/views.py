"""Views of the statistics pages. Thin: read the query string, call one service, render.

Two blueprints: "stats" (``/statistiek``, staff with the roles communicatie,
coordinator and admin, checked by ``meldpunt.staff.access``: exact, internal figures)
and the public "results" (``/resultaten``: frozen publications only). The pages never
read a report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import StatRollupState
from meldpunt.staff import access, audit
from meldpunt.staff.blueprint import guard as backoffice_guard
from meldpunt.stats import aggregates, campaigns, charts, csv_export, display, figures, periods, published
from meldpunt.stats import dashboard as internal

bp = Blueprint("stats", __name__, url_prefix="/statistiek")
results_bp = Blueprint("results", __name__)

# The audit action of a statistics export (meldpunt/staff/audit.py holds the other actions).
STATISTICS_EXPORT = "statistics.export"

# The staff pages run the back office's guard: idle timeout, then the one role check.
bp.before_request(backoffice_guard)


def _updated_at():
    return db.session.scalar(select(StatRollupState.finished_at).where(StatRollupState.id == 1))


# A cell's text for people, also inside imported macros (stats/_macros.html).
bp.add_app_template_global(display.cell_text, "cell_text")


@bp.app_context_processor
def stats_helpers() -> dict[str, Any]:
    def has_endpoint(name: str) -> bool:
        return name in current_app.view_functions

    return {"render_chart": charts.render, "has_endpoint": has_endpoint}


def _period() -> tuple[periods.Period, bool]:
    return periods.parse_period(request.args.get("periode"), request.args.get("vanaf"))


def _period_args(period: periods.Period) -> dict[str, str]:
    return {"periode": period.kind, "vanaf": period.start.isoformat()}


def _download(body: str, filename: str, mimetype: str = "text/csv") -> Response:
    return Response(
        body.encode("utf-8"),
        mimetype=mimetype,
        headers={
            "Content-Type": f"{mimetype}; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def _audit_export(name: str, period: periods.Period | None) -> None:
    # Which table of which period: aggregate figures only, so nothing more is recorded.
    details = (
        {"period": period.kind, "from": period.start.isoformat(), "to": period.last_day.isoformat()}
        if period
        else {}
    )
    audit.record_access(
        STATISTICS_EXPORT, current_user._get_current_object(), "statistics_table", name, details
    )


def _shared(key: tuple, template: str, context: Callable[[], dict[str, Any]]) -> Markup:
    """The part of a page that is the same for every visitor, rendered once per language,
    day and rollup (the rollup's token changes whenever the figures do)."""
    today = aggregates.local_today()
    html = figures.cached(
        ("page", template, str(get_locale()), today, *key),
        aggregates.state_token(),
        lambda: render_template(template, **context()),
        pages=True,
    )
    return Markup(html)  # noqa: S704  # rendered by an autoescaped template  # nosec B704


@bp.get("/")
@access.requires(access.STATISTICS)
def dashboard():
    period, understood = _period()
    tables = _shared(
        (period.kind, period.start, period.end),
        "stats/_dashboard_tables.html",
        lambda: {"board": internal.dashboard(period), "period": period, "period_args": _period_args},
    )
    return render_template(
        "stats/dashboard.html",
        tables=tables,
        running=period.start <= aggregates.local_today() < period.end,
        # No link to a period that has not begun: it could only show zeros.
        following=period.following() if period.following().start <= aggregates.local_today() else None,
        period=period,
        understood=understood,
        kinds=periods.PERIOD_KINDS,
        kind_labels=periods.PERIOD_KIND_LABELS,
        period_args=_period_args,
        year_to_date=internal.year_to_date(),
        updated_at=_updated_at(),
    )


@bp.get("/export/<name>.csv")
@access.requires(access.STATISTICS)
def export(name: str):
    period, _understood = _period()
    if name == "alles-lang":
        _audit_export(name, period)
        return _download(
            csv_export.to_long_csv(internal.all_tables(period)),
            f"meldpunt-lang-{period.kind}-{period.start.isoformat()}.csv",
        )
    table = internal.export_table(name, period)
    if table is None:
        abort(404)
    _audit_export(name, period)
    return _download(csv_export.to_csv(table), f"meldpunt-{name}-{period.kind}-{period.start.isoformat()}.csv")


@bp.get("/grafiek/<name>.svg")
@access.requires(access.STATISTICS)
def chart_svg(name: str):
    """One chart of the dashboard as an SVG file, for presentations."""
    period, _understood = _period()
    table = internal.export_table(name, period)
    if table is None or not table.chart:
        abort(404)
    _audit_export(name + ".svg", period)
    made = format_date(aggregates.local_today(), "d MMMM y")
    source = _("Bron: meldpunt ondermijning, %(municipality)s; gemaakt op %(day)s",
               municipality=current_app.config["MUNICIPALITY_NAME"], day=made)
    svg = charts.standalone(table, source)
    return _download(svg, f"meldpunt-{name}-{period.kind}-{period.start.isoformat()}.svg", "image/svg+xml")


@bp.get("/campagnes")
@access.requires(access.STATISTICS)
def campaign_view():
    body = _shared((), "stats/_campaigns.html", lambda: {"views": campaigns.campaign_views()})
    return render_template("stats/campaigns.html", body=body, updated_at=_updated_at())


@bp.get("/factsheet")
@access.requires(access.STATISTICS)
def factsheet_latest():
    year = published.latest_factsheet_year(aggregates.local_today())
    return redirect(url_for("stats.factsheet", year=year), code=303)


@bp.get("/factsheet/<int:year>")
@access.requires(access.STATISTICS)
def factsheet(year: int):
    if not 2000 <= year <= aggregates.local_today().year:
        abort(404)
    return render_template(
        "stats/factsheet.html", sheet=published.factsheet(year), year=year, updated_at=_updated_at()
    )


def _results_context() -> dict[str, Any]:
    quarters = published.public_results()
    return {"quarters": quarters, "summary": published.results_summary_table([q.pub for q in quarters])}


@bp.get("/factsheet/<int:year>.pdf")
@access.requires(access.STATISTICS)
def factsheet_pdf(year: int):
    from meldpunt.stats import factsheet_pdf as pdf  # fpdf2 loads only when a PDF is asked for

    sheet = published.factsheet(year) if 2000 <= year <= aggregates.local_today().year else None
    if sheet is None:
        abort(404)
    _audit_export(f"factsheet-{year}.pdf", None)
    body = pdf.factsheet_pdf(sheet, current_app.config.get("MUNICIPALITY_NAME", ""))
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="factsheet-{year}.pdf"'},
    )


@results_bp.get("/resultaten")
def results():
    body = _shared((), "stats/_results.html", _results_context)
    return render_template("stats/results.html", body=body, updated_at=_updated_at())


@results_bp.get("/resultaten/<int:year>-<int:quarter>/<name>.csv")
def results_export(year: int, quarter: int, name: str):
    """A published quarter's table as CSV: numbers in number columns and a flag column."""
    for result in published.public_results(quarters=400):
        period = result.pub.period
        if (period.start.year, period.quarter) != (year, quarter):
            continue
        for table in result.tables:
            if table.name == name:
                return _download(csv_export.to_publication_csv(table), f"resultaten-{year}-k{quarter}-{name}.csv")
    abort(404)


@results_bp.get("/resultaten/lang.csv")
def results_long():
    """Every published quarter's tables in long format (period, dimension, category, value)."""
    tables = [t for result in published.public_results(quarters=400) for t in result.tables]
    tables.append(published.results_summary_table([r.pub for r in published.public_results(quarters=400)]))
    return _download(csv_export.to_long_csv(tables), "resultaten-lang.csv")
