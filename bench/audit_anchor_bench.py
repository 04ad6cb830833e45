"""What the shared audit anchor costs: one audit append and its commit, anchor file versus
anchor table (issue 18, ADR 0010), in one run.

    .venv/bin/python bench/audit_anchor_bench.py [--appends 200] [--rounds 6] [--database-url URL]

Makes a throw-away PostgreSQL database (bench/_harness.py), gives it an insert-only anchor
role with ``flask audit-anchor-setup`` (dropped again at the end), and builds two apps on it
with the same keys: one anchors in a file in its data directory (the embedded default's way),
the other in the table ``audit_anchor`` through the anchor role. Rounds alternate which app
goes first, so the other helpers' load on the machine hits both alike. Each append is what a
staff page view costs the audit log: ``audit.record`` and ``db.session.commit()``, which
appends the head to the anchor after the commit. Prints p50 / p95 / mean per append for each
and the ratio table / file, then checks that verify-audit holds for both anchors.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import add_database_argument, running  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appends", type=int, default=200, help="appends per app per round")
    parser.add_argument("--rounds", type=int, default=6)
    add_database_argument(parser)
    args = parser.parse_args()

    from cryptography.fernet import Fernet
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from meldpunt import create_app
    from meldpunt.extensions import db
    from meldpunt.staff import anchor, audit

    keys = {"SECRET_KEY": "s" * 48, "ENCRYPTION_KEYS": [Fernet.generate_key().decode()], "RECEIPT_KEY": "r" * 48}
    role = f"meldpunt_anchor_bench_{uuid.uuid4().hex[:8]}"
    with running(args.database_url, "anchor_bench", workers=1, warm=0) as run, \
            tempfile.TemporaryDirectory() as folder:
        base = {"SQLALCHEMY_DATABASE_URI": run.db_url, "RATELIMIT_ENABLED": False, **keys}
        file_app = create_app({**base, "DATA_DIR": f"{folder}/file"})
        setup = file_app.test_cli_runner().invoke(args=["audit-anchor-setup", "--role", role])
        if setup.exit_code != 0:
            print(setup.output, file=sys.stderr)
            return 1
        anchor_url = make_url(run.db_url).set(username=role, password=None).render_as_string(hide_password=False)
        table_app = create_app({**base, "DATA_DIR": f"{folder}/table", "AUDIT_ANCHOR_DATABASE_URL": anchor_url})
        apps = {"file": file_app, "table": table_app}
        timings: dict[str, list[float]] = {"file": [], "table": []}
        try:
            for number in range(args.rounds):
                order = ("file", "table") if number % 2 == 0 else ("table", "file")
                for kind in order:
                    with apps[kind].app_context():
                        for i in range(args.appends):
                            started = time.perf_counter()
                            audit.record("bench.view", "bench", "report", i)
                            db.session.commit()
                            timings[kind].append(time.perf_counter() - started)
            checks = {}
            for kind, app in apps.items():
                with app.app_context():
                    checks[kind] = audit.verify_chain()
        finally:
            for app in apps.values():
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
                anchor.dispose(app)
            owner = create_engine(run.db_url, isolation_level="AUTOCOMMIT")
            with owner.connect() as conn:
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
            owner.dispose()

    total = args.rounds * args.appends
    print(f"audit append + commit, {total} per anchor, {args.rounds} alternating rounds (machine shared, loaded)")
    print(f"{'anchor':<8}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}")
    for kind, values in timings.items():
        print(f"{kind:<8}{percentile(values, 0.5) * 1000:>9.2f}{percentile(values, 0.95) * 1000:>9.2f}"
              f"{statistics.fmean(values) * 1000:>9.2f}")
    ratio = {share: percentile(timings["table"], share) / percentile(timings["file"], share) for share in (0.5, 0.95)}
    print(f"table / file: p50 {ratio[0.5]:.2f}x, p95 {ratio[0.95]:.2f}x")
    for kind, check in checks.items():
        print(f"verify-audit with the {kind} anchor: {'intact' if check.ok else check.description} "
              f"({check.checked} events)")
    return 0 if all(check.ok for check in checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
