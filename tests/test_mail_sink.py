"""The demo's mail sink (issue 15.10): `make run` keeps e-mail in the data directory and
admins read it in the back office; production never enables it."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from meldpunt import mailsink
from meldpunt.config import load_config
from tests.backoffice.conftest import free_port, make_account
from tests.helpers import soup


def test_the_outbox_delivers_into_the_sink_and_admins_read_it(app_factory, tmp_path):
    port = free_port()
    app = app_factory(MAIL_SINK_ENABLED=True, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    stop = threading.Event()
    thread = threading.Thread(target=mailsink.serve, args=(app.config, "127.0.0.1", port, stop), daemon=True)
    thread.start()
    try:
        from meldpunt import outbox
        from meldpunt.extensions import db

        with app.app_context():
            time.sleep(0.3)  # the controller binds in its own thread
            outbox.enqueue("partner_notice", "meldingen@politie.example", "Nieuwe melding", "Er staat iets klaar.")
            db.session.commit()
            run = outbox.deliver_due()
            assert run.sent == 1, run
    finally:
        stop.set()
        thread.join(timeout=5)
    files = list(Path(app.config["MAIL_SINK_DIR"]).glob("*.eml"))
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600

    from tests.backoffice.conftest import login

    admin = make_account(app, "admin")
    client = app.test_client()
    login(client, admin)
    page = soup(client.get("/beheer/e-mail"))
    assert "Nieuwe melding" in page.get_text()
    assert "meldingen@politie.example" in page.get_text()
    assert page.find("a", href="/beheer/e-mail") is not None

    coordinator = make_account(app, "coordinator")
    other = app.test_client()
    login(other, coordinator)
    assert other.get("/beheer/e-mail").status_code == 403


def test_without_the_sink_the_page_does_not_exist(app):
    from tests.backoffice.conftest import login

    admin = make_account(app, "admin")
    client = app.test_client()
    login(client, admin)
    assert client.get("/beheer/e-mail").status_code == 404
    assert soup(client.get("/beheer")).find("a", href="/beheer/e-mail") is None


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("MELDPUNT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MELDPUNT_DATA_DIR", str(tmp_path))
    return tmp_path


def test_production_ignores_the_sink_setting_and_refuses_to_run_it(clean_env, monkeypatch):
    monkeypatch.setenv("MELDPUNT_MAIL_SINK", "1")
    assert load_config()["MAIL_SINK_ENABLED"] is True
    monkeypatch.setenv("MELDPUNT_ENV", "production")
    monkeypatch.setenv("MELDPUNT_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("MELDPUNT_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("MELDPUNT_RECEIPT_KEY", "r" * 48)
    config = load_config()
    assert config["MAIL_SINK_ENABLED"] is False
    with pytest.raises(mailsink.SinkRefused):
        mailsink.serve(config, "127.0.0.1", free_port())
    assert not (clean_env / "mail-sink").exists()


def test_the_cli_refuses_in_production(app_factory):
    app = app_factory(ENV="production", SECRET_KEY="s" * 48, ENCRYPTION_KEYS=[Fernet.generate_key().decode()],
                      RECEIPT_KEY="r" * 48)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail-sink", "--port", str(free_port())])
    assert result.exit_code != 0
    assert "never for production" in result.output
