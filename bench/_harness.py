"""Shared start-up for the bench scripts that run the real server.

A throw-away database on the local PostgreSQL, migrated with ``flask db upgrade``,
a fresh data directory, and gunicorn on a free loopback port; all removed again
when the ``running`` block ends, whatever happened inside it. Also the small HTTP
client and multipart encoder the scripts share. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = os.environ.get(
    "MELDPUNT_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help="server to create a throw-away database on")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """One reporter: its own connection and session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
                forwarded_for: str | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if forwarded_for:  # the reporter's own address, as a trusted reverse proxy passes it on
            headers["X-Forwarded-For"] = forwarded_for
        if content_type:
            headers["Content-Type"] = content_type
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data


def wait_until_serving(port: int, attempts: int = 100) -> None:
    for _ in range(attempts):
        try:
            Client(port).request("GET", "/gezond")
            return
        except OSError:
            time.sleep(0.2)


@dataclass
class Running:
    admin: Any  # SQLAlchemy engine on the server (AUTOCOMMIT), for creating and dropping databases
    database: str
    db_url: str
    data_dir: str
    env: dict[str, str]
    port: int
    server: subprocess.Popen

    def engine(self):
        from sqlalchemy import create_engine

        return create_engine(self.db_url)


def start_gunicorn(env: dict[str, str], workers: int, target: str = "wsgi:app") -> tuple[subprocess.Popen, int]:
    """gunicorn (with the project's gunicorn.conf.py) serving ``target`` on a free loopback port."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}", target],
        env=env, cwd=ROOT,
    )
    wait_until_serving(port)
    return server, port


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


@contextmanager
def serving(run: Running, workers: int, target: str) -> Iterator[tuple[subprocess.Popen, int]]:
    """Another gunicorn on the same database and data directory (a baseline app, say)."""
    server, port = start_gunicorn(run.env, workers, target)
    try:
        yield server, port
    finally:
        stop(server)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def private_bytes(pid: int) -> int:
    """Memory only this process uses (USS): a forked child shares the rest with its parent."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children that have ended (utime+stime+cutime+cstime)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def workers_of(server: subprocess.Popen) -> list[int]:
    return _children(server.pid)


class MemorySampler:
    """Samples every worker's resident memory, alone and with the private memory of its child
    processes (what a forked child shares with the worker is counted once), until stopped."""

    def __init__(self, server: subprocess.Popen, interval: float = 0.02) -> None:
        import threading

        self.server = server
        self.interval = interval
        self.peak_alone: dict[int, int] = {}
        self.peak_with_children: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            for worker in workers_of(self.server):
                alone = rss_bytes(worker)
                together = alone + sum(private_bytes(child) for child in _descendants(worker))
                self.peak_alone[worker] = max(self.peak_alone.get(worker, 0), alone)
                self.peak_with_children[worker] = max(self.peak_with_children.get(worker, 0), together)
            self._stop.wait(self.interval)


def _descendants(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found.append(child)
        found.extend(_descendants(child))
    return found


@contextmanager
def running(database_url: str, prefix: str, workers: int, warm: int = 1,
            ratelimit_redis: str | None = None) -> Iterator[Running]:
    """A migrated throw-away database and gunicorn with ``workers`` workers serving it.

    ``warm`` requests for /melden load the triage model in the workers first. Rate limits
    are off, unless ``ratelimit_redis`` names a Redis database: then they are on as in
    production with several workers (counted in that Redis, as are the page views), behind
    one trusted proxy that passes each client's address in X-Forwarded-For.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(database_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = admin_url.set(database=name).render_as_string(hide_password=False)
    data_dir = tempfile.mkdtemp(prefix=f"{prefix.replace('_', '-')}-")
    env = dict(os.environ, MELDPUNT_DATABASE_URL=db_url, MELDPUNT_DATA_DIR=data_dir, MELDPUNT_RATELIMIT_ENABLED="false")
    if ratelimit_redis:
        env.update(MELDPUNT_RATELIMIT_ENABLED="true", MELDPUNT_RATELIMIT_STORAGE_URL=ratelimit_redis,
                   MELDPUNT_TRUSTED_PROXIES="1")
    server = None
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "meldpunt", "db", "upgrade", "heads"], env=env,
                       check=True, cwd=ROOT, capture_output=True)
        server, port = start_gunicorn(env, workers)
        for _ in range(warm):
            Client(port).request("GET", "/melden")
        yield Running(admin, name, db_url, data_dir, env, port, server)
    finally:
        if server is not None:
            stop(server)
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
            shutil.rmtree(data_dir, ignore_errors=True)


def phone_photo(width: int, height: int, seed: int) -> bytes:
    """A ``width`` x ``height`` JPEG as a phone makes it (noise compresses like a detailed
    scene), with EXIF and GPS for the cleaning to remove."""
    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 5.0, 12.5), "E", (4.0, 53.0, 44.1)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=89, exif=exif)
    return out.getvalue()
