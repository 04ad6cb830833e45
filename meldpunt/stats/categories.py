"""The categories shown to people: theme groups, outcome groups, campaigns and the
dimensions a statistics table can be broken down by, with their labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from meldpunt import labels as code_labels
from meldpunt.models import (
    OUTCOMES,
)
from meldpunt.stats.aggregates import (
    DIMENSIONS,
    NOT_ADMISSIBLE,
    UNKNOWN_OUTCOME,
)

# --- categories shown to people ---------------------------------------------------

# The 17 themes in six broad groups: the one place this mapping lives.
THEME_GROUPS: dict[str, tuple[str, ...]] = {
    "drugs": ("hennep", "drugslab", "drugshandel"),
    "uitbuiting": ("mensenhandel", "arbeidsuitbuiting", "criminele_uitbuiting"),
    "geld_vastgoed": ("witwassen", "vastgoed", "fraude", "heling"),
    "geweld": ("afpersing", "wapens_explosieven", "omg"),
    "overig": ("gokken", "milieu", "integriteit"),
    # Not "geen_ondermijning": a group code must differ from every theme code.
    "niet_voor_meldpunt": ("geen_ondermijning",),
}
THEME_GROUP_OF = {theme: group for group, themes in THEME_GROUPS.items() for theme in themes}
THEME_GROUP_LABELS = {
    "drugs": _l("Drugs: teelt, productie en handel"),
    "uitbuiting": _l("Uitbuiting van mensen"),
    "geld_vastgoed": _l("Geld, bedrijven en vastgoed"),
    "geweld": _l("Afpersing, geweld en wapens"),
    "overig": _l("Overige ondermijning"),
    "niet_voor_meldpunt": _l("Geen ondermijning: niet voor het meldpunt"),
}

# Outcomes of closed reports, in two groups: did the report lead to an action?
ACTION = "actie"
NO_ACTION = "geen_actie"
OUTCOME_GROUPS: dict[str, tuple[str, ...]] = {
    ACTION: ("controle_uitgevoerd", "gebruikt_in_onderzoek", "bestuurlijke_maatregel"),
    NO_ACTION: ("geen_vervolg_mogelijk", "doorverwezen", NOT_ADMISSIBLE, UNKNOWN_OUTCOME),
}
OUTCOME_GROUP_OF = {code: group for group, codes in OUTCOME_GROUPS.items() for code in codes}
OUTCOME_GROUP_LABELS = {
    ACTION: _l("Leidde tot actie"),
    NO_ACTION: _l("Leidde niet tot actie"),
}
OUTCOME_STAT_LABELS = {
    **code_labels.OUTCOME_LABELS,
    NOT_ADMISSIBLE: _l("Niet ontvankelijk: niet voor het meldpunt"),
    UNKNOWN_OUTCOME: _l("Afgerond zonder vastgelegde uitkomst"),
}
if not set(OUTCOMES) <= set(OUTCOME_GROUPS[ACTION] + OUTCOME_GROUPS[NO_ACTION]):
    # A raise, not an assert: this import-time consistency check must also run under ``python -O``.
    raise RuntimeError("every report outcome must belong to an outcome group")

# Campaign codes outside the configured list (MELDPUNT_CAMPAIGNS) are counted together: a
# code typed into a link (?c=buurman-piet) must never become a label on a page.
OTHER_CAMPAIGN = "overig"
OTHER_CAMPAIGN_LABEL = _l("Andere code (niet in de lijst van campagnes)")

REPORTER_TYPE_STAT_LABELS = {
    "bewoner": _l("Bewoner of voorbijganger"),
    "ondernemer": _l("Ondernemer"),
    "professional": _l("Vanuit het werk (professional)"),
    "onbekend": _l("Niet opgegeven"),
}


@dataclass(frozen=True)
class Dimension:
    code: str  # as stored in daily_report_stat
    slug: str  # Dutch name in export URLs
    title: Any
    labels: Mapping[str, Any]
    empty_label: Any = _l("Niet ingevuld")
    # Closed lists show every category (also with 0); open lists only those that occur.
    closed: bool = True


DIMENSION_INFO: dict[str, Dimension] = {
    d.code: d
    for d in (
        Dimension(
            "theme_group", "onderwerp-groep", _l("Onderwerp (hoofdgroep)"), THEME_GROUP_LABELS
        ),
        Dimension("theme", "onderwerp", _l("Onderwerp"), code_labels.THEME_LABELS),
        Dimension("urgency", "urgentie", _l("Urgentie"), code_labels.URGENCY_LABELS),
        Dimension(
            "route", "route", _l("Route: naar wie de melding ging"), code_labels.ROUTE_LABELS
        ),
        Dimension("reporter_type", "melder", _l("Soort melder"), REPORTER_TYPE_STAT_LABELS),
        Dimension("place_type", "plaats", _l("Soort plaats"), code_labels.PLACE_TYPE_LABELS),
        Dimension(
            "postcode_area",
            "postcodegebied",
            _l("Postcodegebied (4 cijfers)"),
            {},
            empty_label=_l("Geen postcode opgegeven"),
            closed=False,
        ),
        Dimension(
            "anonymous",
            "anoniem",
            _l("Anoniem of met naam"),
            {"ja": _l("Anoniem"), "nee": _l("Met naam of contactgegevens")},
        ),
        Dimension(
            "attachments",
            "bijlagen",
            _l("Met of zonder bijlagen"),
            {"ja": _l("Met bijlagen"), "nee": _l("Zonder bijlagen")},
        ),
        Dimension(
            "campaign",
            "campagne",
            _l("Campagne (code in de link, ?c=)"),
            {},  # from the configuration: see dimension_labels
            empty_label=_l("Zonder campagnecode"),
        ),
        Dimension(
            "heard_via",
            "bekendheid",
            _l("Hoe kent u het meldpunt?"),
            {k: v for k, v in code_labels.HEARD_VIA_LABELS.items() if k},
        ),
        Dimension(
            "returned",
            "terugkeer",
            _l("Kwam de melder terug met de meldcode?"),
            {"ja": _l("Ja, minstens één keer"), "nee": _l("Nee")},
        ),
        Dimension(
            "outcome_group", "uitkomst-groep", _l("Uitkomst (hoofdgroep)"), OUTCOME_GROUP_LABELS
        ),
        Dimension(
            "outcome", "uitkomst", _l("Uitkomst van afgeronde meldingen"), OUTCOME_STAT_LABELS
        ),
    )
}
BREAKDOWNS = ("theme_group", "theme", *[d for d in DIMENSIONS if d != "theme"])


def dimension_labels(dimension: str) -> Mapping[str, Any]:
    """The categories of a dimension with their labels (campaigns: as configured)."""
    if dimension == "campaign":
        return {**campaign_labels(), OTHER_CAMPAIGN: OTHER_CAMPAIGN_LABEL, "": _l("Zonder campagnecode")}
    return DIMENSION_INFO[dimension].labels


def campaign_labels() -> dict[str, str]:
    """The configured campaign codes and their labels (``MELDPUNT_CAMPAIGNS``)."""
    try:
        return dict(current_app.config.get("CAMPAIGNS") or {})
    except RuntimeError:  # no application context: no campaigns configured
        return {}


def campaign_code(value: str, campaigns: Mapping[str, str]) -> str:
    """A code from the configured list as itself; no code as ""; anything else as "overig"."""
    if value == "" or value in campaigns:
        return value
    return OTHER_CAMPAIGN
