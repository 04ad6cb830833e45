"""Fault injection: a gunicorn worker is SIGKILLed while it stores a large upload.

Starts gunicorn (1 worker, so the worker handling the request is known) on
loopback against a throw-away PostgreSQL database, submits a report with
several large text attachments and kills the worker the moment the first
attachment file appears in the upload folder (so it dies between writing the
files and committing the report). Repeated --rounds times. Then checks:

* no report row exists for a killed submission (nothing half-stored);
* the files it left are strays: no row, and the cleanup job (jobs.apply_retention,
  run with ``now`` past the grace period) removes them all;
* gunicorn replaced the worker and a normal submission succeeds afterwards.

    python bench/fault_worker_kill.py [--rounds 3]

Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import Client, Running, add_database_argument, multipart, running, wait_until_serving  # noqa: E402,E501

MB = 1024 * 1024
TEXT = "In het pand naast de bakker komen elke avond mannen voor een paar minuten en gaan weer weg"


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def form_fields(client: Client, marker: str) -> dict[str, str]:
    _, page = client.request("GET", "/melden")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    return {
        "csrf_token": token.group(1).decode() if token else "",
        "text": f"{TEXT} ({marker})",
        "place_type": "bedrijfspand",
        "reporter_type": "bewoner",
        "ongoing": "ja",
        "anonymity": "anoniem",
        "share_identity": "nee",
        "email_notice": "nee",
    }


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    add_database_argument(parser)
    args = parser.parse_args()

    checks: list[tuple[str, bool, str]] = []
    # These checks watch attachment files on disk: the filesystem store, not PostgreSQL's
    # default database store (whose all-or-nothing is the transaction's, tests/test_faults.py).
    os.environ["MELDPUNT_ATTACHMENT_STORAGE"] = "filesystem"
    with running(args.database_url, "meldpunt_kill", workers=1) as run:
        try:
            kill_and_check(run, args.rounds, checks)
        except Exception as exc:
            checks.append(("script ran to the end", False, f"{type(exc).__name__}: {exc}"))

    width = max(len(c[0]) for c in checks)
    for label, ok, detail in checks:
        print(f"{'OK  ' if ok else 'FAIL'} {label:<{width}}  {detail}")
    passed = all(ok for _, ok, _ in checks)
    print("RESULT:", "OK" if passed else "FAIL")
    return 0 if passed else 1


def kill_and_check(run: Running, rounds: int, checks: list[tuple[str, bool, str]]) -> None:
    from sqlalchemy import text

    server, port, db_url, data_dir = run.server, run.port, run.db_url, run.data_dir
    upload_dir = Path(data_dir) / "attachments"
    big = [(f"notities{i}.txt", (f"regel {i} met tekst over de loods\n" * (8 * MB // 32)).encode())
           for i in range(4)]
    killed_rounds = 0
    for round_no in range(rounds):
        workers = children(server.pid)
        client = Client(port)
        fields = form_fields(client, f"kill{round_no}")
        body, content_type = multipart(fields, [("files", n, d) for n, d in big])
        before = set(os.listdir(upload_dir)) if upload_dir.exists() else set()
        outcome: dict = {}

        def post(client: Client, body: bytes, content_type: str, outcome: dict) -> None:
            try:
                outcome["status"], _ = client.request("POST", "/melden", body, content_type)
            except Exception as exc:
                outcome["error"] = type(exc).__name__

        thread = threading.Thread(target=post, args=(client, body, content_type, outcome))
        thread.start()
        killed = False
        deadline = time.monotonic() + 60
        while thread.is_alive() and time.monotonic() < deadline:
            now_files = set(os.listdir(upload_dir)) if upload_dir.exists() else set()
            if now_files - before:
                for pid in workers:
                    os.kill(pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.001)
        thread.join(timeout=60)
        left = sorted((set(os.listdir(upload_dir)) if upload_dir.exists() else set()) - before)
        print(f"round {round_no}: worker killed={killed}, response={outcome}, files left={len(left)}")
        killed_rounds += killed
        wait_until_serving(port)  # the replacement worker
        Client(port).request("GET", "/melden")

    checks.append(
        ("a worker was killed mid-submission", killed_rounds > 0, f"{killed_rounds}/{rounds} rounds")
    )

    check = run.engine()
    with check.connect() as conn:
        killed_reports = conn.execute(text("SELECT count(*) FROM report WHERE text LIKE '%(kill%'")).scalar()
        names = set(conn.execute(text("SELECT storage_name FROM attachment")).scalars())
    on_disk = set(os.listdir(upload_dir)) if upload_dir.exists() else set()
    strays = on_disk - names
    print(f"after the kills: {killed_reports} reports from killed submissions, "
          f"{len(names)} attachment rows, {len(on_disk)} files on disk ({len(strays)} strays)")
    checks.append(("no report row from a killed submission", killed_reports == 0, f"{killed_reports}"))
    checks.append(("no attachment row without its file", not (names - on_disk), f"{len(names - on_disk)}"))

    # The cleanup job, run past the grace period, removes the strays.
    os.environ.update(MELDPUNT_DATABASE_URL=db_url, MELDPUNT_DATA_DIR=data_dir)
    from meldpunt import create_app
    from meldpunt.jobs import retention
    from meldpunt.jobs import scheduler as jobs

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "DATA_DIR": data_dir})
    with app.app_context():
        now = datetime.now(UTC)
        early = jobs.apply_retention(now)["strays"]
        late = jobs.apply_retention(now + retention.STRAY_GRACE + timedelta(minutes=1))["strays"]
        pending = jobs.clean_uploads(now + timedelta(hours=2))["removed"]
        from meldpunt.extensions import db

        db.engine.dispose()
    left = set(os.listdir(upload_dir)) if upload_dir.exists() else set()
    print(f"cleanup job: {early} strays removed within the grace period, {late} after it; "
          f"{pending} pending upload sets removed; {len(left)} files left")
    checks.append(("cleanup leaves strays alone within the grace period", early == 0, f"{early}"))
    checks.append(("cleanup removes every stray after the grace period", late == len(strays) and left == names,
                   f"{late} of {len(strays)}"))

    # The server recovered: a normal submission goes through.
    client = Client(port)
    fields = form_fields(client, "after")
    body, content_type = multipart(fields, [("files", "klein.txt", b"een korte notitie\n")])
    status, _ = client.request("POST", "/melden", body, content_type)
    checks.append(("a submission succeeds after the kills (gunicorn replaced the worker)", status == 303,
                   f"status {status}"))
    checks.append(("gunicorn master still running", server.poll() is None, ""))
    with check.connect() as conn:
        ok_rows = conn.execute(text("SELECT count(*) FROM attachment")).scalar()
    check.dispose()
    files_now = len(os.listdir(upload_dir))
    checks.append(
        ("attachment rows == files on disk at the end", ok_rows == files_now, f"{ok_rows} vs {files_now}")
    )


if __name__ == "__main__":
    raise SystemExit(main())
