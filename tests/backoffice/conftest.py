"""Fixtures for the back office: staff accounts, signed-in clients, reports, SMTP."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy

import pyotp
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import StoppedClock
from tests.helpers import soup

PASSWORD = "een-lang-genoeg-wachtwoord"


@dataclass
class Account:
    id: int
    email: str
    password: str
    secret: str
    role: str
    route: str | None = None
    steps_used: set = field(default_factory=set)
    clock: StoppedClock | None = None

    def code(self) -> str:
        """A valid TOTP code not used before by this account (codes cannot be replayed).

        The server accepts one step either side of its clock, each once. That clock is
        the test's ``auth_clock`` (it stands still), so no step boundary passes by
        surprise; when all three steps are used (an account signing in more than three
        times), the clock is moved on one step rather than waiting 30 seconds for it.
        """
        assert self.clock is not None, "make the app with app_factory: its sign-in needs the test clock"
        totp = pyotp.TOTP(self.secret)
        current = totp.timecode(self.clock())
        step = max(current - 1, max(self.steps_used, default=current - 2) + 1)
        if step > current + 1:
            self.clock.advance(seconds=totp.interval)
            return self.code()
        self.steps_used.add(step)
        return totp.generate_otp(step)


def make_account(app, role: str, route: str | None = None, email: str | None = None, ready: bool = True) -> Account:
    from meldpunt.extensions import db
    from meldpunt.staff import accounts as staff

    email = email or f"{role}{'-' + route if route else ''}@gemeente.example"
    with app.app_context():
        made = staff.create_user(email, role, route, password=PASSWORD)
        if ready:
            made.user.totp_confirmed = True
            made.user.must_change_password = False
            db.session.commit()
        return Account(
            made.user.id, email, PASSWORD, made.totp_secret, role, route, clock=app.extensions.get("meldpunt_clock")
        )


def page_csrf(client, path: str = "/beheer/login") -> str:
    page = soup(client.get(path))
    meta = page.find("meta", {"name": "csrf-token"})
    assert meta is not None, f"no csrf token on {path}"
    return meta["content"]


def login(client, account: Account, code: str | None = None):
    """Password, then TOTP code. Returns the response of the code step."""
    token = page_csrf(client)
    first = client.post(
        "/beheer/login", data={"csrf_token": token, "email": account.email, "password": account.password}
    )
    assert first.status_code == 303, first.get_data(as_text=True)[:500]
    assert first.headers["Location"].endswith("/beheer/login/code")
    token = page_csrf(client, "/beheer/login/code")
    return client.post("/beheer/login/code", data={"csrf_token": token, "code": code or account.code()})


def sign_in(app, role: str, route: str | None = None, email: str | None = None):
    """A new account of ``role`` and a test client signed in with it."""
    account = make_account(app, role, route, email)
    client = app.test_client()
    response = login(client, account)
    assert response.status_code == 303 and response.headers["Location"].endswith("/beheer"), response.status_code
    return client, account


@pytest.fixture
def staff_client(app):
    """signed_in(role, route=None) -> (client, account)."""

    def signed_in(role: str, route: str | None = None, email: str | None = None):
        return sign_in(app, role, route, email)

    return signed_in


def new_report(
    app, text: str = "Er hangt een sterke wietlucht en de ramen zijn afgeplakt.", **fields
) -> tuple[int, str]:
    """Store a report through the intake service; ``fields`` are NewReport fields,
    and ``set_*`` keywords overwrite stored columns afterwards (e.g. set_urgency)."""
    from meldpunt.extensions import db
    from meldpunt.intake import reports
    from meldpunt.models import URGENCY_RANK, Report

    overrides = {k[4:]: fields.pop(k) for k in list(fields) if k.startswith("set_")}
    with app.app_context():
        submitted = reports.submit_report(reports.NewReport(text=text, **fields))
        if overrides:
            report = db.session.get(Report, submitted.report_id)
            for name, value in overrides.items():
                setattr(report, name, value)
            if "urgency" in overrides:
                report.urgency_rank = URGENCY_RANK[overrides["urgency"]]
            db.session.commit()
        return submitted.report_id, submitted.receipt_code


def add_attachment(
    app, report_id: int, data: bytes, kind: str = "image", content_type: str = "image/png", name: str = "foto.png"
) -> int:
    from meldpunt import crypto, storage
    from meldpunt.extensions import db
    from meldpunt.models import Attachment, Report

    with app.app_context():
        storage_name = storage.new_storage_name()
        storage.write_attachment(storage_name, crypto.encrypt(data))
        row = Attachment(
            report_id=report_id, storage_name=storage_name, name_encrypted=crypto.encrypt(name.encode()),
            content_type=content_type, kind=kind, size=len(data),
        )
        db.session.add(row)
        db.session.get(Report, report_id).has_attachments = True
        db.session.commit()
        return row.id


def post_form(client, path: str, data: dict, csrf_from: str | None = None):
    token = page_csrf(client, csrf_from or "/beheer")
    return client.post(path, data={"csrf_token": token, **data})


def panel(client, app, report_id: int, query: str = "", **fields: str):
    """Submit the one decision panel (triage, status, forwarding) as the report page offers
    it: theme, urgency and route as the report has them unless given in ``fields``."""
    from meldpunt.extensions import db
    from meldpunt.models import Report

    with app.app_context():
        report = db.session.get(Report, report_id)
        values = {"theme": report.theme, "urgency": report.urgency, "route": report.route}
    values = {"status": "", "outcome": "", "forward_to": "", **values, **fields}
    return post_form(client, f"/beheer/melding/{report_id}/besluit{query}",
                     {f"panel-{name}": value for name, value in values.items()})


def forward(client, app, report_id: int, route: str):
    """Forward a report to a partner through the decision panel, the one way to forward."""
    return panel(client, app, report_id, forward_to=route)


# --- a real SMTP server on a free local port --------------------------------------


class Collector:
    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        with self.lock:
            parsed = message_from_bytes(envelope.content, policy=default_policy)
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "subject": str(parsed["Subject"]),
                    "body": parsed.get_content(),
                    # Headers and decoded body: what a reader of the e-mail sees.
                    "data": "\n".join(f"{k}: {v}" for k, v in parsed.items()) + "\n" + parsed.get_content(),
                }
            )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    collector.port = port
    try:
        yield collector
    finally:
        controller.stop()
