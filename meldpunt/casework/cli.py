"""Casework commands: the export of staff-confirmed triage decisions, and retraining with them."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def register(app: Flask) -> None:
    app.cli.add_command(export_training)
    app.cli.add_command(triage_retrain)


@click.command("export-training")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_training(path: str) -> None:
    """Write staff-confirmed triage decisions as JSON Lines for `python -m triage train --extra`."""
    from meldpunt.casework import triage_decisions

    with open(path, "w", encoding="utf-8") as handle:
        count = triage_decisions.export_training(handle, actor="cli export-training")
    click.echo(f"{count} decisions written to {path}.")


@click.command("triage-retrain")
@with_appcontext
@click.option("--holdout-share", default=0.2, show_default=True, type=click.FloatRange(0.0, 0.9),
              help="Share of the newest staff decisions held out for the comparison.")
@click.option("--min-holdout", default=5, show_default=True, type=click.IntRange(1),
              help="Hold out at least this many decisions.")
def triage_retrain(holdout_share: float, min_holdout: int) -> None:
    """Train a candidate triage model with the staff's decisions; promote it only if it is no worse."""
    from meldpunt.casework import retrain

    try:
        outcome = retrain.retrain(
            "cli triage-retrain", holdout_share=holdout_share, min_holdout=min_holdout, log=click.echo
        )
    except retrain.RetrainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"candidate {outcome.version} compared with {outcome.compared_with} "
               f"(trained on {outcome.trained_on['decisions_trained']} staff decisions, "
               f"{outcome.trained_on['decisions_held_out']} held out)")
    for check in outcome.metrics["checks"]:
        click.echo(f"  {check['set']:<8} {check['metric']:<15} current {check['current']:.3f}  "
                   f"candidate {check['candidate']:.3f}  {'ok' if check['ok'] else 'WORSE'}")
    if outcome.promoted:
        click.echo(f"Promoted: the app now classifies with {outcome.version}.")
    else:
        click.echo(f"Not promoted: the app keeps {outcome.compared_with}. Why:")
        for reason in outcome.reasons:
            if reason.get("code") == "same_version":
                click.echo("  - the candidate is the model in use (nothing new to learn from)")
            else:
                click.echo(f"  - {reason['metric']} on the {reason['set']} set would fall from "
                           f"{reason['current']:.3f} to {reason['candidate']:.3f}")
