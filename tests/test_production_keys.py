"""Production never runs on keys it made itself: a backup of the data directory
must not hold what decrypts it or what keys the audit chain."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from meldpunt.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
KEYS = {
    "MELDPUNT_SECRET_KEY": "s" * 48,
    "MELDPUNT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "MELDPUNT_RECEIPT_KEY": "r" * 48,
}


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("MELDPUNT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MELDPUNT_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("missing", sorted(KEYS))
def test_production_refuses_to_start_without_each_key(clean_env, monkeypatch, missing):
    monkeypatch.setenv("MELDPUNT_ENV", "production")
    for name, value in KEYS.items():
        if name != missing:
            monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=missing):
        load_config()
    written = {p.name for p in clean_env.iterdir()}
    assert not written & {"secret_key", "encryption_keys", "receipt_key"}


def test_production_starts_with_keys_from_outside_and_writes_none(clean_env, monkeypatch):
    monkeypatch.setenv("MELDPUNT_ENV", "production")
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    config = load_config()
    assert config["SECRET_KEY"] == KEYS["MELDPUNT_SECRET_KEY"]
    assert config["ENCRYPTION_KEYS"] == [KEYS["MELDPUNT_ENCRYPTION_KEY"]]
    assert not {p.name for p in clean_env.iterdir()} & {"secret_key", "encryption_keys", "receipt_key"}


def test_the_embedded_default_generates_owner_only_keys_once(clean_env):
    first = load_config()
    second = load_config()
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    for name in ("secret_key", "encryption_keys", "receipt_key"):
        assert (clean_env / name).stat().st_mode & 0o777 == 0o600


def test_the_production_error_reaches_the_console(clean_env):
    """`flask` (and so gunicorn's import of wsgi.py) stops with the variable's name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env.update(MELDPUNT_ENV="production", MELDPUNT_DATA_DIR=str(clean_env), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "MELDPUNT_SECRET_KEY" in done.stderr


def test_the_embedded_sqlite_file_is_owner_only(clean_env):
    from meldpunt import create_app
    from meldpunt.extensions import db

    app = create_app({"TESTING": True})
    with app.app_context():
        db.session.execute(db.text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        db.session.commit()
        db.engine.dispose()
    assert (clean_env / "meldpunt.sqlite3").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("typed", ["prod", "productie", "staging"])
def test_an_unknown_environment_name_refuses_to_start(clean_env, monkeypatch, typed):
    """A typo must not quietly run production as development (generated keys, insecure cookies)."""
    monkeypatch.setenv("MELDPUNT_ENV", typed)
    with pytest.raises(ConfigError, match="MELDPUNT_ENV"):
        load_config({"DATA_DIR": str(clean_env)})


def test_the_environment_name_is_read_without_regard_to_case(clean_env, monkeypatch):
    monkeypatch.setenv("MELDPUNT_ENV", "Production")
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    assert load_config({"DATA_DIR": str(clean_env)})["ENV"] == "production"


def test_workers_starting_together_on_a_fresh_data_directory_share_one_secret(tmp_path):
    """gunicorn starts its workers at once: every one must get the same generated key (the
    second used to fail with FileExistsError while the first was still writing)."""
    from concurrent.futures import ThreadPoolExecutor

    from meldpunt.config import _secret_file

    counter = iter(range(1000))

    def start(_):
        return _secret_file(tmp_path, "encryption_keys", lambda: f"key-{next(counter)}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        values = list(pool.map(start, range(16)))
    assert len(set(values)) == 1
    assert (tmp_path / "encryption_keys").read_text().strip() == values[0]
    assert [p.name for p in tmp_path.iterdir()] == ["encryption_keys"]  # no temporary file left
