"""Casework commands: the export of staff-confirmed triage decisions for training."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def register(app: Flask) -> None:
    app.cli.add_command(export_training)


@click.command("export-training")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_training(path: str) -> None:
    """Write staff-confirmed triage decisions as JSON Lines for `python -m triage train --extra`."""
    from meldpunt.casework import triage_decisions

    with open(path, "w", encoding="utf-8") as handle:
        count = triage_decisions.export_training(handle, actor="cli export-training")
    click.echo(f"{count} decisions written to {path}.")
