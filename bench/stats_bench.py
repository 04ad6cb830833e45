"""Benchmark: the statistics pages and the rollup on a large PostgreSQL database.

Seeds (or reuses) a database with N demo reports spread over realistic categories
(90 postcode areas and 20 campaign codes, 15 of them configured in MELDPUNT_CAMPAIGNS,
so breakdowns are as wide as a city's) and a year of daily counters, rebuilds the
statistics aggregates (which also publishes every finished quarter and year), then:

* times a rollup run with nothing new (target: under 2 s; it must keep the cache token);
* times the pages through the Flask test client, cold (the first request of a process
  after a rollup: the figure cache emptied) and warm (p50/p95 over a number of requests),
  against the 100 ms p95 warm target, next to the same figures computed straight from
  the report table (the baseline of the same run);
* checks that every number the internal dashboard shows equals the direct figure.

    .venv/bin/python bench/stats_bench.py                      # 1,000,000 reports
    .venv/bin/python bench/stats_bench.py --reports 200000
    .venv/bin/python bench/stats_bench.py --database-url postgresql+psycopg://...

The URL comes from --database-url, else MELDPUNT_BENCH_DATABASE_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/meldpunt_stats_bench; the database
is created when missing. Reports already present are reused.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics as pystats
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/meldpunt_stats_bench"
TARGET_MS = 100.0
QUIET_ROLLUP_TARGET_S = 2.0
TZ = "Europe/Amsterdam"
AREAS = 90
CAMPAIGN_CODES = 20
# Fifteen codes are configured; the other five count as "overig" (a code outside the list).
CAMPAIGNS = {f"campagne-{i:02d}": f"Campagne {i + 1}" for i in range(15)}


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            print(f"created database {parsed.database}")
    admin.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def seed(app, wanted: int) -> int:
    from meldpunt import demo
    from meldpunt.extensions import db

    have = db.session.scalar(text("SELECT count(*) FROM report"))
    if have >= wanted:
        print(f"reusing {have:,} reports")
        return have
    missing = wanted - have
    print(f"seeding {missing:,} reports (have {have:,}) ...", flush=True)
    started = time.perf_counter()
    done = 0
    while done < missing:
        step = min(50_000, missing - done)
        # A different seed per batch keeps receipt hashes unique across runs.
        demo.seed_reports(step, seed=1000 + (have + done) // 50_000)
        done += step
        print(f"  {have + done:,} reports, {time.perf_counter() - started:.0f} s", flush=True)
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return have + done


def direct_figures(period) -> dict:
    """The dashboard's figures straight from the report table (no aggregates, no suppression)."""
    from meldpunt.extensions import db
    from meldpunt.stats.aggregates import DIMENSIONS, day_start

    def count_between(first, end) -> int:
        return db.session.scalar(
            text("SELECT count(*) FROM report WHERE created_at >= :a AND created_at < :b"),
            {"a": day_start(first), "b": day_start(end)},
        )

    figures: dict = {}
    figures["total"] = count_between(period.start, period.end)
    figures["previous"] = count_between(period.previous().start, period.previous().end)
    figures["last_year"] = count_between(period.last_year().start, period.last_year().end)

    def grouped(expression: str, where: str, params: dict) -> dict:
        # Only this file's constant expressions are formatted in; values are bound.
        sql = f"SELECT {expression}, count(*) FROM report WHERE {where} GROUP BY 1"  # noqa: S608
        return dict(db.session.execute(text(sql), params).all())

    local = f"(created_at AT TIME ZONE '{TZ}')"
    since = {"a": day_start(period.start - timedelta(days=800))}
    figures["per_week"] = grouped(f"date_trunc('week', {local})::date", "created_at >= :a", since)
    figures["per_month"] = grouped(f"date_trunc('month', {local})::date", "created_at >= :a", since)
    columns = {
        "theme": "theme",
        "urgency": "urgency",
        "route": "route",
        "reporter_type": "reporter_type",
        "place_type": "place_type",
        "postcode_area": "coalesce(postcode_area, '')",
        "anonymous": "CASE WHEN anonymous THEN 'ja' ELSE 'nee' END",
        "attachments": "CASE WHEN has_attachments THEN 'ja' ELSE 'nee' END",
        "campaign": "coalesce(campaign_code, '')",
        "heard_via": "coalesce(heard_via, '')",
        "returned": "CASE WHEN reporter_last_seen_at IS NULL THEN 'nee' ELSE 'ja' END",
    }
    assert set(columns) == set(DIMENSIONS)
    bounds = {"a": day_start(period.start), "b": day_start(period.end)}
    in_period = "created_at >= :a AND created_at < :b"
    figures["breakdowns"] = {n: grouped(expr, in_period, bounds) for n, expr in columns.items()}
    figures["outcomes"] = dict(
        db.session.execute(
            text(
                "SELECT coalesce(outcome, "
                "CASE WHEN status = 'niet_ontvankelijk' THEN status ELSE 'onbekend' END), "
                "count(*) FROM report WHERE closed_at >= :a AND closed_at < :b "
                "AND status IN ('afgerond', 'niet_ontvankelijk') GROUP BY 1"
            ),
            bounds,
        ).all()
    )
    figures["closing"] = db.session.execute(
        text(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY closed_at - created_at), "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY closed_at - created_at) FROM report "
            "WHERE closed_at >= :a AND closed_at < :b "
            "AND status IN ('afgerond', 'niet_ontvankelijk')"
        ),
        bounds,
    ).one()
    figures["first_action"] = db.session.execute(
        text(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY first_action_at - created_at), "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY first_action_at - created_at) FROM report "
            "WHERE created_at >= :a AND created_at < :b AND first_action_at IS NOT NULL"
        ),
        bounds,
    ).one()
    funnel = db.session.execute(
        text(
            "SELECT name, sum(count) FROM daily_counter WHERE day >= :a AND day < :b GROUP BY name"
        ),
        {"a": period.start, "b": period.end},
    ).all()
    figures["funnel"] = dict(funnel)
    return figures


def widen_categories() -> None:
    """Postcode areas and campaign codes as wide as a city's, with a long tail: a few areas
    and codes get a report or two a month, so small counts and their protection are real."""
    from meldpunt.extensions import db

    spread = db.session.execute(
        text(
            "SELECT count(DISTINCT postcode_area), count(*) FILTER (WHERE postcode_area "
            "NOT LIKE '30%%' OR postcode_area IS NULL) FROM report"
        )
    ).one()
    if spread[0] >= 80 and spread[1] == 0:
        return
    print(f"spreading reports over {AREAS} postcode areas and {CAMPAIGN_CODES} campaign codes ...")
    # A hash of the id as a uniform number u in (0, 1); -ln(u) * k is exponential: area 0
    # holds 12 % of the reports, area 50 about 1 in 4,000, the last ones hardly any.
    uniform = "((({id}::bigint * {prime}) % 1000003) + 1) / 1000004.0"
    area = f"least({AREAS - 1}, floor(-ln({uniform.format(id='id', prime=7919)}) * 8))"
    code = f"least({CAMPAIGN_CODES - 1}, floor(-ln({uniform.format(id='id', prime=104729)}) * 3))"
    # Only this file's constant expressions are formatted in; the values are bound.
    db.session.execute(
        text(
            f"UPDATE report SET postcode_area = (3000 + {area})::int::text, "  # noqa: S608
            f"campaign_code = CASE WHEN id % 3 = 0 THEN NULL ELSE "
            f"'campagne-' || lpad(({code})::int::text, 2, '0') END"
        )
    )
    db.session.execute(text("ANALYZE report"))
    db.session.commit()


def add_counters() -> None:
    """Daily form views and visits with a receipt code for every day with reports (once)."""
    from meldpunt.extensions import db

    if db.session.scalar(text("SELECT count(*) FROM daily_counter")):
        return
    db.session.execute(
        text(
            "INSERT INTO daily_counter (day, name, count) "
            f"SELECT d, n, c FROM (SELECT (created_at AT TIME ZONE '{TZ}')::date AS d, count(*) AS k "  # noqa: S608
            "FROM report GROUP BY 1) per_day, "
            "LATERAL (VALUES ('form_view', k * 7 + 10), ('submission', k), ('followup_login', k / 4)) v(n, c)"
        )
    )
    db.session.commit()


def check_against_dashboard(period, figures) -> list[str]:
    """Published dashboard numbers must equal the direct figures wherever they are shown."""
    from meldpunt.stats import categories, dashboard

    problems = []
    board = dashboard.dashboard(period)
    shown = board.headline.rows[0].cells[0]
    if shown.shown and shown.value != figures["total"]:
        problems.append(f"total {shown.value} != {figures['total']}")
    for table in board.breakdowns:
        dimension = next(
            d for d, info in categories.DIMENSION_INFO.items() if info.slug == table.name
        )
        if dimension not in figures["breakdowns"] or dimension == "campaign":
            continue  # campaigns outside the list are grouped: no one-to-one comparison
        direct = figures["breakdowns"][dimension]
        for row in table.rows:
            cell = row.cells[0]
            if not row.total and cell.shown and cell.value != direct.get(row.key, 0):
                problems.append(f"{dimension}={row.key}: {cell.value} != {direct.get(row.key, 0)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reports", type=int, default=1_000_000, help="number of reports (default 1,000,000)"
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("MELDPUNT_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--requests", type=int, default=20, help="timed warm requests per page")
    parser.add_argument("--cold", type=int, default=3, help="timed cold requests per page")
    parser.add_argument(
        "--direct-runs", type=int, default=3, help="timed runs of the direct computation"
    )
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="reuse the aggregates as they are"
    )
    args = parser.parse_args()

    ensure_database(args.database_url)
    from flask_migrate import upgrade

    from meldpunt import create_app

    data_dir = Path(tempfile.mkdtemp(prefix="stats-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "DATA_DIR": str(data_dir),
            "TESTING": True,
            "CAMPAIGNS": CAMPAIGNS,
        }
    )
    with app.app_context():
        from meldpunt.extensions import db
        from meldpunt.staff import accounts as staff
        from meldpunt.stats import aggregates, periods, publication, rollup
        from meldpunt.stats import figures as figure_cache

        upgrade(revision="heads")
        total = seed(app, args.reports)
        widen_categories()
        add_counters()

        if not args.skip_rebuild or aggregates.state_token() is None:
            started = time.perf_counter()
            result = rollup.rebuild_all()
            print(
                f"rollup: full rebuild of {result.days} days ({result.rows:,} aggregate rows, "
                f"{result.published} periods published) in {time.perf_counter() - started:.1f} s"
            )
        started = time.perf_counter()
        result = rollup.rollup()
        print(
            f"rollup: incremental run, {result.days} days recomputed, {result.changed} changed, "
            f"{result.published} published, in {time.perf_counter() - started:.2f} s"
        )
        token_before = aggregates.state_token()
        quiet_times = []
        for _ in range(3):
            started = time.perf_counter()
            quiet = rollup.rollup()
            quiet_times.append(time.perf_counter() - started)
        kept = aggregates.state_token() == token_before
        quiet_s = max(quiet_times)
        print(
            f"rollup: a run with nothing new: {quiet.changed} days changed, {quiet.published} "
            f"published, token {'kept' if kept else 'RENEWED'}, slowest of 3 {quiet_s:.2f} s "
            f"(target {QUIET_ROLLUP_TARGET_S:.0f} s: {'ok' if quiet_s <= QUIET_ROLLUP_TARGET_S else 'TOO SLOW'})"
        )
        today = aggregates.local_today()
        published = len(publication.published())
        print(f"publications stored: {published}")

        user = (
            staff.find_by_email("bench-communicatie@gemeente.example")
            or staff.create_user("bench-communicatie@gemeente.example", "communicatie").user
        )
        token = user.session_token
        db.session.remove()

    client = app.test_client()
    print(f"\n{total:,} reports in PostgreSQL; target {TARGET_MS:.0f} ms p95 warm per page\n")
    print(
        f"{'page':<22}{'cold p50':>10}{'max':>8}{'warm p50':>10}{'p95':>8}"
        f"{'direct p50':>12}{'direct/warm':>13}  target"
    )
    last_month = (today.replace(day=1) - timedelta(days=1)).isoformat()
    pages = [
        ("maand (vorige)", "maand", last_month),
        ("maand (loopt)", "maand", today.isoformat()),
        ("kwartaal", "kwartaal", today.isoformat()),
        ("jaar", "jaar", today.isoformat()),
        ("jaar tot nu", "jaar-tot-nu", last_month),
        ("week", "week", today.isoformat()),
        ("campagnes", None, "/statistiek/campagnes"),
        ("/resultaten", None, "/resultaten"),
        ("factsheet vorig jaar", None, f"/statistiek/factsheet/{today.year - 1}"),
    ]
    worst = 0.0
    for name, kind, where in pages:
        path = f"/statistiek/?periode={kind}&vanaf={where}" if kind else where

        def get(path=path) -> float:
            with client.session_transaction() as session:
                session["_user_id"] = token
                session["_fresh"] = True
                session["bo_seen"] = time.time()
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, response.status_code)
            return elapsed

        # Cold: the first request of a process after a rollup (nothing cached in this process).
        cold = []
        for _ in range(args.cold):
            figure_cache.clear_cache()
            cold.append(get())
        warm = [get() for _ in range(args.requests)]
        d50 = float("nan")
        problems: list[str] = []
        if kind:
            with app.app_context(), app.test_request_context():
                period = periods.Period.containing(kind, date.fromisoformat(where))
                direct_times = []
                for _ in range(args.direct_runs):
                    started = time.perf_counter()
                    figures = direct_figures(period)
                    direct_times.append((time.perf_counter() - started) * 1000)
                problems = check_against_dashboard(period, figures)
                d50 = pystats.median(direct_times)
                db.session.remove()
        c50, cmax = pystats.median(cold), max(cold)
        p50, p95 = pystats.median(warm), percentile(warm, 0.95)
        worst = max(worst, p95)
        verdict = "ok" if p95 <= TARGET_MS else "TOO SLOW"
        direct = f"{d50:>9.0f} ms{d50 / p50:>12.1f}x" if kind else f"{'–':>12}{'':>13}"
        print(f"{name:<22}{c50:>7.0f} ms{cmax:>5.0f} ms{p50:>7.0f} ms{p95:>5.0f} ms{direct}  {verdict}")
        if problems:
            print("  MISMATCH between dashboard and direct figures:", "; ".join(problems[:5]))
    print(
        f"\nworst page time (p95 warm): {worst:.0f} ms "
        f"({'within' if worst <= TARGET_MS else 'over'} the {TARGET_MS:.0f} ms target); "
        f"quiet rollup {quiet_s:.2f} s"
    )
    return 0 if worst <= TARGET_MS and quiet_s <= QUIET_ROLLUP_TARGET_S and kept else 1


if __name__ == "__main__":
    sys.exit(main())
