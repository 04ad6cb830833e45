"""Page loads, clicks and keystrokes per report for one triage worker (issue 15, measure).

    .venv/bin/python bench/triage_scenario_bench.py [--reports 30]

Serves the app with gunicorn on a throw-away PostgreSQL database (bench/_harness.py),
adds N demo reports (``flask seed-demo``'s code) all waiting in the default queue, signs
in a coordinator in Debian's chromium (Playwright) and works through them as
``bench/triage_scenario.py`` does: take (``o``), confirm or correct, forward, next. Prints
the counts per report and the target for a report that only needs confirming and
forwarding (at most 2 page loads and 5 actions), and the wall time per report beside a
baseline from the same run (loading the queue page).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import add_database_argument, running  # noqa: E402
from bench.triage_scenario import work_through  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-wachtwoord-123"


def prepare(db_url: str, data_dir: str, reports: int) -> tuple[str, str]:
    from sqlalchemy import update

    from meldpunt import create_app, demo
    from meldpunt.extensions import db
    from meldpunt.models import Report
    from meldpunt.staff import accounts as staff

    app = create_app({"DATA_DIR": data_dir, "SQLALCHEMY_DATABASE_URI": db_url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        demo.seed_reports(reports, seed=15)
        db.session.execute(update(Report).values(status="nieuw", outcome=None, closed_at=None, needs_action=True,
                                                 first_action_at=None, first_opened_at=None))
        made = staff.create_user("werker@bench.example", "coordinator", password=PASSWORD)
        made.user.totp_confirmed = True
        made.user.must_change_password = False
        db.session.commit()
        secret = made.totp_secret
        db.session.remove()
        db.engine.dispose()
    return "werker@bench.example", secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=30)
    add_database_argument(parser)
    args = parser.parse_args()

    import pyotp
    from playwright.sync_api import sync_playwright

    with running(args.database_url, "bench_scenario", workers=2) as served:
        email, secret = prepare(served.db_url, served.data_dir, args.reports)
        base = f"http://127.0.0.1:{served.port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            page = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{base}/beheer/login")
            page.get_by_label("E-mailadres").fill(email)
            page.get_by_label("Wachtwoord").fill(PASSWORD)
            page.get_by_role("button", name="Verder").click()
            page.wait_for_url("**/beheer/login/code")
            page.get_by_label("Code", exact=False).fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Inloggen").click()
            page.wait_for_url(f"{base}/beheer")
            baseline = []
            for _ in range(5):
                started = time.perf_counter()
                page.goto(f"{base}/beheer")
                baseline.append(time.perf_counter() - started)
            started = time.perf_counter()
            counts = work_through(page, base, args.reports)
            elapsed = time.perf_counter() - started
            browser.close()
    summary = counts.summary()
    print(json.dumps(summary, indent=1))
    per_report = elapsed / max(1, counts.reports)
    base_load = sorted(baseline)[len(baseline) // 2]
    print(f"\n{counts.reports} reports in {elapsed:.1f} s: {per_report:.2f} s of machine time per report "
          f"({per_report / base_load:.1f} x one queue page load of {base_load * 1000:.0f} ms)")
    ok = summary["confirm_forward_worst_page_loads"] <= 2 and summary["confirm_forward_worst_actions"] <= 5
    print(f"target for confirm + forward (<= 2 page loads, <= 5 actions): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
