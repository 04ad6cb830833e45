"""p95 server time per back-office page at a large number of reports (issue 15, measure).

    .venv/bin/python bench/backoffice_pages_bench.py [--reports 1000000] [--requests 40] [--keep]

Makes a throw-away PostgreSQL database (``--database-url`` names the server), migrates it,
and fills it in SQL (``generate_series``): N reports spread over five years, about 0.3 % of
them open or with unread news (2 % of all acute), a quarter of the open ones assigned, with status events,
forwards, messages and audit events in proportion; then a few reports through the real
intake service for the report page. Every page is requested ``--requests`` times through
the Flask test client in this process (server time, no network), signed in as an admin
(who may open every page), in turn with the same page on a baseline database of
``--baseline-reports`` reports made the same way in the same run: p50 and p95 per page are
printed against the 150 ms target, and the ratio of the two p95s says what the million
reports cost apart from the machine's load. Full-text search is left
to ``bench/queue_bench.py``, whose demo corpus has realistic word frequencies (here every
word is in a sixth of the reports). ``--keep`` keeps the
database for a rerun (``--reuse NAME``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import add_database_argument  # noqa: E402

TARGET_MS = 150
PAGES = {
    "queue (te behandelen)": "/beheer",
    "queue mijn meldingen": "/beheer?weergave=mijn",
    "queue acuut": "/beheer?weergave=acuut",
    "queue wacht op melder": "/beheer?weergave=wacht_op_melder",
    "queue nieuwe info": "/beheer?weergave=nieuwe_info",
    "queue alle, pagina 3": "/beheer?status=alle&pagina=3",
    "queue alle + thema + urgentie": "/beheer?status=alle&theme=hennep&urgency=hoog",
    "queue alle + thema, pagina 200": "/beheer?status=alle&theme=hennep&pagina=200",
    "report": "/beheer/melding/{report_id}?status=open",
    # Opened from "Alle": next/previous walk the whole table's order, not the short open list.
    "report (uit alle)": "/beheer/melding/{report_id}?status=alle",
    "routing": "/beheer/routering",
    "users": "/beheer/gebruikers",
    "audit": "/beheer/audit",
    "templates": "/beheer/sjablonen",
}
TEXTS = [
    "Er hangt een sterke wietlucht bij de loods en de ramen zijn afgeplakt.",
    "Steeds andere mensen in een busje, ze werken dag en nacht en slapen in de schuur.",
    "Een kapper waar nooit klanten komen, maar er staan wel dure auto's voor de deur.",
    "Jerrycans en blauwe vaten gedumpt langs het fietspad, het ruikt naar anijs.",
    "In het café staat een gokzuil achterin, er komen jongeren van 15 spelen.",
    "De huurder betaalt elke maand contant en er wonen telkens andere mannen.",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


FILL_SQL = """
INSERT INTO report (created_at, receipt_hash, text, location, postcode, postcode_area, place_type, reporter_type,
    ongoing, language, anonymous, share_identity, wants_email_notice, status, outcome, theme, urgency,
    urgency_rank, route, review, has_attachments, unread_for_staff, feedback_unread, awaiting_reporter,
    needs_action, assignee_id, assigned_at, closed_at, first_opened_at, first_action_at)
SELECT
    now() - make_interval(mins => (({n} - g)::bigint * 2628000 / {n})::int),
    md5('r' || g || '{salt}'),
    (ARRAY[{texts}])[1 + g % 6] || ' (' || g || ')',
    'Straat ' || (g % 997) || ', Voorbeeld', lpad(((1000 + g % 8999))::text, 4, '0') || 'AB',
    lpad(((1000 + g % 8999))::text, 4, '0'),
    (ARRAY['woning','bedrijfspand','horeca','buitengebied'])[1 + g % 4],
    (ARRAY['bewoner','ondernemer','professional','onbekend'])[1 + g % 4],
    'onbekend', 'nl', true, false, false,
    CASE WHEN g % 1000 = 0 THEN 'nieuw' WHEN g % 1000 = 1 THEN 'in_behandeling' WHEN g % 1000 = 2 THEN 'doorgestuurd'
         WHEN g % 7 = 0 THEN 'niet_ontvankelijk' ELSE 'afgerond' END,
    CASE WHEN g % 1000 < 3 OR g % 7 = 0 THEN NULL ELSE 'controle_uitgevoerd' END,
    (ARRAY['hennep','arbeidsuitbuiting','witwassen','drugslab','gokken','vastgoed'])[1 + g % 6],
    CASE WHEN (g / 1000) % 50 = 0 THEN 'acuut' ELSE (ARRAY['hoog','normaal','normaal','laag'])[1 + (g / 7) % 4] END,
    CASE WHEN (g / 1000) % 50 = 0 THEN 0 ELSE (ARRAY[1,2,2,3])[1 + (g / 7) % 4] END,
    (ARRAY['politie','arbeidsinspectie','riec','politie','kansspelautoriteit','riec'])[1 + g % 6],
    g % 13 = 0, g % 5 = 0,
    g % 1000 = 2 AND g % 3 = 0, g % 10000 = 3, g % 1000 = 2 AND g % 3 = 1,
    g % 1000 < 2 OR (g % 1000 = 2 AND g % 3 = 0) OR g % 10000 = 3,
    CASE WHEN g % 1000 < 3 AND g % 4 = 0 THEN {staff_id} END,
    CASE WHEN g % 1000 < 3 AND g % 4 = 0 THEN now() END,
    CASE WHEN g % 1000 >= 3 THEN now() - make_interval(mins => (({n} - g)::bigint * 2600000 / {n})::int) END,
    now(), now()
FROM generate_series(1, {n}) AS g
"""


def fill(engine, reports: int, staff_id: int) -> None:
    from sqlalchemy import text

    texts = ", ".join("'" + t.replace("'", "''") + "'" for t in TEXTS)
    started = time.perf_counter()
    step = 200_000
    with engine.begin() as conn:
        for start in range(0, reports, step):
            size = min(step, reports - start)
            conn.execute(text(FILL_SQL.format(n=size, texts=texts, staff_id=staff_id, salt=uuid.uuid4().hex)))
            print(f"  {start + size:>9,} reports ({time.perf_counter() - started:.0f} s)", flush=True)
        # Some history per report kind, for the report page and the queue's joins.
        conn.execute(text("INSERT INTO status_event (report_id, created_at, status, outcome) "
                          "SELECT id, closed_at, status, outcome FROM report WHERE closed_at IS NOT NULL "
                          "AND id % 10 = 0"))
        conn.execute(text("INSERT INTO forward (report_id, created_at, route, with_identity) "
                          "SELECT id, created_at, route, false FROM report WHERE status = 'doorgestuurd'"))
        conn.execute(text("INSERT INTO message (report_id, created_at, sender, body) "
                          "SELECT id, created_at, 'staff', 'Weet u op welke dagen dit gebeurt?' FROM report "
                          "WHERE awaiting_reporter"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)


def sign_in(app, role: str = "admin"):
    import pyotp

    from meldpunt.extensions import db
    from meldpunt.staff import accounts as staff

    email = f"bench-{uuid.uuid4().hex[:6]}@meldpunt.example"
    password = "bench-wachtwoord-123"
    with app.app_context():
        made = staff.create_user(email, role, password=password)
        made.user.totp_confirmed = True
        made.user.must_change_password = False
        db.session.commit()
        secret, user_id = made.totp_secret, made.user.id
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
    return client, user_id


def make_database(admin, server, name: str | None, reports: int, label: str):
    """A migrated database with ``reports`` reports, an admin client and a report id for the report page."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, func, select, text

    from meldpunt import create_app
    from meldpunt.extensions import db
    from meldpunt.intake import reports as intake
    from meldpunt.models import Report

    if name is None:
        name = f"bench_backoffice_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    app = create_app({"DATA_DIR": tempfile.mkdtemp(prefix="bench-backoffice-"), "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False, "SERVER_NAME": "bench.local"})
    with app.app_context():
        upgrade(revision="heads")
        have = db.session.scalar(select(func.count(Report.id))) or 0
    client, staff_id = sign_in(app)
    if have < reports:
        print(f"{label}: filling {reports - have:,} reports ...", flush=True)
        fill(create_engine(url), reports - have, staff_id)
    with app.app_context():
        report_id = intake.submit_report(intake.NewReport(text=TEXTS[0], location="Dijkstraat 12")).report_id
        total = db.session.scalar(select(func.count(Report.id)))
        waiting = db.session.scalar(select(func.count(Report.id)).where(Report.needs_action.is_(True)))
    print(f"{label}: {total:,} reports, {waiting:,} needing a staff action", flush=True)
    return name, app, client, report_id


def timed(client, path: str, cpu: list[float] | None = None) -> float:
    """Server time of one request in ms; ``cpu`` gets this process's CPU time for it (the
    app and the driver, not the database server), which waiting for a busy CPU does not inflate."""
    started, started_cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if cpu is not None:
        cpu.append((time.process_time() - started_cpu) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--baseline-reports", type=int, default=20_000,
                        help="the same pages on a small database, requested in turn with the large one")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the large database for a rerun")
    parser.add_argument("--reuse", default=None, help="name of a database kept by --keep")
    add_database_argument(parser)
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from meldpunt.extensions import db

    server = make_url(args.database_url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    made: list[tuple[str, object]] = []
    try:
        small_name, small_app, small, small_id = make_database(admin, server, None, args.baseline_reports, "baseline")
        made.append((small_name, small_app))
        name, app, large, report_id = make_database(admin, server, args.reuse, args.reports, "measured")
        made.append((name, app))
        print(f"\n{args.requests} requests per page, in turn on both databases; server time in this process")
        print(f"{'page':<34}{'p50 ms':>9}{'p95 ms':>9}{'base p95':>10}{'ratio':>7}{'cpu p50':>9}"
              f"  target {TARGET_MS} ms")
        worst = 0.0
        for label, path in PAGES.items():
            measured: list[float] = []
            baseline: list[float] = []
            cpu: list[float] = []
            for _ in range(args.requests):
                baseline.append(timed(small, path.format(report_id=small_id)))
                measured.append(timed(large, path.format(report_id=report_id), cpu))
            p95, base = percentile(measured, 0.95), percentile(baseline, 0.95)
            worst = max(worst, p95)
            flag = "" if p95 < TARGET_MS else "  over target"
            print(f"{label:<34}{statistics.median(measured):>9.1f}{p95:>9.1f}{base:>10.1f}{p95 / base:>7.2f}"
                  f"{statistics.median(cpu):>9.1f}{flag}")
        print(f"\nworst p95: {worst:.1f} ms ({'within' if worst < TARGET_MS else 'over'} the {TARGET_MS} ms target); "
              "ratio = p95 at the large database / p95 at the baseline database (same run, same load); "
              "cpu p50 = this process's CPU time per request at the large database (not inflated by a busy machine)")
    finally:
        for made_name, made_app in made:
            with made_app.app_context():  # type: ignore[attr-defined]
                db.session.remove()
                db.engine.dispose()
            if made_name == args.reuse or (args.keep and made_name != made[0][0]):
                print(f"kept database {made_name} (rerun with --reuse {made_name})")
                continue
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{made_name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
