"""``flask --app meldpunt rollup-stats``: rebuild or update the statistics aggregates."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask
from flask.cli import with_appcontext

from meldpunt.stats import rollup


def register(app: Flask) -> None:
    app.cli.add_command(rollup_stats)


@click.command("rollup-stats")
@click.option("--incremental", is_flag=True, help="Only the days changed since the previous run.")
@click.option(
    "--from",
    "day_from",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Recompute from this day (YYYY-MM-DD).",
)
@click.option(
    "--to",
    "day_to",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Recompute up to and including this day.",
)
@with_appcontext
def rollup_stats(incremental: bool, day_from, day_to) -> None:
    """Rebuild the statistics from the report table (by default: everything)."""
    first: date | None = day_from.date() if day_from else None
    last: date | None = day_to.date() if day_to else None
    if first or last:
        result = rollup.rollup(first, last)
    elif incremental:
        result = rollup.rollup()
    else:
        result = rollup.rebuild_all()
    kind = "rebuilt" if result.full else "recomputed"
    click.echo(f"Statistics {kind}: {result.days} days, {result.rows} aggregate rows written.")
