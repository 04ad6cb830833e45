"""The routing page's form: a route per editable theme, notice addresses per partner route.

Built per request from the themes and routes (``RoutingForm`` fields are
``theme_<code>`` and ``partner_<route>``). Choices are checked by
meldpunt/casework/routing_settings.py, which knows the contract, so the messages below
say in plain Dutch what was wrong.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from meldpunt.casework import routing_settings
from meldpunt.labels import ROUTE_LABELS, THEME_LABELS
from meldpunt.staff.blueprint import add_problem

MESSAGES = {
    "unknown_route": _l("Kies een route uit de lijst."),
    "reserved_route": _l(
        "Deze route is alleen voor integriteitsmeldingen en voor doorverwijzen. Kies een partner."
    ),
    "locked": _l("Dit thema heeft een vaste route. Die kan hier niet worden gewijzigd."),
    "too_many": _l("Vul hoogstens %(n)s e-mailadressen in.", n=routing_settings.MAX_ADDRESSES),
    "invalid_address": _l("Vul geldige e-mailadressen in, gescheiden door komma's."),
}


def _theme_field(theme: str) -> SelectField:
    choices: list[Any] = [("", _l("Geen eigen instelling"))]
    choices += [(route, ROUTE_LABELS[route]) for route in routing_settings.CHOOSABLE_ROUTES]
    return SelectField(THEME_LABELS[theme], choices=choices, validate_choice=False, validators=[Optional()])


def _partner_field(route: str) -> StringField:
    return StringField(ROUTE_LABELS[route], validators=[Optional(), Length(max=2000)])


def make_form(overview: routing_settings.Overview) -> FlaskForm:
    """The form, filled with the current database settings (or with what was posted)."""

    class RoutingForm(FlaskForm):
        pass

    data: dict[str, str] = {}
    for row in overview.themes:
        if not row.locked:
            setattr(RoutingForm, f"theme_{row.theme}", _theme_field(row.theme))
            data[f"theme_{row.theme}"] = row.setting or ""
    for partner in overview.partners:
        setattr(RoutingForm, f"partner_{partner.route}", _partner_field(partner.route))
        data[f"partner_{partner.route}"] = ", ".join(partner.setting or [])
    return RoutingForm(data=data)


def _values(form: FlaskForm, prefix: str) -> dict[str, str]:
    return {name[len(prefix) :]: field.data or "" for name, field in form._fields.items() if name.startswith(prefix)}


def theme_values(form: FlaskForm) -> dict[str, str]:
    """Theme code -> the route chosen ("" for no own setting)."""
    return _values(form, "theme_")


def partner_values(form: FlaskForm) -> dict[str, str]:
    """Route code -> the addresses as typed."""
    return _values(form, "partner_")


def add_problems(form: FlaskForm, problems: dict[str, str]) -> list[str]:
    """Put field problems on their fields; returns messages that belong to no field."""
    general = []
    for name, code in problems.items():
        if name in form._fields and code in MESSAGES:
            add_problem(form, name, str(MESSAGES[code]))
        else:
            general.append(code)
    return general
