"""Free text from reporters: cleaned to plain text, and checked for self-identification."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

from meldpunt import places

_POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})?\s*$")
# The longest free text a reporter can send (a report, or an addition on the follow-up page).
TEXT_MAX = 10_000
# Nested markup needs a pass per level; real text settles after one or two.
_MAX_MARKUP_PASSES = 8
# The elements of HTML (and SVG/MathML roots): only these, a closing tag of one, a comment
# or a doctype count as markup. "<ik maak je af>" or "<AB-12-CD>" is a reporter's text.
_HTML_ELEMENTS = (
    "a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption "
    "center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset "
    "figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i "
    "iframe img input ins kbd label legend li link main map mark marquee math menu meta meter nav "
    "noembed noframes noscript object ol optgroup option output p param picture plaintext pre progress "
    "q rp rt ruby s samp script search section select slot small source span strike strong style sub "
    "summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var "
    "video wbr xmp"
).split()
_NOT_MARKUP = re.compile(
    r"<(?!(?:/?(?:" + "|".join(_HTML_ELEMENTS) + r")(?=[\s/>])|!))",
    re.IGNORECASE,
)


def sanitise(text: str | None, max_length: int | None = None) -> str:
    """Plain text only: markup removed, Unicode normalised, control characters dropped.

    Templates escape on output as well; this makes sure no markup is stored at all.
    """
    if not text:
        return ""
    # Lone surrogates cannot be stored in UTF-8 databases; replace rather than fail.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Control characters go first: the HTML parser would turn them into "?".
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"}
    )
    # Decode entities first, so markup typed as "&lt;script&gt;" is stripped like real markup.
    # clean_content_tags=set(): the words inside <script> or <style> are what the reporter
    # typed, so they stay (as text); only the markup goes.
    text = _strip_markup(text).strip()
    if max_length is not None:
        text = text[:max_length]
    return text


def _strip_markup(text: str) -> str:
    """HTML markup removed until none is left; anything else in angle brackets kept.

    Only real HTML elements and comments count as markup: a reporter who writes
    "hij riep <ik maak je af>" or "kenteken <AB-12-CD>" keeps those words (they are
    evidence), and output escaping shows them safely. One pass is not enough: inside
    ``<script>`` the HTML parser reads everything as raw text, so "&lt;script&gt;" typed
    four times keeps three tags after one pass. Each pass decodes entities (markup typed
    as "&lt;b&gt;" is stripped like real markup), protects every "<" that does not open
    an HTML element or comment, drops the tags but keeps the words inside them
    (``clean_content_tags=set()``: what a reporter typed inside <script> or <style> is
    still their text) and undoes nh3's HTML escaping, because we store text, not HTML.
    """
    for _ in range(_MAX_MARKUP_PASSES):
        protected = _NOT_MARKUP.sub("&lt;", html.unescape(text))
        cleaned = html.unescape(
            nh3.clean(protected, tags=set(), attributes={}, strip_comments=True, clean_content_tags=set())
        )
        if cleaned == text:
            return cleaned
        text = cleaned
    # Still changing after many passes: deliberately nested markup. Drop the brackets.
    return text.replace("<", "").replace(">", "")


def visible_length(text: str) -> int:
    """Characters a reader sees: no spaces and no invisible format characters (zero-width
    space, direction marks), so thirty zero-width spaces do not make a report."""
    return sum(1 for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def clean_text(text: str | None) -> str:
    """A reporter's free text exactly as it is stored: the one cleaning that the forms
    validate against (a text made only of markup is empty once cleaned) and that the
    services apply before storing."""
    return sanitise(text, TEXT_MAX)


def normalise_postcode(value: str | None) -> tuple[str | None, str | None]:
    """``("1234AB", "1234")`` from what was typed, or ``(None, None)``."""
    if not value:
        return None, None
    match = _POSTCODE.match(value)
    if not match:
        return None, None
    digits, letters = match.group(1), (match.group(2) or "").upper()
    return (digits + letters if letters else digits), digits


def is_valid_postcode(value: str) -> bool:
    match = _POSTCODE.match(value)
    return match is not None and not match.group(1).startswith("0")


def location_key(location: str | None) -> tuple[str | None, str | None]:
    """The main normalised key (``"dorpsstraat 12a"``) and the house number of a location.

    The street and number when the location names one ("Kapsalon Figaro,
    Dorpsstr. 12a" gives ``"dorpsstraat 12a"``), otherwise the whole location in
    lower case with accents folded and spaces collapsed. Related reports are
    found on several keys per report (meldpunt/places.py); this one is kept on
    the report itself.
    """
    if not location:
        return None, None
    place = places.parse(location)
    number = place.numbers[0] if place.numbers else None
    if place.addresses:
        street, house = place.addresses[0]
        return f"{street} {house}"[:120], house
    folded = unicodedata.normalize("NFKD", location.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = re.sub(r"[^\w\s-]", " ", folded)
    folded = re.sub(r"\s+", " ", folded).strip()
    return folded[:120] or None, number
