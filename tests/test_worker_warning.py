"""Issue 20: with several gunicorn workers and the in-memory limiter, each worker counts
on its own; gunicorn says so at start-up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from meldpunt.ratelimit_key import per_worker_warning

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_URL = os.environ.get("MELDPUNT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_the_warning_names_the_multiplier_and_the_setting():
    warning = per_worker_warning(2, "memory://")
    assert warning is not None and "2 times" in warning and "MELDPUNT_RATELIMIT_STORAGE_URL" in warning
    assert per_worker_warning(1, "memory://") is None
    assert per_worker_warning(4, "redis://127.0.0.1:6379/0") is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn_stderr(tmp_path: Path, workers: int, storage: str | None) -> str:
    """Start gunicorn as `make run` does, wait until it answers, stop it; its standard error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELDPUNT_")}
    env.update(PYTHONPATH=str(ROOT), MELDPUNT_DATA_DIR=str(tmp_path))
    if storage:
        env["MELDPUNT_RATELIMIT_STORAGE_URL"] = storage
    port = _free_port()
    errors = tmp_path / "gunicorn.err"
    with open(errors, "wb") as stderr:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )
        try:
            for _ in range(300):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/gezond", timeout=2) as response:  # noqa: S310
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail("gunicorn did not start: " + errors.read_text())
        finally:
            process.terminate()
            process.wait(timeout=30)
    return errors.read_text()


def test_gunicorn_warns_with_two_workers_and_memory_storage(tmp_path):
    output = _gunicorn_stderr(tmp_path, 2, None)
    assert "rate limits are counted per worker: 2 workers" in output


@pytest.mark.parametrize("workers, storage", [(1, None), (2, REDIS_URL)])
def test_gunicorn_is_quiet_with_one_worker_or_shared_storage(tmp_path, workers, storage):
    output = _gunicorn_stderr(tmp_path, workers, storage)
    assert "counted per worker" not in output
