"""Rate limits keyed by a salted, rotating client key — never a stored address."""

from __future__ import annotations

import io
import os

import pytest

from tests.helpers import RATELIMIT_TEST_PREFIX, csrf_token

REDIS_URL = os.environ.get("MELDPUNT_TEST_REDIS_URL")
ADDRESS = "192.0.2.44"


def _hammer_lookups(app, times: int) -> list[int]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    token = csrf_token(client, "/opvolgen")
    return [
        client.post("/opvolgen", data={"csrf_token": token, "code": "AAAA-BBBB-CCCC-DDDD"}).status_code
        for _ in range(times)
    ]


def test_client_key_is_salted_and_not_the_address(app):
    from meldpunt.ratelimit_key import anonymous_client_key

    with app.test_request_context(environ_base={"REMOTE_ADDR": ADDRESS}):
        key = anonymous_client_key()
        assert ADDRESS not in key and len(key) == 24
        assert anonymous_client_key() == key
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.45"}):
        assert anonymous_client_key() != key


def test_rotating_the_salt_unlinks_keys(app, monkeypatch):
    from meldpunt import ratelimit_key

    with app.test_request_context(environ_base={"REMOTE_ADDR": ADDRESS}):
        before = ratelimit_key.anonymous_client_key()
        monkeypatch.setitem(ratelimit_key._local, "born", -10 * ratelimit_key.SALT_LIFETIME_SECONDS)
        assert ratelimit_key.anonymous_client_key() != before


def test_rate_limited_form_keeps_the_text(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    from tests.helpers import GOOD_TEXT, report_data

    statuses = []
    for _ in range(11):
        statuses.append(client.post("/melden", data=report_data(client)).status_code)
    assert statuses[:10] == [303] * 10 and statuses[-1] == 429
    data = report_data(client)
    response = client.post("/melden", data=data)
    assert response.status_code == 429
    assert GOOD_TEXT in response.get_data(as_text=True)


@pytest.mark.skipif(not REDIS_URL, reason="MELDPUNT_TEST_REDIS_URL is not set (CI sets it)")
def test_limits_are_shared_through_redis_without_addresses():
    import redis

    from tests.conftest import make_app

    prefix = RATELIMIT_TEST_PREFIX
    client = redis.Redis.from_url(REDIS_URL)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        config = {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": prefix,
        }
        # Two app instances stand for two gunicorn workers sharing one Redis.
        first = make_app(folder, f"sqlite:///{folder}/db.sqlite3", **config)
        second = make_app(folder, f"sqlite:///{folder}/db.sqlite3", **config)
        from tests.conftest import migrate_to_head

        migrate_to_head(first)
        assert _hammer_lookups(first, 6) == [422] * 6
        assert _hammer_lookups(second, 5)[-1] == 429
        keys = [k.decode() for k in client.keys(f"*{prefix}*")]
        assert keys, "the limiter stored nothing in Redis"
        assert not any(ADDRESS in k for k in keys)
        assert client.ttl("meldpunt:ratelimit-salt") > 0
        for key in keys:
            assert client.ttl(key) > 0
            client.delete(key)


def _lookups_from(app, forwarded_for: str | None, times: int, proxy: str = "10.0.0.5") -> list[int]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = proxy
    if forwarded_for is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    token = csrf_token(client, "/opvolgen")
    return [
        client.post("/opvolgen", data={"csrf_token": token, "code": "AAAA-BBBB-CCCC-DDDD"}).status_code
        for _ in range(times)
    ]


def test_behind_a_trusted_proxy_each_reporter_has_their_own_limit(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)
    # The proxy appends the address it saw; anything before it came from the client.
    assert _lookups_from(app, "198.51.100.7", 11)[-1] == 429
    # Another reporter behind the same proxy is not blocked by the first one.
    assert _lookups_from(app, "198.51.100.8", 3) == [422] * 3
    # A reporter cannot escape the limit by sending their own X-Forwarded-For first.
    assert _lookups_from(app, "203.0.113.1, 198.51.100.7", 1) == [429]


def test_without_trusted_proxies_a_forged_header_changes_nothing(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    statuses = [_lookups_from(app, f"203.0.113.{i}", 1, proxy=ADDRESS)[0] for i in range(11)]
    assert statuses[-1] == 429


def test_trusted_proxies_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    from meldpunt.config import load_config

    assert load_config({"DATA_DIR": str(tmp_path)})["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("MELDPUNT_TRUSTED_PROXIES", "2")
    assert load_config({"DATA_DIR": str(tmp_path)})["TRUSTED_PROXIES"] == 2


def test_every_limit_window_fits_within_the_salt_lifetime():
    """A window longer than the salt would be reset by each rotation: "per day" would mean per hour."""
    from limits import parse_many

    from meldpunt.intake import views
    from meldpunt.ratelimit_key import SALT_LIFETIME_SECONDS, fitting_limits

    for limits in (views.SUBMIT_LIMIT, views.LOOKUP_LIMIT):
        for item in parse_many(limits):
            assert item.get_expiry() <= SALT_LIFETIME_SECONDS, limits
    with pytest.raises(ValueError, match="salt"):
        fitting_limits("10 per 10 minutes;30 per day")
    assert fitting_limits("5 per hour") == "5 per hour"


def test_rate_limited_form_keeps_sent_files_and_names_new_ones(app_factory):
    """A 429 keeps the text, the answers and the files of an earlier attempt; a file in the
    refused request itself is named, with the advice to choose it again."""
    from tests import filemakers
    from tests.helpers import GOOD_TEXT, form_values, report_data, soup

    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    data = report_data(client, text="te kort")  # a form error: the photo is kept as a pending upload
    data["files"] = [(io.BytesIO(filemakers.png_bytes()), "kaart.png")]
    first = client.post("/melden", data=data, content_type="multipart/form-data")
    assert first.status_code == 422
    kept = form_values(first)
    kept_ids = [i["value"] for i in soup(first).find_all("input", {"name": "keep_files"})]
    assert len(kept_ids) == 1
    for _ in range(9):
        assert client.post("/melden", data=report_data(client)).status_code == 303
    again = {**kept, "text": GOOD_TEXT, "place_type": "woning", "keep_files": kept_ids,
             "files": [(io.BytesIO(filemakers.jpeg_with_gps()), "nieuw.jpg")]}
    response = client.post("/melden", data=again, content_type="multipart/form-data")
    assert response.status_code == 429
    page = soup(response)
    assert page.find("textarea", {"name": "text"}).get_text().strip() == GOOD_TEXT
    assert page.find("input", {"name": "place_type", "value": "woning"}).has_attr("checked")
    assert [i["value"] for i in page.find_all("input", {"name": "keep_files"})] == kept_ids
    assert "kaart.png" in page.get_text()
    errors = page.find(id="files-error").get_text()
    assert "nieuw.jpg" in errors and "opnieuw" in errors
    assert form_values(response)["upload_token"] == kept["upload_token"]
    assert form_values(response)["submission_key"] == kept["submission_key"]


def test_no_limit_applies_to_a_request_that_cannot_send_a_form(app):
    """The limiter skips GET, HEAD and OPTIONS altogether (extensions.SAFE_METHODS): that is
    only right while every limit of the app is on other methods and there are no defaults."""
    from meldpunt.extensions import SAFE_METHODS, limiter

    manager = limiter.limit_manager
    assert not manager.default_limits and not manager.application_limits
    assert not any(manager._blueprint_limits.values())
    decorated = [limit for limits in manager._decorated_limits.values() for limit in limits]
    assert decorated  # the sign-in, report and follow-up limits
    for limit in decorated:
        assert limit.methods, f"{limit.limit} applies to every method"
        assert not {method.upper() for method in limit.methods} & SAFE_METHODS


def test_the_form_page_is_not_limited_but_the_submission_is(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    for _ in range(30):
        assert client.get("/melden").status_code == 200
        assert client.head("/melden").status_code == 200
    from tests.helpers import report_data

    statuses = [client.post("/melden", data=report_data(client)).status_code for _ in range(11)]
    assert statuses[:10] == [303] * 10 and statuses[-1] == 429


def test_language_switches_and_corrections_do_not_use_up_the_limit(app_factory):
    # An outside tester switched language a few times and corrected mistakes, and was told
    # "many reports were sent" although nothing had been sent.
    from tests.helpers import report_data

    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    for n in range(12):
        switch = {**report_data(client, text="Nog niet af"), "switch_language": ["ar", "pl", "nl"][n % 3]}
        assert client.post("/melden", data=switch).status_code == 200
        assert client.post("/melden", data=report_data(client, text="te kort")).status_code == 422
    statuses = [client.post("/melden", data=report_data(client)).status_code for _ in range(11)]
    assert statuses[:10] == [303] * 10 and statuses[-1] == 429  # stored reports still count


def test_requests_with_files_count_even_when_the_form_has_a_mistake(app_factory):
    # Files are kept as pending uploads: a flood of always-wrong forms with files is limited.
    from tests import filemakers
    from tests.helpers import report_data

    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    statuses = []
    for _ in range(11):
        data = report_data(client, text="te kort")
        data["files"] = [(io.BytesIO(filemakers.png_bytes()), "kaart.png")]
        statuses.append(client.post("/melden", data=data, content_type="multipart/form-data").status_code)
    assert statuses[:10] == [422] * 10 and statuses[-1] == 429
