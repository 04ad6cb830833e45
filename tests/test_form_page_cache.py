"""The empty report form is rendered once per language and address and reused with fresh tokens."""

from __future__ import annotations

import re

import pytest

from meldpunt.intake import form_page
from tests.helpers import GOOD_TEXT, soup

TOKENS = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+|(name="submission_key" value=")[^"]+')


def without_tokens(html: str) -> str:
    return TOKENS.sub(lambda m: (m.group(1) or m.group(2)) + "…", html)


def tokens(html: str) -> tuple[str, str]:
    page = soup_of(html)
    return page.find("input", {"name": "csrf_token"})["value"], page.find("input", {"name": "submission_key"})["value"]


def soup_of(html: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize("language", ["nl", "en", "ar"])
@pytest.mark.parametrize("query", ["", "?c=Actie-Zomer"])
def test_reused_page_is_the_page_a_full_render_gives(app, client, language, query):
    client.get(f"/taal/{language}")
    first = client.get(f"/melden{query}").get_data(as_text=True)
    second = client.get(f"/melden{query}").get_data(as_text=True)
    with app.test_request_context(f"/melden{query}", headers={"Cookie": ""}):
        from flask import session

        session["lang"] = language
        full = form_page._render(form_page.clean_campaign("Actie-Zomer" if query else None), "t", "k")
    assert without_tokens(first) == without_tokens(second) == without_tokens(full)
    assert len(app.extensions["meldpunt_form_pages"]) >= 1
    campaign = soup_of(second).find("input", {"name": "campaign"})
    assert campaign.get("value", "") == ("actie-zomer" if query else "")


def test_every_visitor_gets_own_tokens_that_are_accepted(app):
    first_client, second_client = app.test_client(), app.test_client()
    first = first_client.get("/melden").get_data(as_text=True)
    second = second_client.get("/melden").get_data(as_text=True)
    assert tokens(first)[1] != tokens(second)[1]  # submission keys differ
    for client, page in ((first_client, first), (second_client, second)):
        csrf, key = tokens(page)
        response = client.post(
            "/melden",
            data={"csrf_token": csrf, "submission_key": key, "text": GOOD_TEXT, "place_type": "woning",
                  "ongoing": "ja", "reporter_type": "bewoner", "anonymity": "anoniem",
                  "share_identity": "nee", "email_notice": "nee"},
        )
        assert response.status_code == 303


def test_the_cache_is_bounded(app, client, monkeypatch):
    monkeypatch.setattr(form_page, "MAX_PAGES", 3)
    for n in range(6):
        client.get(f"/melden?c=actie{n}")
    pages = app.extensions["meldpunt_form_pages"]
    assert len(pages) == 3
    assert [path for _, path in pages] == ["/melden?c=actie3", "/melden?c=actie4", "/melden?c=actie5"]


def test_a_form_with_errors_is_never_taken_from_the_cache(app, client):
    client.get("/melden")
    response = client.post("/melden", data={"csrf_token": tokens(client.get("/melden").get_data(as_text=True))[0],
                                            "text": "te kort"})
    assert response.status_code == 422
    assert soup(response).select_one(".error-summary") is not None


def test_wtforms_catalogue_is_not_loaded_again_for_each_post(app, client, monkeypatch):
    from babel import support

    loads = []
    real_load = support.Translations.load

    def counting_load(*args, **kwargs):
        loads.append(kwargs.get("domain") or (args[2] if len(args) > 2 else None))
        return real_load(*args, **kwargs)

    client.post("/melden", data={"text": "te kort"})  # the catalogue of this language is loaded once
    monkeypatch.setattr(support.Translations, "load", counting_load)
    for _ in range(3):
        response = client.post("/melden", data={"text": "te kort"})
        assert response.status_code == 422
    assert "wtforms" not in loads
