"""No trace of who reported: no address, no user agent, no third-party requests."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests import filemakers
from tests.helpers import csrf_token, receipt_code_from, soup, submit

CLIENT_ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "Mozilla/5.0 (SpyPhone; Android 14) UniqueAgentMarker/9.9"


def test_client_address_and_agent_leave_no_trace_under_the_data_dir(app, caplog):
    _leaves_no_trace(app, caplog)


def test_behind_a_trusted_proxy_the_forwarded_address_leaves_no_trace(app_factory, caplog):
    # With MELDPUNT_TRUSTED_PROXIES the forwarded address becomes the client address:
    # still only hashed for the rate limit, never stored or logged.
    _leaves_no_trace(app_factory(TRUSTED_PROXIES=1, RATELIMIT_ENABLED=True), caplog)


def _leaves_no_trace(app, caplog):
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    client.environ_base.update(
        {"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_USER_AGENT": AGENT, "HTTP_X_FORWARDED_FOR": FORWARDED}
    )
    submit(client, files=[(filemakers.jpeg_with_gps(), "foto.jpg")])
    code = receipt_code_from(client)
    # The follow-up path too: open the report with its code and add something to it.
    opened = client.post("/opvolgen", data={"csrf_token": csrf_token(client, "/opvolgen"), "code": code})
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/opvolgen/melding")
    page = client.get("/opvolgen/melding")
    assert page.status_code == 200 and "Stand van zaken" in page.get_data(as_text=True)
    added = client.post(
        "/opvolgen/melding",
        data={"csrf_token": csrf_token(client, "/opvolgen/melding"), "text": "Gisteren weer, rond middernacht."},
    )
    assert added.status_code == 303
    assert "Uw aanvulling is bewaard" in client.get("/opvolgen/melding").get_data(as_text=True)
    assert client.get("/bestaat-niet").status_code == 404
    # Flush SQLite's write-ahead data so the scan sees everything that was written.
    with app.app_context():
        from meldpunt.extensions import db

        db.session.remove()
        db.engine.dispose()
    markers = [CLIENT_ADDRESS.encode(), FORWARDED.encode(), b"UniqueAgentMarker", b"SpyPhone"]
    scanned = 0
    for path in Path(app.config["DATA_DIR"]).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            scanned += 1
            for marker in markers:
                assert marker not in content, f"{marker!r} found in {path}"
    assert scanned >= 3
    log_text = caplog.text
    for marker in (CLIENT_ADDRESS, FORWARDED, "UniqueAgentMarker"):
        assert marker not in log_text


def test_pages_load_nothing_from_other_hosts(client):
    submit(client)
    pages = ["/", "/melden", "/melden/bedankt", "/opvolgen", "/privacy", "/toegankelijkheid"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        external = re.findall(r'(?:src|href|action)\s*=\s*["\'](?:https?:)?//', html)
        assert external == [], path
        assert "@import" not in html


def test_no_template_or_stylesheet_names_another_host():
    root = Path(__file__).resolve().parent.parent
    for folder in ("templates", "static"):
        for path in (root / folder).rglob("*"):
            if path.suffix in {".html", ".css", ".js"}:
                text = path.read_text(encoding="utf-8")
                assert not re.search(r'(?:src|href)\s*=\s*["\']https?://', text), path
                assert not re.search(r"url\(\s*['\"]?https?://", text), path


def test_reporter_pages_are_not_cached(client):
    for path in ("/", "/melden", "/opvolgen", "/privacy"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_privacy_page_says_honestly_what_is_encrypted(client):
    text = " ".join(soup(client.get("/privacy")).get_text().split())
    assert "Alles wat wij bewaren, slaan wij versleuteld op" not in text
    assert "Uw naam, telefoonnummer en e-mailadres en de bijlagen slaan wij versleuteld op" in text
    assert "slaan wij niet versleuteld op" in text


@pytest.mark.parametrize(("days", "wording"), [(180, "180 dagen nadat"), (1, "1 dag nadat"), (730, "730 dagen nadat")])
def test_privacy_page_shows_the_configured_retention_period(app_factory, days, wording):
    client = app_factory(RETENTION_DAYS=days).test_client()
    text = " ".join(soup(client.get("/privacy")).get_text().split())
    assert wording in text
    assert "één jaar" not in text
