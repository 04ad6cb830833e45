"""Helpers for request tests of the reporter path."""

from __future__ import annotations

import io
import uuid

import pytest
from bs4 import BeautifulSoup

GOOD_TEXT = (
    "In de loods achter Polderweg 14 staan sinds een maand de ramen afgeplakt en ik hoor "
    "dag en nacht ventilatoren zoemen. Er hangt een sterke wietlucht."
)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csrf_token(client, path: str = "/melden") -> str:
    page = soup(client.get(path))
    field = page.find("input", {"name": "csrf_token"})
    assert field is not None, f"no csrf token on {path}"
    return field["value"]


def form_values(response) -> dict[str, str]:
    """The values a re-rendered form holds, as the browser would send them back."""
    page = soup(response)
    values: dict[str, str] = {}
    for element in page.select("form#report-form input, form#report-form textarea, form#report-form select"):
        name = element.get("name")
        if not name:
            continue
        if element.name == "textarea":
            values[name] = element.text
        elif element.name == "select":
            chosen = element.find("option", selected=True)
            values[name] = chosen["value"] if chosen else ""
        elif element.get("type") in ("radio", "checkbox"):
            if element.has_attr("checked"):
                values.setdefault(name, element.get("value", ""))
        elif element.get("type") != "file":
            values[name] = element.get("value", "")
    return values


def report_data(client, **fields) -> dict:
    data = {
        "csrf_token": csrf_token(client),
        "text": GOOD_TEXT,
        "location": "Polderweg 14",
        "postcode": "3311 AB",
        "place_type": "bedrijfspand",
        "occurred": "afgelopen maand",
        "ongoing": "ja",
        "reporter_type": "bewoner",
        "anonymity": "anoniem",
        "share_identity": "nee",
        "email_notice": "nee",
        "heard_via": "",
        "website": "",
    }
    data.update(fields)
    return data


def file_part(data: bytes, name: str):
    return (io.BytesIO(data), name)


def submit(client, files=None, **fields):
    data = report_data(client, **fields)
    if files:
        data["files"] = [file_part(content, name) for content, name in files]
    return client.post("/melden", data=data, content_type="multipart/form-data")


def receipt_code_from(client) -> str:
    page = soup(client.get("/melden/bedankt"))
    code = page.select_one(".receipt-code strong")
    assert code is not None, "no receipt code on the thank-you page"
    return code.text.strip()


# Runs a test once on each attachment store (meldpunt/storage/): the ``app`` fixture
# takes the store as its parameter. Unmarked tests use the configured default
# (filesystem on SQLite, database on PostgreSQL).
both_stores = pytest.mark.parametrize("app", ["filesystem", "database"], indirect=True)


def stored_blobs(app) -> dict[str, bytes]:
    """Every stored attachment's encrypted bytes by storage name, in the app's store."""
    from meldpunt import storage

    with app.app_context():
        store = storage.attachment_store()
        return {name: store.get(name) for name in sorted(store.names())}


def pending_count(app) -> int:
    """How many upload sets wait under a token, in the app's store."""
    from meldpunt import storage

    with app.app_context():
        return len(list(storage.pending_store().tokens()))


# Flask-Limiter keeps the first key prefix its (process-wide) extension object was given,
# whatever a later app's config says; every test that counts keys in the shared test Redis
# uses this one prefix per test process, so it finds the keys its apps wrote.
RATELIMIT_TEST_PREFIX = f"meldpunt-test-{uuid.uuid4().hex[:8]}"
