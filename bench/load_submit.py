"""Load test of the intake: concurrent reporters fetch the form and submit.

Starts gunicorn (4 workers) on loopback against a fresh PostgreSQL database,
sends a bounded number of reports from concurrent clients (10% with a 1 MB
photo), and prints: reports sent, reports stored (must be equal), responses
>= 500 (must be 0), throughput and p50/p99 latency, plus the throughput of the
bare /gezond endpoint on the same server in the same run, as a ratio.

    python bench/load_submit.py [--clients 100] [--reports 5000] [--database-url URL]

All traffic stays on 127.0.0.1; the run stops by itself after --max-seconds.
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

from bench._harness import Client, add_database_argument, multipart, running  # noqa: E402

TEXTS = [
    "Bij de loods aan de Industrieweg staan de ramen afgeplakt en ik hoor dag en nacht gezoem.",
    "In het pand naast de bakker komen elke avond mannen voor een paar minuten en gaan weer weg.",
    "De kapsalon op de hoek heeft nooit klanten maar de eigenaar rijdt in een dure auto.",
    "Er wonen twaalf arbeiders in een huis met drie kamers en ze worden om vijf uur opgehaald.",
    "Op het erf van de boerderij staan sinds kort blauwe vaten en het ruikt naar anijs.",
]


def photo_bytes(target: int = 1024 * 1024) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(1)
    side = 700
    while True:
        pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format="JPEG", quality=90)
        if out.tell() >= target * 0.95:
            return out.getvalue()
        side += 100


def submit_reports(port: int, count: int, clients: int, photo: bytes, deadline: float):
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
            started = time.perf_counter()
            status, page = client.request("GET", "/melden")
            token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
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
            files = [("files", "foto.jpg", photo)] if n % 10 == 0 else []
            body, content_type = multipart(fields, files)
            status, _ = client.request("POST", "/melden", body, content_type)
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


def bare_throughput(port: int, requests: int, clients: int) -> float:
    done = 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal done
        client = Client(port)
        while True:
            with lock:
                if done >= requests:
                    return
                done += 1
            client.request("GET", "/gezond")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return requests / (time.perf_counter() - started)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=900)
    add_database_argument(parser)
    args = parser.parse_args()

    from sqlalchemy import text

    with running(args.database_url, "meldpunt_load", workers=args.workers) as run:
        port = run.port
        photo = photo_bytes()
        deadline = time.monotonic() + args.max_seconds
        sent, statuses, latencies, seconds = submit_reports(port, args.reports, args.clients, photo, deadline)
        bare = bare_throughput(port, max(2000, args.reports), args.clients)
        check = run.engine()
        with check.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM report")).scalar()
            with_files = conn.execute(text("SELECT count(*) FROM report WHERE has_attachments")).scalar()
        check.dispose()
        errors = sum(n for status, n in statuses.items() if status >= 500)
        throughput = sent / seconds
        print(f"clients                 {args.clients} (gunicorn workers: {args.workers})")
        print(f"reports sent            {sent}")
        verdict = "OK" if stored == sent else "MISMATCH"
        print(f"reports stored          {stored}   (with photo: {with_files})   {verdict}")
        print(f"responses >= 500        {errors}   {'OK' if errors == 0 else 'FAIL'}")
        print(f"status counts           {dict(sorted(statuses.items()))}")
        print(f"submit throughput       {throughput:.1f} reports/s (form fetch + submit)")
        p50, p99 = statistics.median(latencies) * 1000, percentile(latencies, 0.99) * 1000
        print(f"latency p50 / p99       {p50:.0f} ms / {p99:.0f} ms")
        print(f"bare /gezond throughput {bare:.1f} requests/s")
        print(f"ratio submit / bare     {throughput / bare:.3f}")
        return 0 if stored == sent and errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
