"""Property-based: arbitrary input never causes a server error or a half-stored report."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from meldpunt.extensions import db
from meldpunt.models import Report, StatusEvent, TriageSuggestion
from tests.helpers import csrf_token

FIELDS = [
    "text", "location", "postcode", "place_type", "occurred", "ongoing", "reporter_type",
    "heard_via", "campaign", "anonymity", "name", "email", "phone", "share_identity",
    "email_notice", "confirm_anyway", "upload_token", "keep_files", "files_shown",
]
# Any Unicode a browser can send (lone surrogates cannot be encoded by any client;
# broken UTF-8 bytes are sent raw in test_broken_utf8_is_handled below).
any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300
) | st.sampled_from(["", " ", "\x00", "\u202e", "x" * 12_000, "<script>alert(1)</script>" * 3])
form_data = st.lists(st.tuples(st.sampled_from(FIELDS), any_text), max_size=25)

ALLOWED = {200, 303, 400, 422}


def _consistent(app) -> None:
    with app.app_context():
        reports = db.session.scalar(select(func.count()).select_from(Report))
        suggestions = db.session.scalar(select(func.count()).select_from(TriageSuggestion))
        with_event = db.session.scalar(select(func.count(func.distinct(StatusEvent.report_id))))
        assert reports == suggestions == with_event


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=form_data, valid_text=st.booleans())
def test_report_form_never_fails(app, client, pairs, valid_text):
    data = MultiDict(pairs)  # duplicated and missing fields included
    data["csrf_token"] = csrf_token(client)
    if valid_text:
        data.setlist("text", ["Er wordt 's nachts van alles uitgeladen bij de loods, al weken lang."])
    response = client.post("/melden", data=data, content_type="multipart/form-data")
    assert response.status_code in ALLOWED, response.status_code
    _consistent(app)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.sampled_from(["code", "csrf_token", "x"]), any_text), max_size=6))
def test_receipt_lookup_never_fails(client, pairs):
    data = MultiDict(pairs)
    data["csrf_token"] = csrf_token(client, "/opvolgen")
    response = client.post("/opvolgen", data=data)
    assert response.status_code in {303, 422}


def test_broken_utf8_is_handled(app, client):
    token = csrf_token(client)
    body = (
        b"csrf_token=" + token.encode() + b"&text=" + b"%FF%FE%C3%28 kapotte tekst van een melder " * 2
        + b"&anonymity=anoniem&place_type=woning&reporter_type=bewoner&ongoing=ja"
        + b"&share_identity=nee&email_notice=nee"
    )
    response = client.post("/melden", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in ALLOWED
    _consistent(app)
