"""gunicorn never writes a client address, not even for a malformed request."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meldpunt.gunicorn_logging import REDACTED, redact_addresses

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("line", [
    "Invalid request from ip=203.0.113.9: Invalid HTTP request line: 'x'",
    "Invalid request from ip=2001:db8::17: Invalid HTTP request line: 'x'",
    "peer 198.51.100.4:51234 closed the connection",
    "peer [2001:db8:0:1::5]:443 closed",
])
def test_addresses_are_removed_from_log_lines(line):
    cleaned = redact_addresses(line)
    assert REDACTED in cleaned
    for address in ("203.0.113.9", "2001:db8::17", "198.51.100.4", "2001:db8:0:1::5"):
        assert address not in cleaned


def test_ordinary_lines_are_left_alone():
    line = "Worker (pid:1234) was sent SIGKILL! Perhaps out of memory? Timeout 120s"
    assert redact_addresses(line) == line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_malformed_request_is_logged_without_the_client_address(tmp_path):
    port = _free_port()
    env = {**os.environ, "MELDPUNT_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    conn = socket.create_connection(("127.0.0.1", port), timeout=2)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.1)
            with conn:
                # The socket accepts before the worker has booted (it loads the triage
                # model first): on a busy machine the answer can take longer than 2 s.
                conn.settimeout(30)
                conn.sendall(b"NOT A REQUEST LINE\r\n\r\n")
                conn.recv(1024)
            deadline = time.monotonic() + 10
            while b"Invalid request" not in log.read_bytes() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    written = log.read_text(encoding="utf-8", errors="replace")
    assert "Invalid request" in written  # gunicorn did log the bad request ...
    assert "127.0.0.1" not in written  # ... without the address it came from
    assert REDACTED in written
