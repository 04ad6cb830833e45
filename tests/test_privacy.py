"""No trace of who reported: no address, no user agent, no third-party requests."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from tests import filemakers
from tests.helpers import receipt_code_from, submit

CLIENT_ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "Mozilla/5.0 (SpyPhone; Android 14) UniqueAgentMarker/9.9"


def test_client_address_and_agent_leave_no_trace_under_the_data_dir(app, caplog):
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    client.environ_base.update(
        {"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_USER_AGENT": AGENT, "HTTP_X_FORWARDED_FOR": FORWARDED}
    )
    submit(client, files=[(filemakers.jpeg_with_gps(), "foto.jpg")])
    code = receipt_code_from(client)
    client.post("/opvolgen", data={"code": code})
    client.get("/opvolgen/melding")
    client.get("/bestaat-niet")
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
