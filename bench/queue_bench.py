"""Time the staff queue and full-text search on a large PostgreSQL database.

    .venv/bin/python bench/queue_bench.py [--reports 1000000] [--database-url URL] [--requests 50]

Seeds (or reuses) a database with N demo reports through ``seed_reports`` (the
code behind ``flask seed-demo``), then requests the queue page and searches
through the Flask test client and prints p50/p95 server time against the
300 ms target. The database URL comes from --database-url or
MELDPUNT_BENCH_DATABASE_URL (default: a local ``meldpunt_bench`` database,
created when missing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/meldpunt_bench"
TARGET_MS = 300
QUEUE_VIEWS = [
    {},
    {"pagina": "5"},
    {"status": "alle"},
    {"status": "alle", "urgency": "hoog"},
    {"theme": "hennep", "status": "alle"},
    {"status": "afgerond", "postcode": "3312"},
    {"route": "riec", "status": "alle", "bijlagen": "ja"},
    {"review": "ja", "status": "alle", "melder": "ondernemer"},
    {"status": "alle", "van": "2026-01-01", "tot": "2026-03-31"},
]
SEARCHES = [
    {"q": "wietlucht"},
    {"q": "ramen afgeplakt", "status": "alle"},
    {"q": "jerrycans"},
    {"q": "paspoort", "status": "alle"},
    {"q": "gokzuil café", "status": "alle"},
    {"q": "contant betalen", "status": "alle"},
    {"q": "busje arbeiders"},
    {"q": "dure auto's", "status": "alle", "theme": "witwassen"},
]


def ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            print(f"created database {target.database}")
    admin.dispose()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(client, params_list: list[dict], requests: int) -> list[float]:
    times = []
    for i in range(requests):
        params = params_list[i % len(params_list)]
        started = time.perf_counter()
        response = client.get("/beheer", query_string=params)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"queue answered {response.status_code} for {params}")
        times.append(elapsed)
    return times


def sign_in(app):
    import pyotp

    from meldpunt.extensions import db
    from meldpunt.staff import accounts as staff

    email = f"bench-{int(time.time())}@meldpunt.example"
    password = "bench-wachtwoord-123"
    with app.app_context():
        made = staff.create_user(email, "triage", password=password)
        made.user.totp_confirmed = True
        made.user.must_change_password = False
        db.session.commit()
        secret = made.totp_secret
    client = app.test_client()

    def token(path):
        html = client.get(path).get_data(as_text=True)
        return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    client.post("/beheer/login", data={"csrf_token": token("/beheer/login"), "email": email, "password": password})
    response = client.post(
        "/beheer/login/code", data={"csrf_token": token("/beheer/login/code"), "code": pyotp.TOTP(secret).now()}
    )
    if response.status_code != 303:
        raise SystemExit("could not sign in for the benchmark")
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("MELDPUNT_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=50, help="timed requests per kind")
    args = parser.parse_args()

    ensure_database(args.database_url)
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from meldpunt import create_app, demo
    from meldpunt.extensions import db
    from meldpunt.models import Report

    data_dir = Path(tempfile.gettempdir()) / "meldpunt-bench-data"
    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "bench.local",
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        have = db.session.scalar(select(func.count(Report.id))) or 0
        if have < args.reports:
            missing = args.reports - have
            print(f"seeding {missing} reports (database holds {have}) ...", flush=True)
            started = time.perf_counter()
            demo.seed_reports(missing, seed=have + 1)
            print(f"seeded {missing} reports in {time.perf_counter() - started:.0f} s", flush=True)
        # Fresh statistics and visibility map, as autovacuum would leave them.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE report"))
        total = db.session.scalar(select(func.count(Report.id)))
        print(f"database holds {total} reports")

    client = sign_in(app)
    timed(client, QUEUE_VIEWS + SEARCHES, 10)  # warm-up: connections, caches, templates
    results = {
        "queue": timed(client, QUEUE_VIEWS, args.requests),
        "search": timed(client, SEARCHES, args.requests),
    }
    failed = False
    for kind, times in results.items():
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        verdict = "OK" if p95 < TARGET_MS else "TOO SLOW"
        failed |= p95 >= TARGET_MS
        print(
            f"{kind:6s}  n={len(times)}  p50={p50:6.1f} ms  p95={p95:6.1f} ms  "
            f"max={max(times):6.1f} ms  mean={statistics.mean(times):6.1f} ms  target p95<{TARGET_MS} ms: {verdict}"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
