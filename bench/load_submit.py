"""Load test of the intake, measured against a bare insert-and-commit app in the same run.

Starts a throw-away PostgreSQL database and gunicorn (4 workers, the project's
gunicorn.conf.py) and runs two scenarios:

text (default)
    Concurrent reporters each fetch the form, submit a text report and open the
    thank-you page. The same client makes the same three requests against
    ``bench/bare_app.py`` (a form, one INSERT and COMMIT, a thank-you page) served
    by the same gunicorn settings on the same database, before and after the
    meldpunt run (their mean is the baseline). Prints reports sent and stored (must
    be equal), responses >= 500 (must be 0), throughput, p50/p99 latency and the
    ratio meldpunt / bare (target >= 0.5).

photos
    Four clients at once each send reports with five 19 MB, 6000x4000 phone photos
    (JPEG with EXIF and GPS). Prints how many were accepted (must be all), time per
    submission, worker CPU per photo, and per worker the idle, peak and after-run
    resident memory, alone and with the short-lived child processes that clean the
    files. ``--flood`` sends five small 49.9-megapixel PNGs per report instead (the
    pixel flood of issue 16).

    python bench/load_submit.py [--scenario text|photos|both] [--clients 40] [--reports 2000]
                                [--photo-rounds 2] [--flood] [--database-url URL]
                                [--ratelimit-redis redis://127.0.0.1:6379/N]

Rate limits are off unless ``--ratelimit-redis`` names a Redis database: then they are on
as in production with several workers (limits and page views counted in that Redis), behind
one trusted proxy, every report from its own address (X-Forwarded-For). The bare app gets
the same requests and headers.

Text ratio, 7 Dec 2026 (branch text-speed against 44077ec; 2 cores shared with other
helpers, load average 5-8; three runs each, before and after interleaved; see
docs/measurements/issue17-submission.md):

    .venv/bin/python bench/load_submit.py --scenario text --reports 1000
        before 0.44 / 0.37 / 0.41, after 0.46 / 0.50 / 0.64
    .venv/bin/python bench/load_submit.py --scenario text --reports 1000 --ratelimit-redis redis://127.0.0.1:6379/11
        before 0.34 / 0.44 / 0.22, after 0.60 / 0.58 / 0.66

All traffic stays on 127.0.0.1; each part stops by itself after --max-seconds.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _harness  # noqa: E402
from bench._harness import (  # noqa: E402
    Client,
    MemorySampler,
    add_database_argument,
    cpu_seconds,
    multipart,
    rss_bytes,
    running,
    serving,
    workers_of,
)

TEXTS = [
    "Bij de loods aan de Industrieweg staan de ramen afgeplakt en ik hoor dag en nacht gezoem.",
    "In het pand naast de bakker komen elke avond mannen voor een paar minuten en gaan weer weg.",
    "De kapsalon op de hoek heeft nooit klanten maar de eigenaar rijdt in een dure auto.",
    "Er wonen twaalf arbeiders in een huis met drie kamers en ze worden om vijf uur opgehaald.",
    "Op het erf van de boerderij staan sinds kort blauwe vaten en het ruikt naar anijs.",
]
MB = 1024 * 1024
TOKEN = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
KEY = re.compile(rb'name="submission_key" value="([^"]+)"')


def report_fields(page: bytes, n: int) -> dict[str, str]:
    token, key = TOKEN.search(page), KEY.search(page)
    fields = {
        "csrf_token": token.group(1).decode() if token else "",
        "text": f"{TEXTS[n % len(TEXTS)]} (melding {n})",
        "place_type": "bedrijfspand",
        "reporter_type": "bewoner",
        "ongoing": "ja",
        "anonymity": "anoniem",
        "share_identity": "nee",
        "email_notice": "nee",
    }
    if key:
        fields["submission_key"] = key.group(1).decode()
    return fields


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# --- text scenario ---------------------------------------------------------------------


def reporter_address(n: int) -> str:
    """Report ``n``'s own (made-up) client address: every report comes from another reporter."""
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def submit_text_reports(port: int, count: int, clients: int, deadline: float, offset: int = 0):
    """Form, submit, thank-you page, ``count`` times over ``clients`` connections.

    Each report carries its own address in X-Forwarded-For (used only when the server
    trusts a proxy: the rate-limited runs), numbered from ``offset``.
    """
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sent = 0
    lock = threading.Lock()
    counter = iter(range(count))

    def worker() -> None:
        nonlocal sent
        client = Client(port)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            address = reporter_address(offset + n)
            started = time.perf_counter()
            _, page = client.request("GET", "/melden", forwarded_for=address)
            body, content_type = multipart(report_fields(page, n), [])
            status, _ = client.request("POST", "/melden", body, content_type, forwarded_for=address)
            if status == 303:
                client.request("GET", "/melden/bedankt", forwarded_for=address)
            elapsed = time.perf_counter() - started
            with lock:
                sent += 1
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sent, statuses, latencies, time.perf_counter() - started


def count_rows(run, table: str) -> int:
    from sqlalchemy import text

    engine = run.engine()
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)  # noqa: S608
    finally:
        engine.dispose()


def text_scenario(run, args) -> bool:
    from sqlalchemy import text

    engine = run.engine()
    with engine.begin() as conn:
        conn.execute(text(
            "CREATE TABLE IF NOT EXISTS bare_report "
            "(id serial PRIMARY KEY, text text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        ))
    engine.dispose()

    def bare_run(offset: int) -> tuple[float, int, int]:
        before = count_rows(run, "bare_report")
        with serving(run, args.workers, "bench.bare_app:app") as (_, port):
            for _ in range(args.workers * 2):
                Client(port).request("GET", "/melden")
            deadline = time.monotonic() + args.max_seconds
            sent, statuses, _, seconds = submit_text_reports(port, args.reports, args.clients, deadline, offset)
        stored = count_rows(run, "bare_report") - before
        errors = sum(n for status, n in statuses.items() if status >= 500)
        return sent / seconds, sent - stored, errors

    bare_before, lost_before, errors_before = bare_run(0)
    deadline = time.monotonic() + args.max_seconds
    sent, statuses, latencies, seconds = submit_text_reports(
        run.port, args.reports, args.clients, deadline, args.reports
    )
    stored = count_rows(run, "report")
    bare_after, lost_after, errors_after = bare_run(2 * args.reports)
    bare = (bare_before + bare_after) / 2
    errors = sum(n for status, n in statuses.items() if status >= 500)
    throughput = sent / seconds
    ratio = throughput / bare
    print("== text submissions: form + submit + thank-you page ==")
    print(f"clients                   {args.clients} (gunicorn workers: {args.workers})")
    limits = f"on, in {args.ratelimit_redis}" if args.ratelimit_redis else "off (--ratelimit-redis turns them on)"
    print(f"rate limits               {limits}")
    print(f"reports sent              {sent}")
    print(f"reports stored            {stored}   {'OK' if stored == sent else 'MISMATCH'}")
    print(f"responses >= 500          {errors}   {'OK' if errors == 0 else 'FAIL'}")
    print(f"status counts             {dict(sorted(statuses.items()))}")
    print(f"meldpunt throughput       {throughput:.1f} reports/s")
    p50, p99 = statistics.median(latencies) * 1000, percentile(latencies, 0.99) * 1000
    print(f"latency p50 / p99         {p50:.0f} ms / {p99:.0f} ms")
    print(f"bare insert+commit        {bare_before:.1f} before, {bare_after:.1f} after: {bare:.1f} reports/s "
          f"(lost {lost_before + lost_after}, >= 500: {errors_before + errors_after})")
    print(f"ratio meldpunt / bare     {ratio:.2f}   {'OK' if ratio >= 0.5 else 'below the 0.5 target'}")
    return stored == sent and errors == 0


# --- photo scenario --------------------------------------------------------------------


def phone_photo() -> bytes:
    """A 6000x4000 JPEG of about 19 MB (noise compresses like a detailed scene) with EXIF and GPS."""
    return _harness.phone_photo(6000, 4000, seed=17)


def flood_png() -> bytes:
    """A PNG of a few kB that decodes to 49.9 megapixels (just under the per-image limit)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (7060, 7060), (90, 120, 30)).save(out, format="PNG")
    return out.getvalue()


def photo_scenario(run, args) -> bool:
    files = [flood_png()] * 5 if args.flood else [phone_photo()] * 5
    kind = "49.9 MP PNG" if args.flood else "6000x4000 JPEG"
    names = [f"IMG_{n}.{'png' if args.flood else 'jpg'}" for n in range(5)]
    workers = workers_of(run.server)
    # Warm up: every worker handles a report with one small photo first (loading the code
    # of the upload path once), so "idle" is a worker that has seen an upload before.
    small = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (64, 48), (200, 30, 30)).save(small, format="JPEG")
    for n in range(len(workers) * 3):
        warm = Client(run.port)
        _, page = warm.request("GET", "/melden")
        body, content_type = multipart(report_fields(page, 9000 + n), [("files", "a.jpg", small.getvalue())])
        warm.request("POST", "/melden", body, content_type)
    time.sleep(1.0)
    idle = {pid: rss_bytes(pid) for pid in workers}
    cpu_before = sum(cpu_seconds(pid) for pid in workers)
    results: list[tuple[int, float, int]] = []
    lock = threading.Lock()

    def client_loop(number: int) -> None:
        client = Client(run.port)
        client.conn.timeout = 300
        for round_number in range(args.photo_rounds):
            _, page = client.request("GET", "/melden")
            fields = report_fields(page, number * 100 + round_number)
            parts = [("files", name, data) for name, data in zip(names, files, strict=True)]
            body, content_type = multipart(fields, parts)
            started = time.perf_counter()
            status, answer = client.request("POST", "/melden", body, content_type)
            elapsed = time.perf_counter() - started
            refused = answer.count(b'class="field-error" id="files-error"')
            with lock:
                results.append((status, elapsed, refused))

    with MemorySampler(run.server) as sampler:
        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.photo_clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    time.sleep(1.0)
    after = {pid: rss_bytes(pid) for pid in workers}
    cpu = sum(cpu_seconds(pid) for pid in workers) - cpu_before
    accepted = sum(1 for status, _, _ in results if status == 303)
    times = [elapsed for _, elapsed, _ in results]
    photos = accepted * 5 if not args.flood else len(results) * 5
    print(f"== photos: {args.photo_clients} clients, five {len(files[0]) / MB:.1f} MB {kind} files per report ==")
    print(f"submissions               {len(results)} ({args.photo_rounds} per client), wall {wall:.1f} s")
    print(f"accepted (303)            {accepted}   status counts "
          f"{dict(sorted({s: sum(1 for r in results if r[0] == s) for s, _, _ in results}.items()))}")
    print(f"time per submission       p50 {statistics.median(times):.2f} s, max {max(times):.2f} s")
    print(f"worker CPU per photo      {cpu / max(photos, 1):.3f} s (all workers and their child processes)")
    for pid in workers:
        alone, together = sampler.peak_alone.get(pid, 0), sampler.peak_with_children.get(pid, 0)
        print(f"worker {pid:<8}           idle {idle[pid] / MB:.0f} MB, peak {alone / MB:.0f} MB "
              f"(with its cleaning child {together / MB:.0f} MB), after {after[pid] / MB:.0f} MB")
    worst_growth = max(sampler.peak_with_children.get(pid, 0) - idle[pid] for pid in workers)
    worst_peak = max(sampler.peak_with_children.values(), default=0)
    print(f"largest growth over idle  {worst_growth / MB:.0f} MB (target <= 250 MB); largest peak "
          f"{worst_peak / MB:.0f} MB (target <= 400 MB)")
    if args.flood:
        return all(status in (303, 422) for status, _, _ in results)
    return accepted == len(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=["text", "photos", "both"], default="text")
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--photo-clients", type=int, default=4)
    parser.add_argument("--photo-rounds", type=int, default=2)
    parser.add_argument("--flood", action="store_true", help="photos scenario with 49.9-megapixel PNGs")
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--ratelimit-redis", metavar="URL", default=None,
                        help="rate limits on, counted in this Redis database (as in production with "
                             "several workers); each report from its own address behind one trusted proxy")
    add_database_argument(parser)
    args = parser.parse_args()

    ok = True
    with running(args.database_url, "meldpunt_load", workers=args.workers, warm=args.workers * 2,
                 ratelimit_redis=args.ratelimit_redis) as run:
        if args.scenario in ("text", "both"):
            ok = text_scenario(run, args) and ok
        if args.scenario in ("photos", "both"):
            ok = photo_scenario(run, args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
