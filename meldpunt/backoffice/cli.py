"""Back-office commands: training export, audit verification, outbox delivery and
account administration (the same service functions as the admin pages)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from meldpunt.models import ROLES


def register(app: Flask) -> None:
    app.cli.add_command(export_training)
    app.cli.add_command(verify_audit)
    app.cli.add_command(adopt_legacy_audit)
    app.cli.add_command(deliver_outbox)
    app.cli.add_command(reset_password)
    app.cli.add_command(reset_totp)
    app.cli.add_command(set_role)


@click.command("export-training")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_training(path: str) -> None:
    """Write staff-confirmed triage decisions as JSON Lines for `python -m triage train --extra`."""
    from meldpunt import triage_decisions

    with open(path, "w", encoding="utf-8") as handle:
        count = triage_decisions.export_training(handle, actor="cli export-training")
    click.echo(f"{count} decisions written to {path}.")


@click.command("audit-adopt-legacy")
@with_appcontext
@click.option("--yes", is_flag=True, help="confirm without asking")
def adopt_legacy_audit(yes: bool) -> None:
    """Vouch, once, for audit events written before the chain was keyed (after an upgrade)."""
    from meldpunt import audit

    if not yes:
        click.confirm("Only do this when you know the old events are genuine. Vouch for them?", abort=True)
    try:
        count = audit.adopt_legacy("cli audit-adopt-legacy")
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{count} event(s) from before the keyed chain are now vouched for by the anchor.")


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the hash chain of the audit log and its head against the newest anchor; exits 1 when broken."""
    from meldpunt import audit

    check = audit.verify_chain()
    if check.ok:
        click.echo(f"Audit log intact: {check.checked} events, head {check.head_hash}.")
        if check.anchor is not None:
            click.echo(
                f"Matches the anchor of {check.anchor.at:%Y-%m-%d %H:%M:%S} UTC "
                f"({check.anchor.count} events up to event {check.anchor.id})."
            )
        else:
            click.echo(f"No anchor yet in {audit.anchor_path()}: removal of the newest events cannot be checked.")
        if check.legacy:
            click.echo(f"{check.legacy} event(s) from before the chain was keyed (plain SHA-256).")
        return
    if check.problem == "truncated":
        click.echo(f"Audit log TRUNCATED: {check.description}.", err=True)
    elif check.problem == "anchor_mismatch":
        click.echo(f"Audit log BROKEN: {check.description}.", err=True)
    elif check.problem == "anchor_missing":
        click.echo(f"Audit log NOT VERIFIABLE: {check.checked} events, but {check.description} "
                   f"(expected at {audit.anchor_path()}).", err=True)
    else:
        click.echo(
            f"Audit log BROKEN at event {check.broken_id}: {check.description} "
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
    from meldpunt import staff

    account = staff.find_by_email(email)
    if account is None:
        raise click.ClickException(f"no account for {email}")
    return account


def _admin_call(function, *args):
    from meldpunt import staff_admin
    from meldpunt.extensions import db

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
    from meldpunt import staff_admin

    account = _account(email)
    password = _admin_call(staff_admin.reset_password, account, "cli reset-password")
    click.echo(f"One-time password for {account.email}: {password}")
    click.echo("Open sessions of this account have ended; a new password must be chosen at the next login.")


@click.command("reset-totp")
@with_appcontext
@click.argument("email")
def reset_totp(email: str) -> None:
    """Forget an account's authenticator: it is set up again (QR code) at the next login."""
    from meldpunt import staff_admin

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
    from meldpunt import staff_admin

    account = _account(email)
    _admin_call(staff_admin.change_role, account, "cli set-role", role, route)
    click.echo(f"{account.email} is now {role}{' ' + route if route else ''}.")
