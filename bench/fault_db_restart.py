"""Fault injection: PostgreSQL stops and starts while reporters submit.

Creates a throw-away database on the local PostgreSQL, starts gunicorn
(2 workers) on loopback against it, and submits reports from a few client
threads in three phases:

* before:   PostgreSQL up; every submission must succeed (303).
* outage:   PostgreSQL stopped (fast) for ~5 s; every response must be calm:
            503 (or a rendered error page), never a traceback or a dropped
            connection, and a POST must show the reporter's own text again.
* recovery: PostgreSQL started again (gunicorn NOT restarted); submissions
            must succeed again.

Finally checks in the database: every report has its triage suggestion and a
status event, every attachment row has its file and no file lacks a row.
PostgreSQL is always started again in a ``finally`` block.

    python bench/fault_db_restart.py [--clients 3] [--outage-seconds 5] [--cluster main --database-url URL]

Not part of the pytest suite: stopping PostgreSQL would break other tests.
Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import html
import io
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import Client, add_database_argument, multipart, running  # noqa: E402

TEXT = "Bij de loods aan de Industrieweg staan de ramen afgeplakt en ik hoor dag en nacht gezoem"


CLUSTER = "main"  # --cluster: the Debian PostgreSQL cluster that --database-url points at


def pg_cluster_cmd(action: str) -> list[str]:
    versions = sorted(os.listdir("/etc/postgresql"))
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], CLUSTER, action] + (
        ["-m", "fast"] if action == "stop" else []
    )


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 30, 200)).save(out, format="PNG")
    return out.getvalue()


class Phase:
    name = "before"


def run_clients(port: int, clients: int, phase: Phase, stop: threading.Event, results: list, lock):
    photo = png_bytes()
    counter = iter(range(10**9))

    def worker(index: int) -> None:
        client = Client(port)
        token = ""
        while not stop.is_set():
            with lock:
                n = next(counter)
            current = phase.name
            marker = f"fout{uuid.uuid4().hex[:12]}"
            record = {"phase": current, "n": n, "marker": marker}
            try:
                status, page = client.request("GET", "/melden")
                record["get_status"] = status
                record["get_traceback"] = b"Traceback" in page
                found = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
                if found:
                    token = found.group(1).decode()
                fields = {
                    "csrf_token": token,
                    "text": f"{TEXT} ({marker})",
                    "place_type": "bedrijfspand",
                    "reporter_type": "bewoner",
                    "ongoing": "ja",
                    "anonymity": "anoniem",
                    "share_identity": "nee",
                    "email_notice": "nee",
                }
                files = [("files", "foto.png", photo)] if n % 3 == 0 else []
                body, content_type = multipart(fields, files)
                status, page = client.request("POST", "/melden", body, content_type)
                text = html.unescape(page.decode("utf-8", "replace"))
                record.update(
                    post_status=status,
                    traceback="Traceback" in text,
                    text_kept=marker in text,
                    with_file=bool(files),
                )
            except Exception as exc:  # a dropped connection is a failure, not a crash of the script
                record["error"] = type(exc).__name__
                client.conn.close()
                client = Client(port)
            # A phase change during the request makes its outcome ambiguous: tag it.
            if phase.name != current:
                record["phase"] = f"{current}->{phase.name}"
            with lock:
                results.append(record)
            time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def wait_for_postgres(admin, seconds: float = 60) -> bool:
    from sqlalchemy import text

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with admin.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            admin.dispose()
            time.sleep(0.3)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=3)
    parser.add_argument("--before-seconds", type=float, default=3)
    parser.add_argument("--outage-seconds", type=float, default=5)
    parser.add_argument("--recovery-seconds", type=float, default=5)
    parser.add_argument("--cluster", default="main",
                        help="Debian cluster of that server, stopped and started (a private one on a shared machine)")
    add_database_argument(parser)
    args = parser.parse_args()
    global CLUSTER
    CLUSTER = args.cluster

    from sqlalchemy import text

    stop = threading.Event()
    threads: list[threading.Thread] = []
    results: list[dict] = []
    lock = threading.Lock()
    phase = Phase()
    checks: list[tuple[str, bool, str]] = []
    pg_stopped = False
    # These checks watch attachment files on disk: the filesystem store, not PostgreSQL's
    # default database store (whose all-or-nothing is the transaction's, tests/test_faults.py).
    os.environ["MELDPUNT_ATTACHMENT_STORAGE"] = "filesystem"
    with running(args.database_url, "meldpunt_fault", workers=2, warm=4) as run:
        admin, server, port, data_dir = run.admin, run.server, run.port, run.data_dir
        try:
            gunicorn_pid = server.pid

            threads = run_clients(port, args.clients, phase, stop, results, lock)
            time.sleep(args.before_seconds)

            phase.name = "outage"
            stopped = subprocess.run(pg_cluster_cmd("stop"), capture_output=True, text=True)
            pg_stopped = True
            print(f"PostgreSQL stop: rc={stopped.returncode} {stopped.stderr.strip()}")
            time.sleep(args.outage_seconds)

            phase.name = "restart"
            started = subprocess.run(pg_cluster_cmd("start"), capture_output=True, text=True)
            print(f"PostgreSQL start: rc={started.returncode} {started.stderr.strip()}")
            back = wait_for_postgres(admin)
            pg_stopped = not back
            checks.append(("PostgreSQL accepts connections again", back, ""))

            phase.name = "recovery"
            time.sleep(args.recovery_seconds)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

            checks.append(("gunicorn master not restarted", server.poll() is None and server.pid == gunicorn_pid, ""))

            # --- per-phase outcomes ------------------------------------------------
            by_phase: dict[str, list[dict]] = {}
            for record in results:
                by_phase.setdefault(record["phase"], []).append(record)
            print()
            print(
                f"{'phase':<22}{'sent':>6}{'303':>6}{'503':>6}{'other':>7}"
                f"{'conn err':>10}{'text kept':>11}{'GET !=200':>11}"
            )
            order = ["before", "outage", "restart", "recovery"]
            for key in sorted(by_phase, key=lambda k: order.index(k.split("->")[0])):
                rows = by_phase[key]
                ok = sum(r.get("post_status") == 303 for r in rows)
                calm = sum(r.get("post_status") == 503 for r in rows)
                errors = sum("error" in r for r in rows)
                other = len(rows) - ok - calm - errors
                kept = sum(bool(r.get("text_kept")) for r in rows if r.get("post_status") == 503)
                get_bad = sum(r.get("get_status") not in (None, 200) for r in rows)
                print(f"{key:<22}{len(rows):>6}{ok:>6}{calm:>6}{other:>7}{errors:>10}{kept:>11}{get_bad:>11}")
            print()

            before = by_phase.get("before", [])
            outage = by_phase.get("outage", [])
            recovery = by_phase.get("recovery", [])
            checks.append(("before: all submissions stored (303)",
                           bool(before) and all(r.get("post_status") == 303 for r in before), f"{len(before)} sent"))
            checks.append(("outage: submissions were attempted", len(outage) > 0, f"{len(outage)} sent"))
            bad_outage = [r for r in outage if r.get("post_status") not in (303, 503) or "error" in r]
            checks.append(("outage: every POST answered 503 (or stored), no dropped connection",
                           not bad_outage, f"bad: {[(r.get('post_status'), r.get('error')) for r in bad_outage][:5]}"))
            failed = [r for r in outage if r.get("post_status") == 503]
            checks.append(("outage: at least one submission saw the outage (503)", bool(failed),
                           f"{len(failed)} x 503"))
            checks.append(("outage: every 503 page shows the reporter's own text",
                           all(r.get("text_kept") for r in failed), ""))
            checks.append(("outage: form page still served (GET 200)",
                           all(r.get("get_status") == 200 for r in outage if "get_status" in r), ""))
            checks.append(("no traceback in any response",
                           not any(r.get("traceback") or r.get("get_traceback") for r in results), ""))
            tail = recovery[len(recovery) // 2:]
            checks.append(("recovery: submissions succeed again without restarting gunicorn",
                           bool(tail) and all(r.get("post_status") == 303 for r in tail),
                           f"{sum(r.get('post_status') == 303 for r in recovery)}/{len(recovery)} stored"))
            transitional = [r for k, rows in by_phase.items() if "->" in k for r in rows]
            checks.append(("phase-change requests: 303 or 503 only",
                           all(r.get("post_status") in (303, 503) for r in transitional),
                           f"{len(transitional)} requests"))

            # --- the database and the disk agree ---------------------------------
            check = run.engine()
            with check.connect() as conn:
                reports = conn.execute(text("SELECT count(*) FROM report")).scalar()
                no_suggestion = conn.execute(text(
                    "SELECT count(*) FROM report r WHERE NOT EXISTS "
                    "(SELECT 1 FROM triage_suggestion t WHERE t.report_id = r.id)")).scalar()
                no_event = conn.execute(text(
                    "SELECT count(*) FROM report r WHERE NOT EXISTS "
                    "(SELECT 1 FROM status_event s WHERE s.report_id = r.id)")).scalar()
                names = set(conn.execute(text("SELECT storage_name FROM attachment")).scalars())
                with_files = conn.execute(text("SELECT count(*) FROM report WHERE has_attachments")).scalar()
            check.dispose()
            stored_ok = sum(r.get("post_status") == 303 for r in results)
            upload_dir = Path(data_dir) / "attachments"
            on_disk = {p.name for p in upload_dir.iterdir()} if upload_dir.exists() else set()
            expected_files = sum(r.get("post_status") == 303 and r.get("with_file", False) for r in results)
            print(f"database: {reports} reports ({with_files} with a file), {len(names)} attachment rows, "
                  f"{len(on_disk)} files on disk; clients saw {stored_ok} x 303")
            checks.append(("reports stored == 303 responses", reports == stored_ok, f"{reports} vs {stored_ok}"))
            checks.append(("every report has a triage suggestion", no_suggestion == 0, f"{no_suggestion} without"))
            checks.append(("every report has a status event", no_event == 0, f"{no_event} without"))
            checks.append(("attachment rows == files on disk (no orphan file, no missing file)",
                           names == on_disk, f"rows-only {len(names - on_disk)}, files-only {len(on_disk - names)}"))
            checks.append(("attachment rows == stored submissions with a file", len(names) == expected_files,
                           f"{len(names)} vs {expected_files}"))
        except Exception as exc:
            checks.append(("script ran to the end", False, f"{type(exc).__name__}: {exc}"))
        finally:
            stop.set()
            # Always bring PostgreSQL back: other work on this machine depends on it.
            status = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
            if pg_stopped or "online" not in status:
                subprocess.run(pg_cluster_cmd("start"), capture_output=True)
                wait_for_postgres(admin)
            for thread in threads:
                thread.join(timeout=30)

    width = max(len(c[0]) for c in checks)
    for label, ok, detail in checks:
        print(f"{'OK  ' if ok else 'FAIL'} {label:<{width}}  {detail}")
    passed = all(ok for _, ok, _ in checks)
    print("RESULT:", "OK" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
