"""``flask --app meldpunt …`` commands for setting up and running the meldpunt.

Commands call the same services as the views. The back office, statistics and
jobs packages add their own commands through their ``init_app``.
"""

from __future__ import annotations

import click
from flask import Flask

from meldpunt import demo, staff
from meldpunt.models import ROLES


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)


@click.command("seed-demo")
@click.option("--reports", "count", default=60, show_default=True, help="How many demo reports.")
@click.option("--seed", default=7, show_default=True, help="Random seed, for repeatable data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds reports.")
@click.option("--with-staff/--no-staff", "with_staff", default=True, help="Also create a demo staff account.")
def seed_demo(count: int, seed: int, if_empty: bool, with_staff: bool) -> None:
    """Fill the database with demo reports and print a demo staff login."""
    from flask import current_app

    if current_app.config["ENV"] == "production":
        raise click.ClickException("demo data is for the embedded setup only, not for production")
    if if_empty and demo.has_reports():
        click.echo("The database already holds reports; no demo reports added.")
    else:
        made = demo.seed_reports(count, seed=seed)
        click.echo(f"{made} demo reports created.")
    if with_staff:
        account = demo.ensure_demo_staff()
        click.echo("Demo staff login (role coordinator) for /beheer:")
        click.echo(f"  e-mail:      {account.user.email}")
        click.echo(f"  password:    {account.password}")
        click.echo(f"  TOTP secret: {account.totp_secret}  (add it to an authenticator app)")
        click.echo(f"  TOTP URI:    {account.provisioning_uri}")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--route", default=None, help="Route code, for partner accounts only.")
def create_user(email: str, role: str, route: str | None) -> None:
    """Create a staff account; prints a one-time password and the TOTP secret."""
    try:
        account = staff.create_user(email, role, route)
    except staff.StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Account created for {account.user.email} ({role}{' ' + route if route else ''}).")
    click.echo(f"One-time password: {account.password}")
    click.echo(f"TOTP secret:       {account.totp_secret}")
    click.echo(f"Provisioning URI:  {account.provisioning_uri}")
    click.echo("The password must be changed and TOTP confirmed at the first login.")
