"""Routing that coordinators manage: a theme's default route and a partner's notice addresses.

Which setting counts, highest first:

1. the database: what a coordinator set on ``/beheer/routering``
   (``RoutingThemeSetting``, ``PartnerAddressSetting``), every change audited;
2. the municipality's configuration: the routing file ``MELDPUNT_ROUTING_FILE``
   (routes) and ``MELDPUNT_PARTNER_EMAILS`` (addresses);
3. the packaged default ``triage/data/routing.json`` (routes only; there are
   no default addresses).

The triage stays pure: ``meldpunt/routing.py`` builds the routing table from these
layers as a value and caches it per process under a settings version kept in the
database; ``save`` bumps that version in the transaction of the change, so every
worker uses a change from its next request.

Only theme routes can be set here. Escalation to the RIEC, the acute route
and the fixed themes stay as the file and the contract (shared/taxonomy.md)
say: ``integriteit`` always goes to the integrity coordinator and
``geen_ondermijning`` is referred elsewhere, so those two themes cannot be
changed, and no other theme can be sent to either route.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, text

import triage
from meldpunt import routing
from meldpunt.extensions import db
from meldpunt.models import PartnerAddressSetting, RoutingThemeSetting, StaffUser, utcnow
from meldpunt.staff import audit
from triage.routing import RoutingTable
from triage.taxonomy import ROUTES, THEMES

log = logging.getLogger(__name__)

THEME_ACTION = "routing.theme"
PARTNER_ACTION = "routing.partner_addresses"

# Themes whose route the contract fixes (meldpunt/routing.py), and the routes reserved for them.
LOCKED_THEMES = routing.LOCKED_THEMES
RESERVED_ROUTES = frozenset(LOCKED_THEMES.values())
CHOOSABLE_ROUTES = tuple(r for r in ROUTES if r not in RESERVED_ROUTES)
# Routes that get forwarded reports (and so notices): every route but "doorverwijzen".
PARTNER_ROUTES = tuple(r for r in ROUTES if r != "doorverwijzen")
MAX_ADDRESSES = 10
_ADDRESS = re.compile(r"^[^@\s,;<>\"']{1,64}@[^@\s,;<>\"'.]+(\.[^@\s,;<>\"'.]+)+$")
_ADDRESS_SPLIT = re.compile(r"[\s,;]+")
_PG_LOCK_KEY = 0x726F7574  # "rout": serialises saves, so the audited "old" values are right

# Where a value comes from, for the page.
DATABASE, CONFIGURATION, PACKAGE = "database", "configuratie", "standaard"


class SettingsError(ValueError):
    """Input that cannot be saved; ``problems`` maps a field ("theme_hennep") to an error code."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


# --- reading ------------------------------------------------------------------------------


def theme_settings() -> dict[str, RoutingThemeSetting]:
    return {row.theme: row for row in db.session.scalars(select(RoutingThemeSetting))}


def partner_settings() -> dict[str, PartnerAddressSetting]:
    return {row.route: row for row in db.session.scalars(select(PartnerAddressSetting))}


def source_file() -> str | None:
    """The routing file the municipality configured (``MELDPUNT_ROUTING_FILE``), if any."""
    return routing.source_file()


def configured_addresses(route: str) -> list[str]:
    raw = current_app.config.get("PARTNER_EMAILS", {}).get(route)
    if isinstance(raw, list | tuple):
        return [str(a).strip() for a in raw if str(a).strip()]
    return [a for a in _ADDRESS_SPLIT.split(raw or "") if a]


def partner_addresses(route: str) -> list[str]:
    """Where a route's forwarding notices go: the database setting, else the configuration."""
    row = db.session.get(PartnerAddressSetting, route)
    if row is not None:
        return list(row.addresses)
    return configured_addresses(route)


def parse_addresses(raw: str) -> list[str]:
    """``"a@x.nl, b@x.nl"`` (commas, semicolons, spaces or new lines) as a list, duplicates dropped."""
    return list(dict.fromkeys(a.strip().lower() for a in _ADDRESS_SPLIT.split(raw or "") if a.strip()))


@dataclass(frozen=True)
class ThemeRow:
    theme: str
    package_route: str
    file_route: str | None  # only when a routing file is configured
    setting: str | None  # the database setting
    effective: str
    source: str  # DATABASE, CONFIGURATION or PACKAGE
    locked: bool
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class PartnerRow:
    route: str
    configured: list[str]
    setting: list[str] | None
    effective: list[str]
    source: str | None  # DATABASE, CONFIGURATION or None (no address at all)
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass
class Overview:
    themes: list[ThemeRow]
    partners: list[PartnerRow]
    source_file: str | None
    source_error: str | None
    escalate_to_riec: bool
    escalate_from: list[str] = field(default_factory=list)
    acute_route: str | None = None


def _source_table() -> tuple[RoutingTable, str | None]:
    """The configured table (file over package default), or the package default and the file's error."""
    try:
        return routing.configured_table(), None
    except triage.RoutingError as error:
        return triage.build_routing(), str(error)


def overview() -> Overview:
    package = triage.build_routing()
    configured, error = _source_table()
    themes = theme_settings()
    partners = partner_settings()
    names = _staff_names({r.updated_by for r in themes.values()} | {r.updated_by for r in partners.values()})
    theme_rows = []
    for theme in THEMES:
        row = themes.get(theme)
        locked = theme in LOCKED_THEMES or theme in configured.fixed_themes
        setting = row.route if row is not None and not locked else None
        theme_rows.append(
            ThemeRow(
                theme=theme,
                package_route=package.themes[theme],
                file_route=configured.themes[theme] if source_file() else None,
                setting=setting,
                effective=setting or configured.themes[theme],
                source=DATABASE if setting else (CONFIGURATION if source_file() and not error else PACKAGE),
                locked=locked,
                updated_at=row.updated_at if row is not None else None,
                updated_by=names.get(row.updated_by) if row is not None and row.updated_by else None,
            )
        )
    partner_rows = []
    for route in PARTNER_ROUTES:
        prow = partners.get(route)
        configured_list = configured_addresses(route)
        setting_list = list(prow.addresses) if prow is not None else None
        effective = setting_list if setting_list is not None else configured_list
        partner_rows.append(
            PartnerRow(
                route=route,
                configured=configured_list,
                setting=setting_list,
                effective=effective,
                source=DATABASE if prow is not None else (CONFIGURATION if configured_list else None),
                updated_at=prow.updated_at if prow is not None else None,
                updated_by=names.get(prow.updated_by) if prow is not None and prow.updated_by else None,
            )
        )
    return Overview(
        themes=theme_rows,
        partners=partner_rows,
        source_file=source_file(),
        source_error=error,
        escalate_to_riec=configured.escalate_to_riec,
        escalate_from=[r for r in ROUTES if r in configured.escalate_from],
        acute_route=configured.acute_route,
    )


def _staff_names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = db.session.execute(select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_(wanted))).all()
    return {row.id: row.email for row in rows}


def contract_problems(table: RoutingTable, configured: RoutingTable) -> list[str]:
    """What in ``table`` breaks shared/taxonomy.md (an empty list when nothing does)."""
    found = []
    for theme in THEMES:
        route = table.themes.get(theme)
        if route is None:
            found.append(f"no route for theme {theme}")
        elif theme in LOCKED_THEMES and route != LOCKED_THEMES[theme]:
            found.append(f"theme {theme} must go to {LOCKED_THEMES[theme]}")
        elif theme not in LOCKED_THEMES and route in RESERVED_ROUTES and route != configured.themes.get(theme):
            found.append(f"route {route} is reserved; theme {theme} cannot go there")
    # Escalation to the RIEC, the acute route and the fixed themes are never changed here.
    if (table.escalate_to_riec, table.escalate_from, table.acute_route, table.fixed_themes) != (
        configured.escalate_to_riec,
        configured.escalate_from,
        configured.acute_route,
        configured.fixed_themes,
    ):
        found.append("RIEC escalation or acute routing differs from the routing file")
    return found


# --- saving ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: str  # "theme" or "partner"
    code: str
    old: Any
    new: Any


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def validate(
    themes: Mapping[str, str], partners: Mapping[str, str]
) -> tuple[dict[str, str | None], dict[str, list[str] | None], dict[str, str]]:
    """Wanted theme routes and addresses (None: no own setting) and the problems, by field name."""
    problems: dict[str, str] = {}
    configured, _ = _source_table()
    wanted_themes: dict[str, str | None] = {}
    for theme in THEMES:
        value = (themes.get(theme) or "").strip()
        if theme in LOCKED_THEMES or theme in configured.fixed_themes:
            if value and value != configured.themes[theme]:
                problems[f"theme_{theme}"] = "locked"
            continue
        if value and value not in CHOOSABLE_ROUTES:
            problems[f"theme_{theme}"] = "reserved_route" if value in RESERVED_ROUTES else "unknown_route"
            continue
        wanted_themes[theme] = value or None
    wanted_partners: dict[str, list[str] | None] = {}
    for route in PARTNER_ROUTES:
        addresses = parse_addresses(partners.get(route) or "")
        if len(addresses) > MAX_ADDRESSES:
            problems[f"partner_{route}"] = "too_many"
        elif any(len(a) > 254 or not _ADDRESS.match(a) for a in addresses):
            problems[f"partner_{route}"] = "invalid_address"
        else:
            wanted_partners[route] = addresses or None
    return wanted_themes, wanted_partners, problems


def save(staff: StaffUser, themes: Mapping[str, str], partners: Mapping[str, str]) -> list[Change]:
    """Store the routing page's form: one audit event per changed setting and a new settings version.

    ``themes`` maps a theme to a route code ("" for no own setting); ``partners``
    maps a route to its addresses as typed ("" for no own setting). Raises
    SettingsError with a problem per field; then nothing is stored.
    """
    wanted_themes, wanted_partners, problems = validate(themes, partners)
    if problems:
        raise SettingsError(problems)
    _lock()
    now = utcnow()
    changes: list[Change] = []
    current_themes = theme_settings()
    for theme, route in wanted_themes.items():
        row = current_themes.get(theme)
        old = row.route if row is not None else None
        if old == route:
            continue
        if route is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(RoutingThemeSetting(theme=theme, route=route, updated_at=now, updated_by=staff.id))
        else:
            row.route, row.updated_at, row.updated_by = route, now, staff.id
        changes.append(Change("theme", theme, old, route))
    current_partners = partner_settings()
    for route, addresses in wanted_partners.items():
        prow = current_partners.get(route)
        old_list = list(prow.addresses) if prow is not None else None
        if old_list == addresses:
            continue
        if addresses is None:
            db.session.delete(prow)
        elif prow is None:
            db.session.add(PartnerAddressSetting(route=route, addresses=addresses, updated_at=now, updated_by=staff.id))
        else:
            prow.addresses, prow.updated_at, prow.updated_by = addresses, now, staff.id
        changes.append(Change("partner", route, old_list, addresses))
    if not changes:
        db.session.rollback()
        return []
    db.session.flush()
    configured, _ = _source_table()
    for change in changes:
        if change.kind == "theme":
            effective = change.new or configured.themes[change.code]
            audit.record(
                THEME_ACTION, staff, "theme", change.code,
                {"old": change.old, "new": change.new, "effective": effective},
            )
        else:
            audit.record(PARTNER_ACTION, staff, "route", change.code, {"old": change.old, "new": change.new})
    try:
        # Built and checked exactly as the triage will get it: a table that breaks the
        # contract (or a broken routing file) is never stored.
        broken = contract_problems(routing.build(), configured)
        if broken:
            raise SettingsError({"routing": "; ".join(broken)})
        routing.bump_version()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return changes
