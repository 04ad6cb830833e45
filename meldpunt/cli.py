"""``flask --app meldpunt …`` commands for setting up and running the meldpunt.

Commands call the same services as the views. The back office, statistics and
jobs packages add their own commands through their ``init_app``.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from meldpunt import demo, staff
from meldpunt.models import ROLES


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    from meldpunt import jobs

    jobs.register_cli(app)
    app.cli.add_command(rotate_keys)


@click.command("seed-demo")
@with_appcontext
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
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--route", default=None, help="Route code, for partner accounts only.")
def create_user(email: str, role: str, route: str | None) -> None:
    """Create a staff account; prints a one-time password (the authenticator is set up at first sign-in)."""
    try:
        account = staff.create_user(email, role, route)
    except staff.StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Account created for {account.user.email} ({role}{' ' + route if route else ''}).")
    click.echo(f"One-time password: {account.password}")
    click.echo("At the first sign-in the password must be changed and an authenticator app set up")
    click.echo("(its secret is made then, and shown only on that page).")


@click.command("rotate-keys")
@with_appcontext
@click.option(
    "--new-key",
    is_flag=True,
    help="Embedded setup only: first add a fresh key to the generated key file.",
)
def rotate_keys(new_key: bool) -> None:
    """Re-encrypt contact details, attachments and TOTP secrets under the newest key."""
    from flask import current_app

    from meldpunt import key_rotation

    if new_key:
        if current_app.config["ENV"] == "production":
            raise click.ClickException("in production, add the key to MELDPUNT_ENCRYPTION_KEY instead")
        key_rotation.add_key_to_key_file()
        click.echo("A new key was added in front of the key file.")
    summary = key_rotation.rotate_all()
    click.echo(f"Re-encrypted {summary.values} values and {summary.files} files under the newest key.")
    click.echo("Once every worker runs with the new key first, the old keys can be removed.")
