"""Issue 18: the app on two machines with no shared disk.

Two app instances, each with its own data directory, on one PostgreSQL database
and one Redis, sharing only what the README's "Several machines" section says
must be shared: the database (with attachments in it), Redis, the three keys
and the audit anchor's role. A reporter sends a photo through node A and
follows up through node B; staff sign in on B and open and download the photo
there; a staff session and a rate limit span both nodes; the scheduler runs on
both at once and sends each e-mail once; verify-audit holds on both.

Runs only with MELDPUNT_TEST_DATABASE_URL and MELDPUNT_TEST_REDIS_URL (CI sets both).
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from meldpunt import outbox
from meldpunt.extensions import db
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import OutboxMessage, Report, utcnow
from meldpunt.staff import audit
from tests import filemakers
from tests.backoffice.conftest import login, make_account, post_form, sign_in
from tests.conftest import PG_URL
from tests.helpers import RATELIMIT_TEST_PREFIX, csrf_token, receipt_code_from, soup, submit
from tests.jobs.conftest import SmtpServer

REDIS_URL = os.environ.get("MELDPUNT_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not (PG_URL and REDIS_URL), reason="needs MELDPUNT_TEST_DATABASE_URL and MELDPUNT_TEST_REDIS_URL (CI sets both)"
)

ADDRESS = "anna.melder@example.org"
ATTACHMENT_STORAGE = {"ATTACHMENT_STORAGE": "database"}  # the default on PostgreSQL, said explicitly


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.up()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def make_nodes(app_factory, anchor_database_url, tmp_path, smtp):
    """Nodes A and B: separate data directories; the same database, Redis, keys and anchor."""
    import redis

    prefix = RATELIMIT_TEST_PREFIX
    shared = {
        # From the environment in production; the same on every node.
        "SECRET_KEY": "geheim-" + uuid.uuid4().hex * 2,
        "ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
        "RECEIPT_KEY": "bon-" + uuid.uuid4().hex * 2,
        "AUDIT_ANCHOR_DATABASE_URL": anchor_database_url,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp.port,
        "SMTP_TIMEOUT": 3,
        "PARTNER_EMAILS": {"politie": "meldingen@politie.example"},
        "BASE_URL": "https://meldpunt.gemeente.example",
        **ATTACHMENT_STORAGE,
    }

    def make(**extra) -> list:
        made = []
        for name in ("a", "b"):
            folder = tmp_path / f"node-{name}"
            folder.mkdir()
            made.append(app_factory(DATA_DIR=str(folder), **shared, **extra))
        return made

    yield make
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def nodes(make_nodes):
    return make_nodes()


def _open_report(client, code: str):
    token = csrf_token(client, "/opvolgen")
    return client.post("/opvolgen", data={"csrf_token": token, "code": code})


def _files_in(folder: str) -> list[Path]:
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def test_a_report_sent_on_one_node_is_followed_and_handled_on_the_other(nodes, smtp):
    node_a, node_b = nodes
    photo = filemakers.jpeg_with_gps()

    # The reporter sends a report with a photo through node A ...
    reporter_a = node_a.test_client()
    sent = submit(reporter_a, files=[(photo, "foto.jpg")], anonymity="contact", name="Anna",
                  email=ADDRESS, email_notice="ja")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:400]
    code = receipt_code_from(reporter_a)

    # ... and follows it up through node B (another browser session, only the code).
    reporter_b = node_b.test_client()
    assert _open_report(reporter_b, code).status_code == 303
    page = soup(reporter_b.get("/opvolgen/melding"))
    assert "foto.jpg" in page.get_text()
    token = page.find("input", {"name": "csrf_token"})["value"]
    added = reporter_b.post("/opvolgen/melding", data={"csrf_token": token, "text": "Vanavond weer licht aan."})
    assert added.status_code == 303

    # A coordinator signs in on B, opens the report and the photo, and writes to the reporter.
    staff_b, _ = sign_in(node_b, "coordinator")
    with node_b.app_context():
        report_id = db.session.scalar(select(Report.id))
    report_page = soup(staff_b.get(f"/beheer/melding/{report_id}"))
    assert "Vanavond weer licht aan." in report_page.get_text()
    image = report_page.select_one(".attachments img")
    assert image is not None
    shown = staff_b.get(image["src"])
    assert shown.status_code == 200, shown.status_code
    assert shown.mimetype == "image/jpeg" and shown.data[:2] == b"\xff\xd8"
    assert b"SnitchCam" in photo and b"SnitchCam" not in shown.data  # cleaned once, on A
    download_link = report_page.find("a", string=lambda text: bool(text) and "downloaden" in text)
    assert download_link is not None and download_link["href"].startswith(image["src"])
    download = staff_b.get(download_link["href"])
    assert download.status_code == 200 and download.data == shown.data
    assert download.headers["Content-Disposition"].startswith("attachment")
    answered = post_form(staff_b, f"/beheer/melding/{report_id}/bericht",
                         {"message-message": "Welke kleur had de auto?"})
    assert answered.status_code == 303

    # Nothing a node wrote for this report is on its own disk: it is all in the database.
    for node in nodes:
        data_dir = node.config["DATA_DIR"]
        assert not [p for p in _files_in(data_dir) if "attachments" in p.parts or "pending" in p.name]
        assert not list(Path(data_dir).glob("audit-anchor*"))

    # The scheduler runs on both nodes at once: every e-mail is sent exactly once.
    with node_a.app_context():
        for i in range(3):
            outbox.enqueue("partner_notice", f"partner{i}@partner.example", f"Van node A {i}", "Zie /beheer")
        db.session.commit()
    with node_b.app_context():
        for i in range(3):
            outbox.enqueue("partner_notice", f"partner{i}@partner.example", f"Van node B {i}", "Zie /beheer")
        db.session.commit()
        queued = db.session.scalar(select(func.count(OutboxMessage.id)))
    assert queued == 7  # six partner notices and the notice to the reporter
    _run_schedulers_together(nodes, ticks=4)
    received = Counter((tuple(m["to"]), m["subject"]) for m in smtp.messages)
    assert len(smtp.messages) == queued and max(received.values()) == 1, received
    assert sum(1 for to, _ in received if to == (ADDRESS,)) == 1
    with node_a.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))) == 0

    # Both nodes hold the audit log intact, against the one shared anchor.
    for node in nodes:
        result = node.test_cli_runner().invoke(args=["verify-audit"])
        assert result.exit_code == 0 and "intact" in result.output, result.output
        assert "table audit_anchor" in result.output


def _run_schedulers_together(nodes, ticks: int) -> None:
    """What `flask scheduler` does on each node, ticking at the same moments (threads)."""
    start = utcnow() + timedelta(minutes=1)
    times = [start + timedelta(minutes=i) for i in range(ticks)]
    barrier = threading.Barrier(len(nodes))
    failures: list[BaseException] = []

    def run(app, name: str) -> None:
        try:
            with app.app_context():
                for now in times:
                    barrier.wait(timeout=120)
                    jobs.tick(now=now, instance=name)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(app, f"node-{i}")) for i, app in enumerate(nodes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a scheduler hung"
    assert not failures, failures


def test_a_staff_session_signed_in_on_one_node_is_valid_on_the_other(nodes):
    """Signed cookies and a session state in the database: no sticky sessions needed."""
    node_a, node_b = nodes
    account = make_account(node_a, "triage")
    on_a, on_b = node_a.test_client(), node_b.test_client()
    # One browser behind a load balancer: its cookie goes to whichever node answers.
    assert login(on_a, account).status_code == 303
    _carry_cookie(on_a, on_b, node_a)
    page = on_b.get("/beheer")
    assert page.status_code == 200
    # A form loaded from B is accepted by A (the CSRF token is signed with the shared key).
    token = soup(page).find("meta", {"name": "csrf-token"})["content"]
    _carry_cookie(on_b, on_a, node_a)
    assert on_a.post("/beheer/uitloggen", data={"csrf_token": token}).status_code == 303
    # Signed out on A: the cookie from before no longer opens B either (the session
    # token lives in the database, not in one node's memory).
    assert on_b.get("/beheer").status_code == 303


def _carry_cookie(source, target, app) -> None:
    name, domain = app.config["SESSION_COOKIE_NAME"], app.config["SERVER_NAME"]
    cookie = source.get_cookie(name, domain=domain)
    assert cookie is not None
    target.set_cookie(cookie.key, cookie.value, domain=cookie.domain)


def test_a_node_with_other_keys_does_not_accept_the_session(nodes, app_factory, tmp_path):
    """Why the keys must be shared: a node that made its own refuses the others' cookies."""
    node_a, _ = nodes
    account = make_account(node_a, "triage")
    on_a = node_a.test_client()
    assert login(on_a, account).status_code == 303
    cookie = on_a.get_cookie(node_a.config["SESSION_COOKIE_NAME"], domain=node_a.config["SERVER_NAME"])
    stranger_dir = tmp_path / "node-own-keys"
    stranger_dir.mkdir()
    stranger = app_factory(DATA_DIR=str(stranger_dir))
    assert stranger.config["SECRET_KEY"] != node_a.config["SECRET_KEY"]
    other = stranger.test_client()
    other.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert other.get("/beheer").status_code == 303


def test_a_rate_limit_counts_requests_on_both_nodes_together(make_nodes):
    node_a, node_b = make_nodes(RATELIMIT_ENABLED=True)

    def lookups(app, times: int) -> list[int]:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
        token = csrf_token(client, "/opvolgen")
        return [client.post("/opvolgen", data={"csrf_token": token, "code": "AAAA-BBBB-CCCC-DDDD"}).status_code
                for _ in range(times)]

    # The follow-up lookup allows 10 attempts per 10 minutes: half on A, half on B.
    assert lookups(node_a, 5) == [422] * 5
    assert lookups(node_b, 5) == [422] * 5
    assert lookups(node_a, 1) == [429]
    assert lookups(node_b, 1) == [429]
    # Another reporter is not affected.
    other = node_b.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.78"
    token = csrf_token(other, "/opvolgen")
    assert other.post("/opvolgen", data={"csrf_token": token, "code": "AAAA-BBBB-CCCC-DDDD"}).status_code == 422


def test_a_node_with_another_receipt_key_is_named_in_the_log(nodes, app_factory, tmp_path, caplog):
    """A node started with a receipt key of its own writes audit events nobody else can
    verify: it says so itself at its first append, and so does the next node after it."""
    node_a, node_b = nodes
    stranger_dir = tmp_path / "node-other-receipt-key"
    stranger_dir.mkdir()
    shared = {name: node_a.config[name] for name in ("SECRET_KEY", "ENCRYPTION_KEYS")}
    stranger = app_factory(DATA_DIR=str(stranger_dir), **shared)
    warning = "was not written with this node's receipt key"
    for app, warned in ((node_a, False), (stranger, True), (node_b, True), (node_a, False)):
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="meldpunt.staff.audit"), app.app_context():
            audit.record("test.event", "tester")
            db.session.commit()
        assert (warning in caplog.text) is warned, app.config["DATA_DIR"]
    result = node_b.test_cli_runner().invoke(args=["verify-audit"])
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_a_reporter_signed_in_with_the_code_on_one_node_continues_on_the_other(nodes):
    node_a, node_b = nodes
    reporter_a, reporter_b = node_a.test_client(), node_b.test_client()
    assert submit(reporter_a).status_code == 303
    code = receipt_code_from(reporter_a)
    assert _open_report(reporter_a, code).status_code == 303
    _carry_cookie(reporter_a, reporter_b, node_a)
    page = reporter_b.get("/opvolgen/melding")
    assert page.status_code == 200 and "Stand van zaken" in page.get_data(as_text=True)
    # The addition is posted to A with the form B served, as a browser behind the balancer would.
    token = soup(page).find("input", {"name": "csrf_token"})["value"]
    _carry_cookie(reporter_b, reporter_a, node_a)
    added = reporter_a.post("/opvolgen/melding", data={"csrf_token": token, "text": "Er stond weer een busje."})
    assert added.status_code == 303
    _carry_cookie(reporter_a, reporter_b, node_a)
    assert "Er stond weer een busje." in reporter_b.get("/opvolgen/melding").get_data(as_text=True)
