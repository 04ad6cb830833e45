"""Aggregate daily counters for the form funnel: a date, a name and a number.

No cookie, identifier or address is involved: counting a page view adds one
to today's number and nothing else is kept.

Follow-up logins are counted inside the transaction that records them
(``increment``). Page views and submissions are not worth a database write each
(``count_view``): they are added up first and written in batches. (A submission
used to upsert today's counter row inside its own transaction, which made
concurrent submissions wait for each other's commits.)

- With a shared store (``COUNTER_STORAGE_URL=redis://…``, by default the rate
  limiter's Redis), each process adds up its views for a moment
  (``COUNTER_PUSH_SECONDS``, 2 s) and then adds them to a per-day hash in Redis,
  one ``HINCRBY`` per counter in one round trip (a round trip per view was a
  tenth of a text report's cost). The scheduler's "counters" job moves the totals
  into the database every minute (``flush_shared``); several app machines share
  the one Redis and database.
- Without one (the embedded default), each process adds up its own views and
  writes them itself at most once a minute.

Either way a stopping worker writes what it still holds to the database
(gunicorn.conf.py ``worker_exit``). If Redis cannot be reached, the views stay in
the process and are written to the database once a minute instead; if the
database cannot be written, the numbers are kept for the next attempt. A lost
count never hides the page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from meldpunt.extensions import db
from meldpunt.models import DailyCounter

FORM_VIEW = "form_view"
SUBMISSION = "submission"
FOLLOWUP_LOGIN = "followup_login"
# A process writes the views it added up to the database at most this often.
LOCAL_FLUSH_SECONDS = 60.0
# With a shared store: how long a process adds up views before it adds them to Redis.
SHARED_PUSH_SECONDS = 2.0

log = logging.getLogger(__name__)


def today() -> date:
    # Days are Amsterdam days, like every other daily figure in the statistics.
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


def increment(name: str, day: date | None = None, by: int = 1) -> None:
    """Add to a counter inside the current transaction (an atomic upsert)."""
    day = day or today()
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(DailyCounter).values(day=day, name=name, count=by)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "name"], set_={"count": DailyCounter.count + by}
    )
    db.session.execute(statement)


# --- page views ------------------------------------------------------------------


class _LocalCounts:
    """The views this process added up and not yet wrote (one per app)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[tuple[date, str]] = Counter()
        self.since = time.monotonic()  # the last write to the database (take)
        self.pushed = time.monotonic()  # the last push to the shared store

    def take(self) -> Counter[tuple[date, str]]:
        with self.lock:
            taken, self.counts = self.counts, Counter()
            self.since = time.monotonic()
        return taken

    def put_back(self, counts: Counter[tuple[date, str]]) -> None:
        with self.lock:
            self.counts.update(counts)


def _local() -> _LocalCounts:
    return current_app.extensions.setdefault("meldpunt_view_counts", _LocalCounts())


def _shared_url() -> str | None:
    url = str(current_app.config.get("COUNTER_STORAGE_URL") or "")
    return url if url.startswith(("redis://", "rediss://", "unix://")) else None


def _redis(url: str) -> Any:
    import redis

    clients = current_app.extensions.setdefault("meldpunt_redis", {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = redis.Redis.from_url(url, socket_timeout=2)
    return client


def _key_prefix() -> str:
    return str(current_app.config.get("COUNTER_KEY_PREFIX", "meldpunt:views:"))


def count_view(name: str) -> None:
    """Count one page view (or submission), without a database write or a round trip."""
    day = today()
    local = _local()
    now = time.monotonic()
    with local.lock:
        local.counts[(day, name)] += 1
        push_due = now - local.pushed >= _push_seconds()
        flush_due = now - local.since >= LOCAL_FLUSH_SECONDS
    url = _shared_url()
    if url is not None and push_due and _push(url, local):
        return
    if flush_due:
        flush_local()


def _push_seconds() -> float:
    return float(current_app.config.get("COUNTER_PUSH_SECONDS", SHARED_PUSH_SECONDS))


def _push(url: str, local: _LocalCounts) -> bool:
    """Add the views this process holds to the shared store, in one round trip."""
    with local.lock:
        counts, local.counts = local.counts, Counter()
        local.pushed = time.monotonic()
    if not counts:
        return True
    try:
        pipe = _redis(url).pipeline(transaction=False)
        for (day, name), by in counts.items():
            pipe.hincrby(f"{_key_prefix()}{day.isoformat()}", name, by)
        pipe.execute()
        return True
    except Exception as exc:  # noqa: BLE001 - Redis away: keep them, the database gets them
        log.warning("views not counted in the shared store: %s", type(exc).__name__)
        local.put_back(counts)
        return False


def _write(counts: Counter[tuple[date, str]]) -> bool:
    """Add the counts to the database in one transaction; False (and nothing written) on failure."""
    if not counts:
        return True
    try:
        for (day, name), by in sorted(counts.items()):
            if by:
                increment(name, day=day, by=by)
        db.session.commit()
        return True
    except Exception as exc:  # noqa: BLE001 - e.g. while the database restarts: try again later
        db.session.rollback()
        log.warning("page views not written yet: %s", type(exc).__name__)
        return False


def flush_local() -> int:
    """Write the views this process added up; the number written."""
    local = _local()
    counts = local.take()
    if _write(counts):
        return sum(counts.values())
    local.put_back(counts)
    return 0


def flush_shared() -> int:
    """Move the views added up in the shared store into the database (the scheduler's job).

    Each day's hash is first renamed to a key of this run, so views counted while the
    job runs go into a fresh hash; when the database write fails the numbers are
    added back.
    """
    url = _shared_url()
    if url is None:
        return flush_local()
    client = _redis(url)
    prefix = _key_prefix()
    written = 0
    for raw_key in client.scan_iter(match=f"{prefix}????-??-??", count=100):
        key = raw_key.decode() if isinstance(raw_key, bytes) else str(raw_key)
        claimed = f"{prefix}flushing:{key.removeprefix(prefix)}:{time.time_ns()}"
        try:
            client.rename(key, claimed)
        except Exception as exc:  # noqa: BLE001 - gone meanwhile (another run took it)
            log.info("views of %s already taken: %s", key.removeprefix(prefix), type(exc).__name__)
            continue
        day = date.fromisoformat(key.removeprefix(prefix))
        values = {
            (k.decode() if isinstance(k, bytes) else str(k)): int(v) for k, v in client.hgetall(claimed).items()
        }
        counts = Counter({(day, name): by for name, by in values.items()})
        if _write(counts):
            client.delete(claimed)
            written += sum(counts.values())
        else:
            pipe = client.pipeline()
            for name, by in values.items():
                pipe.hincrby(key, name, by)
            pipe.delete(claimed)
            pipe.execute()
    return written + flush_local()
