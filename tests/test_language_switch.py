"""The language switch: remembers the choice and only ever redirects within this site."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/melden", "/melden"),
        ("/opvolgen?", "/opvolgen"),
        ("/melden?c=poster-2026", "/melden?c=poster-2026"),
        ("/privacy#rechten", "/privacy#rechten"),
    ],
)
def test_local_targets_are_followed(client, target, expected):
    response = client.get(f"/taal/en?next={quote(target, safe='')}")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert urlsplit(location).netloc in ("", "meldpunt.test")
    assert location.endswith(expected)
    with client.session_transaction() as session:
        assert session["lang"] == "en"


@pytest.mark.parametrize(
    "raw_target",
    [
        "/%09/evil.example",  # a tab: browsers drop it and read //evil.example
        "/%0d/evil.example",  # a carriage return: was a server error
        "/%0a/evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "//evil.example",
        "///evil.example",
        "/%5Cevil.example",  # /\evil.example: browsers read the backslash as a slash
        "%5C%5Cevil.example",
        "https://evil.example/",
        "https:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "%20//evil.example",
        "/%E3%80%80/evil.example",  # an ideographic space
        "/%00/evil.example",
        "",
    ],
)
def test_other_hosts_and_odd_targets_go_home(client, raw_target):
    response = client.get(f"/taal/en?next={raw_target}")
    assert response.status_code == 303
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", "meldpunt.test")
    assert parts.path == "/"
    assert "evil" not in location


def test_without_next_goes_home(client):
    response = client.get("/taal/pl")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/"


def test_unknown_language_is_not_found(client):
    assert client.get("/taal/xx?next=/melden").status_code == 404
