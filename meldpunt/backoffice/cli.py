"""Back-office commands: training export, audit verification, outbox delivery."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def register(app: Flask) -> None:
    app.cli.add_command(export_training)
    app.cli.add_command(verify_audit)
    app.cli.add_command(deliver_outbox)


@click.command("export-training")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_training(path: str) -> None:
    """Write staff-confirmed triage decisions as JSON Lines for `python -m triage train --extra`."""
    from meldpunt import triage_decisions

    with open(path, "w", encoding="utf-8") as handle:
        count = triage_decisions.export_training(handle, actor="cli export-training")
    click.echo(f"{count} decisions written to {path}.")


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the hash chain of the audit log; exits 1 when it is broken."""
    from meldpunt import audit

    check = audit.verify_chain()
    if check.ok:
        click.echo(f"Audit log intact: {check.checked} events, head {check.head_hash}.")
        return
    click.echo(
        f"Audit log BROKEN at event {check.broken_id}: {check.problem} "
        f"({check.checked} events before it are intact).",
        err=True,
    )
    raise SystemExit(1)


@click.command("deliver-outbox")
@with_appcontext
def deliver_outbox() -> None:
    """Send due e-mails from the outbox once (the scheduler does this regularly)."""
    from meldpunt import outbox

    run = outbox.deliver_due()
    click.echo(f"{run.sent} sent, {run.failed} failed.")
