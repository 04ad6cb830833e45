"""Words shown to people for the stored codes, all through Babel.

Codes (taxonomy.md) never change; these labels are what translations change.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

THEME_LABELS = {
    "hennep": _l("Hennepteelt"),
    "drugslab": _l("Drugslab of drugsafval"),
    "drugshandel": _l("Drugshandel"),
    "mensenhandel": _l("Mensenhandel (seksuele uitbuiting, smokkel)"),
    "arbeidsuitbuiting": _l("Arbeidsuitbuiting"),
    "criminele_uitbuiting": _l("Criminele uitbuiting van jongeren"),
    "witwassen": _l("Witwassen en dekmantelbedrijven"),
    "vastgoed": _l("Misbruik van vastgoed"),
    "omg": _l("Outlaw motorcycle gang"),
    "gokken": _l("Illegaal gokken"),
    "heling": _l("Heling"),
    "afpersing": _l("Afpersing en intimidatie"),
    "fraude": _l("Fraude"),
    "wapens_explosieven": _l("Wapens en explosieven"),
    "milieu": _l("Milieucriminaliteit"),
    "integriteit": _l("Integriteit van de overheid"),
    "geen_ondermijning": _l("Geen ondermijning"),
}

URGENCY_LABELS = {
    "acuut": _l("Acuut"),
    "hoog": _l("Hoog"),
    "normaal": _l("Normaal"),
    "laag": _l("Laag"),
}

ROUTE_LABELS = {
    "riec": _l("RIEC (samenwerkende partners)"),
    "politie": _l("Politie"),
    "arbeidsinspectie": _l("Nederlandse Arbeidsinspectie"),
    "gemeente_handhaving": _l("Gemeente: toezicht en handhaving"),
    "gemeente_sociaal": _l("Gemeente: sociale dienst en basisregistratie"),
    "belastingdienst": _l("Belastingdienst / FIOD"),
    "kansspelautoriteit": _l("Kansspelautoriteit"),
    "omgevingsdienst": _l("Omgevingsdienst"),
    "integriteit": _l("Integriteitscoördinator"),
    "doorverwijzen": _l("Doorverwijzen (niet voor het meldpunt)"),
}

# "doorverwijzen" sends the reporter elsewhere: no report is forwarded there, so no partner
# works on it and no partner account can belong to it.
NOT_FORWARDABLE = frozenset({"doorverwijzen"})
PARTNER_ROUTE_LABELS = {code: label for code, label in ROUTE_LABELS.items() if code not in NOT_FORWARDABLE}

REPORTER_TYPE_LABELS = {
    "bewoner": _l("Als bewoner of voorbijganger"),
    "ondernemer": _l("Als ondernemer (in of bij mijn bedrijf)"),
    "professional": _l("Vanuit mijn werk (bijvoorbeeld zorg, onderwijs, woningcorporatie)"),
    "onbekend": _l("Zeg ik liever niet"),
}

PLACE_TYPE_LABELS = {
    "woning": _l("Een woning"),
    "bedrijfspand": _l("Een bedrijfspand, winkel of loods"),
    "horeca": _l("Een café, restaurant of andere horeca"),
    "buitengebied": _l("Buitengebied: boerderij, schuur, akker of bos"),
    "haven": _l("Haven, jachthaven of water"),
    "vakantiepark": _l("Vakantiepark of camping"),
    "openbare_ruimte": _l("Straat, park of andere openbare plek"),
    "online": _l("Online (website, app, sociale media)"),
    "onbekend": _l("Weet ik niet / anders"),
}

ONGOING_LABELS = {
    "ja": _l("Ja, het gebeurt nog steeds"),
    "nee": _l("Nee, het is voorbij"),
    "onbekend": _l("Weet ik niet"),
}

HEARD_VIA_LABELS = {
    "": _l("Zeg ik liever niet"),
    "sociale_media": _l("Sociale media"),
    "krant": _l("Krant of huis-aan-huisblad"),
    "website": _l("Website van de gemeente"),
    "poster": _l("Poster, flyer of advertentie"),
    "bijeenkomst": _l("Bijeenkomst of voorlichting"),
    "wijkagent": _l("Wijkagent of handhaver"),
    "bekende": _l("Via iemand die ik ken"),
    "zoekmachine": _l("Zelf gezocht op internet"),
    "anders": _l("Anders"),
}

STATUS_LABELS = {
    "nieuw": _l("Nieuw"),
    "in_behandeling": _l("In behandeling"),
    "doorgestuurd": _l("Doorgestuurd"),
    "afgerond": _l("Afgerond"),
    "niet_ontvankelijk": _l("Niet ontvankelijk"),
}

# How the status reads for the reporter on the follow-up page.
REPORTER_STATUS_TEXT = {
    "nieuw": _l("Uw melding is ontvangen. Een medewerker bekijkt hem zo snel mogelijk."),
    "in_behandeling": _l("Een medewerker van de gemeente is met uw melding bezig."),
    "doorgestuurd": _l(
        "Uw melding is doorgestuurd naar de organisatie die er iets mee kan doen."
    ),
    "afgerond": _l("Uw melding is afgehandeld. Dank u wel voor uw hulp."),
    "niet_ontvankelijk": _l(
        "Uw melding gaat niet over ondermijning. Daarom neemt het meldpunt hem niet in "
        "behandeling. Op de bedankpagina en hieronder leest u waar u wel terecht kunt."
    ),
}

# What the reporter reads on the follow-up page when a report is closed: plain words, only
# as much as may be told (never who was checked or what was found).
REPORTER_OUTCOME_TEXT = {
    "controle_uitgevoerd": _l(
        "Naar aanleiding van uw melding is er een controle gedaan. Wat daarbij is gevonden, mogen wij niet vertellen."
    ),
    "gebruikt_in_onderzoek": _l(
        "Uw informatie is gebruikt in een onderzoek. Over een lopend onderzoek mogen wij niets vertellen."
    ),
    "bestuurlijke_maatregel": _l(
        "De gemeente heeft een maatregel genomen, bijvoorbeeld een waarschuwing of het sluiten van een pand."
    ),
    "geen_vervolg_mogelijk": _l(
        "Er kon nu niets mee worden gedaan, bijvoorbeeld omdat er te weinig aanwijzingen waren. "
        "Uw melding blijft bewaard en kan later helpen als er meer meldingen komen."
    ),
    "doorverwezen": _l("Uw melding is doorgegeven aan een organisatie die er beter over gaat."),
}

OUTCOME_LABELS = {
    "controle_uitgevoerd": _l("Er is een controle uitgevoerd"),
    "gebruikt_in_onderzoek": _l("De informatie is gebruikt in een onderzoek"),
    "bestuurlijke_maatregel": _l("De gemeente heeft een maatregel genomen"),
    "geen_vervolg_mogelijk": _l("Er was (nog) geen vervolg mogelijk"),
    "doorverwezen": _l("De melding is doorverwezen"),
}


def choices(labels: dict) -> list[tuple[str, object]]:
    return list(labels.items())
