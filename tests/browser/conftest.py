"""Real-browser fixtures: the app served on localhost, driven by Debian's chromium.

Playwright drives /usr/bin/chromium (``executable_path``); it never downloads a
browser of its own. axe-core comes from the npm registry (package.json here)
and is injected by the tests only.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug.serving import make_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("MELDPUNT_CHROMIUM", "/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory) -> str:
    # Under pytest -n every worker is a session: one installs, the others wait for it.
    # (The parent of a worker's base folder is shared by all workers of the run.)
    lock_path = tmp_path_factory.getbasetemp().parent / "axe-install.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not AXE.exists():
            if shutil.which("npm") is None:
                pytest.fail("npm is needed to install axe-core for the browser tests")
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True
            )
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_app(app_factory):
    """The app on a real HTTP server in a thread, on a free localhost port."""
    app = app_factory(SERVER_NAME=None, RATELIMIT_ENABLED=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def base_url(live_app) -> str:
    return live_app.config["LIVE_URL"]


@pytest.fixture
def artifacts(request) -> Path:
    folder = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def module_live_app(database_template, tmp_path_factory):
    """Like ``live_app``, but one app and one server for a whole test module.

    For modules with many small parametrized cases: starting an app (and copying the
    migrated database) per case would cost more than the cases themselves. Cases in
    such a module share the database, so they must not depend on it being empty.
    """
    from tests.conftest import StoppedClock, _empty_tables, make_app

    data_dir = tmp_path_factory.mktemp("live-module")
    if database_template["kind"] == "sqlite":
        db_path = data_dir / "meldpunt.sqlite3"
        shutil.copy(database_template["path"], db_path)
        url = f"sqlite:///{db_path}"
    else:
        url = database_template["url"]
    app = make_app(data_dir, url, SERVER_NAME=None, RATELIMIT_ENABLED=False)
    app.extensions["meldpunt_clock"] = StoppedClock(datetime.now(UTC))  # the sign-in's clock, as in app_factory
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)
    if database_template["kind"] == "postgresql":
        _empty_tables(app)
    with app.app_context():
        from meldpunt.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def module_base_url(module_live_app) -> str:
    return module_live_app.config["LIVE_URL"]
