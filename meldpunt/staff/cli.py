"""Staff commands: account creation and administration, audit verification (the same service
functions as the admin pages)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from meldpunt.models import ROLES
from meldpunt.staff import accounts as staff


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(verify_audit)
    app.cli.add_command(adopt_legacy_audit)
    app.cli.add_command(audit_anchor_setup)
    app.cli.add_command(reset_password)
    app.cli.add_command(reset_totp)
    app.cli.add_command(set_role)


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


@click.command("audit-adopt-legacy")
@with_appcontext
@click.option("--yes", is_flag=True, help="confirm without asking")
def adopt_legacy_audit(yes: bool) -> None:
    """Vouch, once, for audit events written before the chain was keyed (after an upgrade)."""
    from meldpunt.staff import audit

    if not yes:
        click.confirm("Only do this when you know the old events are genuine. Vouch for them?", abort=True)
    try:
        count = audit.adopt_legacy("cli audit-adopt-legacy")
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{count} event(s) from before the keyed chain are now vouched for by the anchor.")


@click.command("verify-audit")
@with_appcontext
@click.option("--log-head", "log_head", default=None, metavar="LINE",
              help="Also check a head from the central log: its 'count=N id=N hash=H' line.")
def verify_audit(log_head: str | None) -> None:
    """Check the hash chain of the audit log and its head against the newest anchor; exits 1 when broken."""
    from meldpunt.staff import anchor, audit

    logged = None
    if log_head is not None:
        try:
            logged = anchor.parse_logged_head(log_head)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--log-head") from error
    check = audit.verify_chain(logged=logged)
    if check.ok:
        click.echo(f"Audit log intact: {check.checked} events, head {check.head_hash}.")
        if check.anchor is not None:
            click.echo(
                f"Matches the anchor of {check.anchor.at:%Y-%m-%d %H:%M:%S} UTC "
                f"({check.anchor.count} events up to event {check.anchor.id}; {check.where})."
            )
        else:
            click.echo(f"No anchor yet ({check.where}): removal of the newest events cannot be checked.")
        if logged is not None:
            click.echo(f"Holds the logged head ({logged.count} events up to event {logged.id}).")
        if check.legacy:
            click.echo(f"{check.legacy} event(s) from before the chain was keyed (plain SHA-256).")
        for weakness in anchor.store().weaknesses():
            click.echo(f"Warning: {weakness}.", err=True)
        return
    if check.problem == "truncated":
        click.echo(f"Audit log TRUNCATED: {check.description}.", err=True)
    elif check.problem in ("anchor_mismatch", "anchor_broken"):
        click.echo(f"Audit log BROKEN: {check.description}.", err=True)
    elif check.problem == "anchor_missing":
        click.echo(f"Audit log NOT VERIFIABLE: {check.checked} events, but {check.description} "
                   f"(expected: {check.where}).", err=True)
    else:
        click.echo(
            f"Audit log BROKEN at event {check.broken_id}: {check.description} "
            f"({check.checked} events before it are intact).",
            err=True,
        )
    raise SystemExit(1)


@click.command("audit-anchor-setup")
@with_appcontext
@click.option("--role", required=True, help="Name of the new insert-only role, e.g. meldpunt_anchor.")
@click.option("--admin-url", default=None,
              help="A superuser's (or the database owner's) URL for this database; default: the app's own.")
@click.option("--password", default=None, help="The role's password (none: certificate or peer sign-in).")
@click.option("--sql", "print_sql", is_flag=True, help="Only print the SQL, for a DBA to run with psql.")
def audit_anchor_setup(role: str, admin_url: str | None, password: str | None, print_sql: bool) -> None:
    """Give the shared audit anchor (table audit_anchor) its own insert-only role (ADR 0010)."""
    from sqlalchemy import text

    from meldpunt.extensions import db
    from meldpunt.staff import anchor

    try:
        if print_sql:
            app_role = db.session.scalar(text("SELECT current_user"))
            database = db.session.scalar(text("SELECT current_database()"))
            for statement in anchor.setup_statements(role, app_role, database, password or "<password>"):
                click.echo(statement + ";")
            return
        app_role, _ = anchor.run_setup(admin_url or db.engine.url.render_as_string(hide_password=False),
                                       role, password)
    except Exception as error:  # noqa: BLE001 - a database refusal is the operator's to read
        raise click.ClickException(str(error).splitlines()[0]) from error
    click.echo(f"Role {role} may now insert into and read audit_anchor, and nothing else; "
               f"{app_role} may only read it.")
    click.echo("Give every app node MELDPUNT_AUDIT_ANCHOR_DATABASE_URL with this role, e.g. "
               f"postgresql+psycopg://{role}:…@host/{db.engine.url.database}")


# --- accounts ----------------------------------------------------------------------------

_ADMIN_ERRORS = {
    "self_deactivate": "an account cannot switch itself off",
    "last_admin": "that would leave no active admin account",
    "unknown_role": f"unknown role; choose one of {', '.join(ROLES)}",
    "route_required": "a partner account needs --route",
    "unknown_route": "unknown route code",
    "route_not_allowed": "only partner accounts are bound to a route",
    "unchanged": "the account already has that role and route",
}


def _account(email: str):
    from meldpunt.staff import accounts as staff

    account = staff.find_by_email(email)
    if account is None:
        raise click.ClickException(f"no account for {email}")
    return account


def _admin_call(function, *args):
    from meldpunt.extensions import db
    from meldpunt.staff import admin as staff_admin

    try:
        return function(*args)
    except staff_admin.AdminError as exc:
        db.session.rollback()
        raise click.ClickException(_ADMIN_ERRORS.get(str(exc), str(exc))) from exc


@click.command("reset-password")
@with_appcontext
@click.argument("email")
def reset_password(email: str) -> None:
    """Give an account a new one-time password (printed once); it must be changed at the next login."""
    from meldpunt.staff import admin as staff_admin

    account = _account(email)
    password = _admin_call(staff_admin.reset_password, account, "cli reset-password")
    click.echo(f"One-time password for {account.email}: {password}")
    click.echo("Open sessions of this account have ended; a new password must be chosen at the next login.")


@click.command("reset-totp")
@with_appcontext
@click.argument("email")
def reset_totp(email: str) -> None:
    """Forget an account's authenticator: it is set up again (QR code) at the next login."""
    from meldpunt.staff import admin as staff_admin

    account = _account(email)
    _admin_call(staff_admin.reset_totp, account, "cli reset-totp")
    click.echo(f"Authenticator of {account.email} reset; it is set up again at the next login.")


@click.command("set-role")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--route", default=None, help="Route code, for partner accounts only.")
def set_role(email: str, role: str, route: str | None) -> None:
    """Change an account's role (and a partner account's route)."""
    from meldpunt.staff import admin as staff_admin

    account = _account(email)
    _admin_call(staff_admin.change_role, account, "cli set-role", role, route)
    click.echo(f"{account.email} is now {role}{' ' + route if route else ''}.")
