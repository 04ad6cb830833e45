"""Job commands: the scheduler process, single runs of a job, and outbox delivery."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from meldpunt.jobs import scheduler


def register(app: Flask) -> None:
    scheduler.register_cli(app)
    app.cli.add_command(deliver_outbox)


@click.command("deliver-outbox")
@with_appcontext
def deliver_outbox() -> None:
    """Send due e-mails from the outbox once (the scheduler does this regularly)."""
    from meldpunt import outbox

    run = outbox.deliver_due()
    click.echo(f"{run.sent} sent, {run.failed} failed.")
