"""Attachment storage on PostgreSQL versus files, in one run (issue 18, measure).

    .venv/bin/python bench/storage_bench.py [--submissions 25] [--workers 2] [--database-url URL]

Makes a throw-away PostgreSQL database (bench/_harness.py) and serves the same code with
gunicorn twice, on that database and one data directory: once with
``MELDPUNT_ATTACHMENT_STORAGE=database`` and once with ``filesystem``. In turn, store after
store (the order alternates, so the other helpers' load on the machine hits both alike):

(a) a reporter fetches the form and sends a report with one ~3 MB phone photo (JPEG with
    EXIF and GPS): the POST is timed, through cleaning, encryption and the commit;
(b) a signed-in coordinator downloads that attachment: the GET is timed, through the
    access check, the read from the store, decryption and the audit record.

Prints p50 and p95 of both per store and the ratio database / filesystem; checks that
every submission was stored in the store its server was told to use, and that every
download returned the cleaned photo. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _harness  # noqa: E402
from bench._harness import Client, add_database_argument, multipart, running, serving  # noqa: E402
from bench.load_submit import percentile, report_fields  # noqa: E402

MB = 1024 * 1024
CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')
PASSWORD = "een-lang-genoeg-wachtwoord-voor-de-bench"
STORES = ("filesystem", "database")


def phone_photo() -> bytes:
    """A 2400x1600 JPEG of about 3 MB (noise compresses like a detailed scene) with EXIF and GPS."""
    return _harness.phone_photo(2400, 1600, seed=18)


def make_coordinators(run) -> dict[str, tuple[str, str]]:
    """One coordinator per server (a TOTP code signs in once): email -> (email, secret)."""
    from meldpunt import create_app
    from meldpunt.extensions import db
    from meldpunt.staff import accounts as staff

    app = create_app({"DATA_DIR": run.data_dir, "SQLALCHEMY_DATABASE_URI": run.db_url})
    made = {}
    with app.app_context():
        for store in STORES:
            email = f"bench-{store}@gemeente.example"
            account = staff.create_user(email, "coordinator", None, password=PASSWORD)
            account.user.totp_confirmed = True
            account.user.must_change_password = False
            db.session.commit()
            made[store] = (email, account.totp_secret)
        db.engine.dispose()
    return made


class StaffClient(Client):
    """A browser that keeps every cookie: signing in sets the session and the device cookie
    (staff/device.py) in one response, where the shared client keeps one cookie."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.jar: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())} if self.jar else {}
        if content_type:
            headers["Content-Type"] = content_type
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.jar[name.strip()] = value
        return response.status, data


def sign_in(port: int, email: str, secret: str) -> Client:
    import pyotp

    client = StaffClient(port)
    _, page = client.request("GET", "/beheer/login")
    body, content_type = multipart({"csrf_token": CSRF_META.search(page).group(1).decode(),  # type: ignore[union-attr]
                                    "email": email, "password": PASSWORD}, [])
    status, _ = client.request("POST", "/beheer/login", body, content_type)
    _, page = client.request("GET", "/beheer/login/code")
    body, content_type = multipart({"csrf_token": CSRF_META.search(page).group(1).decode(),  # type: ignore[union-attr]
                                    "code": pyotp.TOTP(secret).now()}, [])
    status, _ = client.request("POST", "/beheer/login/code", body, content_type)
    if status != 303:
        raise SystemExit(f"could not sign in for the benchmark (status {status})")
    return client


def newest_attachment(engine) -> tuple[int, str, int]:
    from sqlalchemy import text

    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, storage_name, size FROM attachment ORDER BY id DESC LIMIT 1")).one()
    return row[0], row[1], row[2]


def stored_in_database(engine, storage_name: str) -> bool:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM attachment_blob WHERE storage_name = :n"),
                            {"n": storage_name}).scalar_one() == 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=25, help="reports with a photo per store")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    add_database_argument(parser)
    args = parser.parse_args()
    photo = phone_photo()
    upload_dir = None
    times: dict[str, dict[str, list[float]]] = {s: {"submit": [], "download": []} for s in STORES}
    problems: list[str] = []
    # The harness's own server is not measured: one worker is enough for it.
    with running(args.database_url, "storage_bench", 1) as run:
        upload_dir = Path(run.data_dir) / "attachments"
        engine = run.engine()
        accounts = make_coordinators(run)
        env = {store: dict(run.env, MELDPUNT_ATTACHMENT_STORAGE=store) for store in STORES}
        with serving(dataclasses.replace(run, env=env["filesystem"]), args.workers, "wsgi:app") as (_, fs_port), \
                serving(dataclasses.replace(run, env=env["database"]), args.workers, "wsgi:app") as (_, db_port):
            ports = {"filesystem": fs_port, "database": db_port}
            staff = {store: sign_in(ports[store], *accounts[store]) for store in STORES}
            reporters = {store: Client(ports[store]) for store in STORES}
            # Warm-up: each worker loads the triage model and the upload path once.
            for store in STORES:
                for n in range(args.workers * 2):
                    _, page = reporters[store].request("GET", "/melden")
                    body, content_type = multipart(report_fields(page, 9000 + n), [("files", "w.jpg", photo)])
                    reporters[store].request("POST", "/melden", body, content_type)
                    attachment_id, _, _ = newest_attachment(engine)
                    staff[store].request("GET", f"/beheer/bijlage/{attachment_id}")
            for n in range(args.submissions):
                for store in (STORES if n % 2 == 0 else tuple(reversed(STORES))):
                    reporter = reporters[store]
                    _, page = reporter.request("GET", "/melden")
                    body, content_type = multipart(report_fields(page, n), [("files", f"IMG_{n}.jpg", photo)])
                    started = time.perf_counter()
                    status, _ = reporter.request("POST", "/melden", body, content_type)
                    times[store]["submit"].append(time.perf_counter() - started)
                    if status != 303:
                        problems.append(f"{store}: submission {n} answered {status}")
                        continue
                    reporter.request("GET", "/melden/bedankt")
                    attachment_id, name, size = newest_attachment(engine)
                    in_db = stored_in_database(engine, name)
                    on_disk = (upload_dir / name).is_file()
                    if (in_db, on_disk) != ((True, False) if store == "database" else (False, True)):
                        problems.append(f"{store}: attachment {attachment_id} in database={in_db}, on disk={on_disk}")
                    started = time.perf_counter()
                    status, data = staff[store].request("GET", f"/beheer/bijlage/{attachment_id}")
                    times[store]["download"].append(time.perf_counter() - started)
                    if status != 200 or len(data) != size or not data.startswith(b"\xff\xd8"):
                        problems.append(f"{store}: download {attachment_id} answered {status}, {len(data)} bytes")
        engine.dispose()

    print(f"== attachment storage: {args.submissions} reports with one {len(photo) / MB:.1f} MB JPEG per store, "
          f"{args.workers} gunicorn workers per store, one PostgreSQL database ==")
    print(f"{'':38}{'p50 ms':>10}{'p95 ms':>10}")
    for what, label in (("submit", "submission with photo"), ("download", "staff download")):
        for store in STORES:
            values = times[store][what]
            print(f"{label + ' (' + store + ')':<38}{statistics.median(values) * 1000:>10.0f}"
                  f"{percentile(values, 0.95) * 1000:>10.0f}")
        ratio50 = statistics.median(times["database"][what]) / statistics.median(times["filesystem"][what])
        ratio95 = percentile(times["database"][what], 0.95) / percentile(times["filesystem"][what], 0.95)
        print(f"{'  database / filesystem':<38}{ratio50:>10.2f}{ratio95:>10.2f}")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
