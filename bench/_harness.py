"""Shared start-up for the bench scripts that run the real server.

A throw-away database on the local PostgreSQL, migrated with ``flask db upgrade``,
a fresh data directory, and gunicorn on a free loopback port; all removed again
when the ``running`` block ends, whatever happened inside it. Also the small HTTP
client and multipart encoder the scripts share. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
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

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
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


@contextmanager
def running(database_url: str, prefix: str, workers: int, warm: int = 1) -> Iterator[Running]:
    """A migrated throw-away database and gunicorn with ``workers`` workers serving it.

    ``warm`` requests for /melden load the triage model in the workers first.
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
    server = None
    try:
        subprocess.run([sys.executable, "-m", "flask", "--app", "meldpunt", "db", "upgrade", "heads"], env=env,
                       check=True, cwd=ROOT, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            env=env, cwd=ROOT,
        )
        wait_until_serving(port)
        for _ in range(warm):
            Client(port).request("GET", "/melden")
        yield Running(admin, name, db_url, data_dir, env, port, server)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
            shutil.rmtree(data_dir, ignore_errors=True)
