"""The code lists of the triage contract (../shared/taxonomy.md).

These strings are stored in the database, shown in statistics and used by every
evaluation, so they never change. Labels shown to people live in the web app's
translations, never here.
"""

from __future__ import annotations

THEMES: tuple[str, ...] = (
    "hennep",
    "drugslab",
    "drugshandel",
    "mensenhandel",
    "arbeidsuitbuiting",
    "criminele_uitbuiting",
    "witwassen",
    "vastgoed",
    "omg",
    "gokken",
    "heling",
    "afpersing",
    "fraude",
    "wapens_explosieven",
    "milieu",
    "integriteit",
    "geen_ondermijning",
)

# Ordered from most to least urgent; the order is used for sorting queues.
URGENCIES: tuple[str, ...] = ("acuut", "hoog", "normaal", "laag")

ROUTES: tuple[str, ...] = (
    "riec",
    "politie",
    "arbeidsinspectie",
    "gemeente_handhaving",
    "gemeente_sociaal",
    "belastingdienst",
    "kansspelautoriteit",
    "omgevingsdienst",
    "integriteit",
    "doorverwijzen",
)

REPORTER_TYPES: tuple[str, ...] = ("bewoner", "ondernemer", "professional", "onbekend")

PLACE_TYPES: tuple[str, ...] = (
    "woning",
    "bedrijfspand",
    "horeca",
    "buitengebied",
    "haven",
    "vakantiepark",
    "openbare_ruimte",
    "online",
    "onbekend",
)
