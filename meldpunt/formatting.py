"""Jinja filters: dates, times and numbers the way a reader expects them, in every language.

Times are stored in UTC and shown in Europe/Amsterdam, per locale (English in British
formats: the locale selector picks ``en_GB``).

Numbers that must be read left to right — phone numbers, receipt codes, postcodes, error
references — are isolated from the text around them, in ONE place (this module): on a
right-to-left page the browser's bidirectional algorithm would otherwise reorder their
parts ("0900-8844" next to Arabic text shows as "8844-0900"). Every phone number also
becomes a ``tel:`` link, so a reporter on a phone taps instead of copying digits.

- ``value|ltr`` isolates one value (a code, a reference, a postcode a reporter typed).
- ``text|isolate_numbers`` (or ``{% filter isolate_numbers %}…{% endfilter %}``) finds phone
  numbers, receipt codes and postcodes in translated text or in a rendered block of HTML
  and isolates them; tags, attributes and the text inside links, ``<bdi>``, form fields and
  scripts are left alone, so running it twice changes nothing.
- ``format_date_local`` / ``format_datetime_local``: one format for every moment shown,
  "7 dec 2026 05:46" (day, short month, year, 24-hour time) and its date part "7 dec 2026";
  the ``style`` arguments of older templates are accepted and ignored, so no page drifts back
  to a second format. They return the date isolated in a ``<bdi>``
  whose direction follows its own text (an Arabic date reads right to left, "7 December 2026"
  left to right; neither is reordered by the sentence around it).
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, format_percent, format_timedelta
from markupsafe import Markup, escape

# Dutch phone numbers as the meldpunt writes them: 112, 0900-8844, 0800-7000,
# 088-786 73 72, 033 448 11 86 (and 020-1234567, 06-12345678 in staff messages).
# Not part of a longer number or word; ASCII digits only.
PHONE = r"112|0\d{2,3}-\d{3,4}(?: \d{2,3}){0,3}|0\d{2,3}-\d{6,7}|06-\d{8}|0\d{2,3}(?: \d{2,3}){2,4}"
# A receipt code (K7QM-2XWD-9FHT-R4CP) and a Dutch postcode (1234 AB).
RECEIPT_CODE = r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}"
POSTCODE = r"[1-9]\d{3} ?[A-Z]{2}"
_NUMBERS = re.compile(
    rf"(?<![\w+-])(?:(?P<phone>{PHONE})|(?P<code>{RECEIPT_CODE})|(?P<postcode>{POSTCODE}))(?![\w-])",
    re.ASCII,
)
DATETIME_PATTERN = "d MMM y HH:mm"
DATE_PATTERN = "d MMM y"
# Inside these elements text is left as it is: it is already isolated, or it is not running
# text (form fields, scripts), or it is a figure: a count in a statistics table (``<data>``)
# or a chart (``<svg>``) — 112 reports is no emergency number to call. Inside a link numbers
# are isolated but not linked again.
_SKIP = ("bdi", "textarea", "script", "style", "option", "title", "data", "svg")
_WATCH = ("a", *_SKIP)
_WATCHED_TAG = re.compile(
    r"<\s*/\s*(?P<close>" + "|".join(_WATCH) + r")\s*>|<\s*(?P<open>" + "|".join(_WATCH) + r")\b[^>]*>",
    re.IGNORECASE,
)


def phone_href(number: str) -> str:
    """The ``tel:`` address of a number as written: digits only."""
    return "tel:" + "".join(ch for ch in number if ch.isdigit())


def ltr(value: object) -> Markup:
    """One value that must read left to right, isolated from the text around it."""
    if value is None or value == "":
        return Markup("")
    return Markup('<bdi dir="ltr">%s</bdi>') % value


def receipt_code(value: object) -> Markup:
    """A receipt code isolated left to right, that may wrap only between its groups.

    On a narrow phone the code does not fit on one line: each group (with its dash) is
    kept whole (``.receipt-group`` does not wrap) and ``<wbr>`` allows the line break
    only after a dash, so a reporter never copies "5RE" from a new line as a group.
    """
    if value is None or value == "":
        return Markup("")
    groups = str(value).split("-")
    parts = [
        Markup('<span class="receipt-group">%s</span>') % (group + ("-" if i < len(groups) - 1 else ""))
        for i, group in enumerate(groups)
    ]
    return Markup('<bdi dir="ltr" class="receipt-groups">') + Markup("<wbr>").join(parts) + Markup("</bdi>")


def _isolate(match: re.Match[str], link: bool = True) -> str:
    text = match.group(0)
    if match.group("phone") and link:
        return f'<a href="{phone_href(text)}" class="tel"><bdi dir="ltr">{text}</bdi></a>'
    return f'<bdi dir="ltr">{text}</bdi>'


def isolate_numbers(value: object) -> Markup:
    """Text or rendered HTML with every phone number, receipt code and postcode isolated.

    Plain strings are escaped first; ``Markup`` (translated strings, rendered blocks) is
    taken as HTML. Only text between tags is touched.

    It runs over every rendered page, so it looks for the numbers first (one scan in the
    regex engine; a page holds a handful) and works out only for those where they stand:
    inside a tag (left alone), inside an element whose text is left alone, or inside a
    link (isolated, not linked again). A match cannot cross a tag (no ``<`` or ``>`` in
    it), and the characters around a text part (``>`` and ``<``) pass the pattern's
    edge checks as the part's start and end would, so the result is the same as
    splitting the page into tags and text and substituting in each text part.
    """
    html = str(value) if isinstance(value, Markup) else str(escape(value))
    found = [m for m in _NUMBERS.finditer(html) if not _in_tag(html, m.start())]
    if not found:
        return Markup(html)  # noqa: S704  # nosec B704  # as it came: escaped or Markup
    out: list[str] = []
    done = 0
    open_elements: list[str] = []
    tags = _WATCHED_TAG.finditer(html)
    tag = next(tags, None)
    for match in found:
        # Replay the watched elements opened and closed before this number.
        while tag is not None and tag.start() < match.start():
            _replay(tag, open_elements)
            tag = next(tags, None)
        if any(name in _SKIP for name in open_elements):
            continue
        out.append(html[done:match.start()])
        out.append(_isolate(match, link="a" not in open_elements))
        done = match.end()
    out.append(html[done:])
    # Safe: every text part came escaped (or as Markup) and only gains our own fixed tags
    # around digits and capitals matched above.
    return Markup("".join(out))  # noqa: S704  # nosec B704


def _in_tag(html: str, position: int) -> bool:
    """Whether ``position`` lies inside a tag (``<`` … ``>``) rather than in text."""
    return html.rfind("<", 0, position) > html.rfind(">", 0, position) and html.find(">", position) != -1


def _replay(tag: re.Match[str], open_elements: list[str]) -> None:
    """Keep ``open_elements`` (the watched elements open at this point) up to date."""
    if tag.group("close"):
        name = tag.group("close").lower()
        if name in open_elements:
            del open_elements[len(open_elements) - 1 - open_elements[::-1].index(name)]
    elif not tag.group(0).rstrip().endswith("/>"):
        open_elements.append(tag.group("open").lower())


def format_datetime_local(value: datetime | None, style: str | None = None) -> Markup:
    return Markup("<bdi>%s</bdi>") % format_datetime(value, DATETIME_PATTERN) if value else Markup("")


def format_date_local(value: datetime | None, style: str | None = None) -> Markup:
    return Markup("<bdi>%s</bdi>") % format_datetime(value, DATE_PATTERN) if value else Markup("")


def format_age(value: datetime | None, now: datetime) -> str:
    """How long ago, in words: "3 dagen", "5 uur"."""
    if value is None:
        return ""
    return format_timedelta(now - value, granularity="minute", threshold=1.0)


def format_share(value: float | None) -> str:
    """A share 0..1 as a percentage with one decimal, per locale; a dash when not measurable."""
    return "–" if value is None else format_percent(value, "#,##0.0%")


def register(app: Flask) -> None:
    app.jinja_env.filters["format_datetime_local"] = format_datetime_local
    app.jinja_env.filters["format_date_local"] = format_date_local
    app.jinja_env.filters["format_share"] = format_share
    app.jinja_env.filters["ltr"] = ltr
    app.jinja_env.filters["receipt_code"] = receipt_code
    app.jinja_env.filters["isolate_numbers"] = isolate_numbers
    app.jinja_env.filters["format_age"] = format_age
