"""Fixtures for the scheduled jobs: a controllable clock, reports at chosen times, SMTP."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from tests.backoffice.conftest import Collector, login, make_account, new_report

COORDINATORS = ["coordinator-a@gemeente.example", "coordinator-b@gemeente.example"]


class Clock:
    """A clock that moves only when told to; every service gets ``clock.now``."""

    def __init__(self, start: datetime) -> None:
        assert start.tzinfo is not None
        self.now = start.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    """Starts just after the next whole minute: close to the real present (rows the
    services write carry real creation times) and never a few seconds before a
    job's next occurrence."""
    return Clock(
        datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=1)
    )


class SmtpServer:
    """A real local SMTP server (aiosmtpd) on a fixed port that can be down or up.

    While it is down the port stays reserved by a socket that is bound but does not
    listen: connections are refused just as by a stopped server, and the kernel cannot
    hand the port to another test or another pytest-xdist worker meanwhile.
    """

    def __init__(self) -> None:
        self.collector = Collector()
        self.controller: Controller | None = None
        self._reserved: socket.socket | None = None
        self.port = self._reserve(0)

    def _reserve(self, port: int) -> int:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self._reserved = sock
        return sock.getsockname()[1]

    def _release(self) -> None:
        if self._reserved is not None:
            self._reserved.close()
            self._reserved = None

    @property
    def messages(self) -> list[dict]:
        return self.collector.messages

    def up(self) -> None:
        if self.controller is None:
            self._release()
            self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
            self._reserve(self.port)

    def close(self) -> None:
        self.down()
        self._release()


@pytest.fixture
def smtp():
    """Down until ``smtp.up()``."""
    server = SmtpServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def jobs_app(app_factory, smtp, request):
    """The app for job tests; ``@pytest.mark.parametrize("jobs_app", [...], indirect=True)``
    passes an attachment store (meldpunt/storage/)."""
    store = getattr(request, "param", None)
    return app_factory(
        **({"ATTACHMENT_STORAGE": store} if store else {}),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        SMTP_TIMEOUT=3,
        COORDINATOR_EMAILS=list(COORDINATORS),
        PARTNER_EMAILS={"politie": "meldingen@politie.example", "riec": "riec@riec.example"},
        BASE_URL="https://meldpunt.gemeente.example",
    )


def report_at(app, created_at: datetime, **fields) -> tuple[int, str]:
    """A report through the real intake, then dated ``created_at`` (plus ``set_*`` overrides)."""
    return new_report(app, set_created_at=created_at, **fields)


def signed_in(app, role: str, route: str | None = None):
    """A test client signed in with a fresh account of ``role``."""
    account = make_account(app, role, route, email=f"{role}-jobs@gemeente.example")
    client = app.test_client()
    response = login(client, account)
    assert response.status_code == 303, response.status_code
    return client
