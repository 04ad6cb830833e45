"""``flask --app meldpunt …`` commands for setting up and running the meldpunt.

Commands call the same services as the views. The staff, casework, jobs and
statistics packages have their own ``cli`` modules; ``create_app`` registers each.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from meldpunt import demo


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(rotate_keys)
    app.cli.add_command(mail_sink)


@click.command("mail-sink")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: MELDPUNT_MAIL_SINK_PORT (8025).")
def mail_sink(host: str, port: int | None) -> None:
    """Run the demo's local SMTP server that keeps messages in the data directory (never in production)."""
    from flask import current_app

    from meldpunt import mailsink

    if current_app.config["ENV"] == "production":
        raise click.ClickException("the mail sink is for the embedded default only, never for production")
    try:
        click.echo(f"Mail sink on {host}:{port or current_app.config['MAIL_SINK_PORT']}, "
                   f"messages in {current_app.config['MAIL_SINK_DIR']}")
        mailsink.serve(current_app.config, host, port)
    except mailsink.SinkRefused as error:
        raise click.ClickException(str(error)) from error


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--reports",
    "count",
    type=int,
    default=None,
    help="A number of reports spread over the past year, instead of the municipality's two years.",
)
@click.option("--years", default=2, show_default=True, help="Years of a mid-sized municipality.")
@click.option("--per-week", default=15.0, show_default=True, help="Reports per week on average.")
@click.option("--seed", default=7, show_default=True, help="Random seed, for repeatable data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds reports.")
@click.option("--with-staff/--no-staff", "with_staff", default=True, help="Also create a demo staff account.")
def seed_demo(
    count: int | None, years: int, per_week: float, seed: int, if_empty: bool, with_staff: bool
) -> None:
    """Fill the database with demo reports (by default two years of a mid-sized municipality),
    bring the statistics up to date and print a demo staff login."""
    from flask import current_app

    from meldpunt.stats import rollup

    if current_app.config["ENV"] == "production":
        raise click.ClickException("demo data is for the embedded setup only, not for production")
    if if_empty and demo.has_reports():
        click.echo("The database already holds reports; no demo reports added.")
    else:
        if count is None:
            made = demo.seed_municipality(years=years, per_week=per_week, seed=seed)
        else:
            made = demo.seed_reports(count, seed=seed)
        result = rollup.rebuild_all()
        click.echo(f"{made} demo reports created; statistics computed, {result.published} periods published.")
    if with_staff:
        for email, role in demo.DEMO_ACCOUNTS:
            account = demo.ensure_demo_staff(email, role)
            click.echo(f"Demo staff login (role {role}) for /beheer:")
            click.echo(f"  e-mail:      {account.user.email}")
            click.echo(f"  password:    {account.password}")
            click.echo(f"  TOTP secret: {account.totp_secret}  (add it to an authenticator app)")
            click.echo(f"  TOTP URI:    {account.provisioning_uri}")


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

    from meldpunt.jobs import key_rotation

    if new_key:
        if current_app.config["ENV"] == "production":
            raise click.ClickException("in production, add the key to MELDPUNT_ENCRYPTION_KEY instead")
        key_rotation.add_key_to_key_file()
        click.echo("A new key was added in front of the key file.")
    summary = key_rotation.rotate_all()
    click.echo(f"Re-encrypted {summary.values} values and {summary.files} files under the newest key.")
    click.echo("Once every worker runs with the new key first, the old keys can be removed.")
