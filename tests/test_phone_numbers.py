"""Every phone number a reporter can read is a tappable ``tel:`` link, isolated for
right-to-left pages, on every reporter page in every language (issue 19, item 1).

The pages are rendered in full (the base layout is where the isolation happens); the
thank-you page for every theme, reporter type and urgency, because the advice texts
hold most of the numbers. The visual order on Arabic pages is checked in the real
browser (tests/browser/test_rtl_numbers.py).
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from flask import render_template, session
from markupsafe import Markup

import triage
from meldpunt.formatting import PHONE, isolate_numbers, ltr, phone_href

LANGUAGES = ["nl", "en", "pl", "ro", "tr", "ar"]
STATIC_PAGES = ["/", "/melden", "/opvolgen", "/privacy", "/toegankelijkheid", "/resultaten"]
# A phone number as a reader sees it in any of the languages: Dutch numbers, with a
# hyphen or spaces, and the emergency number. (Deliberately wider than the filter's own
# pattern: a number the filter misses must still be found here.)
ANY_PHONE = re.compile(r"(?<![\w-])(?:112|0\d{1,3}[- ]?\d{2,4}(?:[ -]?\d{2,4}){0,3})(?![\w-])")
PHONE_PATTERN = rf"(?<![\w+-])(?:{PHONE})(?![\w-])"
NOT_RUNNING_TEXT = ("script", "style", "textarea", "option", "title")


def loose_numbers(html: str) -> list[str]:
    """Phone numbers in the text of a page that are not inside a ``tel:`` link."""
    page = BeautifulSoup(html, "html.parser")
    found = []
    for text in page.find_all(string=True):
        parent_names = {p.name for p in text.parents}
        if parent_names & set(NOT_RUNNING_TEXT):
            continue
        link = text.find_parent("a")
        if link is not None and str(link.get("href", "")).startswith("tel:"):
            continue
        found += ANY_PHONE.findall(str(text))
    return found


def tel_links(html: str) -> list[tuple[str, str]]:
    page = BeautifulSoup(html, "html.parser")
    return [(a["href"], a.get_text()) for a in page.select('a[href^="tel:"]')]


def check(html: str, where: str) -> None:
    assert loose_numbers(html) == [], f"{where}: phone numbers that are not tel: links"
    for href, text in tel_links(html):
        # Digits only in the address, the same digits as the reader sees.
        assert re.fullmatch(r"tel:\d+", href), (where, href)
        assert href == phone_href(text), (where, href, text)
    page = BeautifulSoup(html, "html.parser")
    for link in page.select('a[href^="tel:"]'):
        bdi = link.find("bdi")
        assert bdi is not None and bdi.get("dir") == "ltr", (where, str(link))


def in_language(client, language: str) -> None:
    client.get(f"/taal/{language}?next=/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_phone_number_on_the_static_reporter_pages_is_a_tel_link(client, language):
    in_language(client, language)
    links = 0
    for path in STATIC_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        check(html, f"{language} {path}")
        links += len(tel_links(html))
    # The emergency banner and the footer are on every page: 112, the police, Meld Misdaad Anoniem.
    assert links >= 3 * len(STATIC_PAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_phone_number_in_the_advice_is_a_tel_link(app, language):
    themes = [*triage.THEMES, None]
    with app.test_request_context("/melden/bedankt"):
        session["lang"] = language
        for theme in themes:
            for reporter_type in ("bewoner", "ondernemer", "professional"):
                for urgency in ("normaal", "acuut"):
                    receipt = {"code": "K7QM-2XWD-9FHT-R4CP", "theme": theme,
                               "reporter_type": reporter_type, "urgency": urgency}
                    template = f"public/perspectief/{theme}.html" if theme else "public/perspectief/_algemeen.html"
                    html = render_template("public/thanks.html", receipt=receipt, advice_template=template)
                    check(html, f"{language} {theme} {reporter_type} {urgency}")


def test_the_follow_up_page_of_a_report_not_taken_on_links_its_numbers(app):
    with app.test_request_context("/"):
        html = render_template("public/perspectief/_waar_terecht.html")
    # Rendered alone (without the layout) nothing is isolated yet; the layout does it.
    assert loose_numbers(html)
    assert loose_numbers(str(isolate_numbers(html))) == []


def test_the_filter_links_isolates_and_leaves_markup_alone():
    html = isolate_numbers(
        "Bel 0900-8844 of 088-786 73 72, code K7QM-2XWD-9FHT-R4CP, postcode 1234 AB, 112."
    )
    assert '<a href="tel:09008844" class="tel"><bdi dir="ltr">0900-8844</bdi></a>' in html
    assert '<a href="tel:0887867372" class="tel"><bdi dir="ltr">088-786 73 72</bdi></a>' in html
    assert '<a href="tel:112" class="tel"><bdi dir="ltr">112</bdi></a>' in html
    assert '<bdi dir="ltr">K7QM-2XWD-9FHT-R4CP</bdi>' in html
    assert '<bdi dir="ltr">1234 AB</bdi>' in html
    # Idempotent; attributes, form fields and existing links untouched; plain text escaped.
    assert isolate_numbers(html) == html
    untouched = (
        '<input value="0900-8844"><textarea>0900-8844</textarea>'
        '<a href="tel:08007000"><bdi dir="ltr">0800-7000</bdi></a>'
    )
    assert isolate_numbers(Markup('<a href="#postcode">zoals 1234 AB of 0800-7000</a>')) == Markup(
        '<a href="#postcode">zoals <bdi dir="ltr">1234 AB</bdi> of <bdi dir="ltr">0800-7000</bdi></a>'
    )
    assert str(isolate_numbers(Markup(untouched))) == untouched  # noqa: S704
    assert "&lt;b&gt;" in isolate_numbers("<b>0900-8844</b>")
    assert str(ltr("3FA9C1D2")) == '<bdi dir="ltr">3FA9C1D2</bdi>'
    # Numbers staff may write in a message; Arabic-Indic digits are never put in a tel: address.
    assert 'href="tel:0201234567"' in isolate_numbers("bel 020-1234567")
    assert 'href="tel:0612345678"' in isolate_numbers("of 06-12345678")
    assert "<a" not in isolate_numbers("٠٩٠٠-٨٨٤٤")
    # Not phone numbers: amounts, sizes, article numbers, years.
    assert "<a" not in isolate_numbers("Hooguit 5 bestanden, elk 20 MB; artikel 22; EN 301 549; 2026.")


@pytest.mark.parametrize("language", ["en", "pl", "ro", "tr", "ar"])
def test_every_phone_number_survives_translation(language):
    """A translation may reword a sentence, never change the number a reader dials."""
    from tests.test_translations import load

    phone = re.compile(PHONE_PATTERN)
    for message in load(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(phone.findall(source))
        for string in strings:
            assert sorted(phone.findall(string)) == wanted, (language, source)
