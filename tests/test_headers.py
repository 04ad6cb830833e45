"""Security headers on every response, and cookies that stay where they belong."""

from __future__ import annotations

import pytest

from tests.backoffice.conftest import make_account, page_csrf

PAGES = ["/", "/melden", "/opvolgen", "/privacy", "/resultaten", "/beheer/login", "/bestaat-niet"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    assert "Server" not in response.headers or "/" not in response.headers["Server"]


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://meldpunt.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_static_files_are_cacheable_but_pages_are_not(client):
    assert client.get("/static/css/site.css").headers.get("Cache-Control") != "no-store"
    assert client.get("/melden").headers["Cache-Control"] == "no-store"


def test_production_cookies_are_secure_httponly_strict(app_factory):
    from cryptography.fernet import Fernet

    app = app_factory(ENV="production", SESSION_COOKIE_SECURE=True, SECRET_KEY="s" * 48,
                      ENCRYPTION_KEYS=[Fernet.generate_key().decode()], RECEIPT_KEY="r" * 48)
    client = app.test_client()
    response = client.get("/melden", base_url="https://meldpunt.test")
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_staff_login_is_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    account = make_account(app, "triage")
    client = app.test_client()
    token = page_csrf(client)
    statuses = [
        client.post(
            "/beheer/login",
            data={"csrf_token": token, "email": f"nobody{i}@gemeente.example", "password": "fout"},
        ).status_code
        for i in range(21)
    ]
    assert 429 not in statuses[:20] and statuses[20] == 429
    assert account.email  # the real account was never touched
