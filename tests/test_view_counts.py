"""Page views are counted without a database write per GET, and none are lost."""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import event, func, select

from meldpunt import counters
from meldpunt.extensions import db
from meldpunt.models import DailyCounter

REDIS_URL = os.environ.get("MELDPUNT_TEST_REDIS_URL")


def stored_views(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.coalesce(func.sum(DailyCounter.count), 0)).where(DailyCounter.name == counters.FORM_VIEW)
        ) or 0


def writes_during(app, action) -> list[str]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def test_form_views_cost_no_database_write_and_are_written_in_one_batch(app, client):
    before = stored_views(app)
    writes = writes_during(app, lambda: [client.get("/melden") for _ in range(5)])
    assert writes == []
    assert stored_views(app) == before
    with app.app_context():
        assert counters.flush_local() == 5
    assert stored_views(app) == before + 5


def test_a_process_writes_its_views_itself_once_the_interval_has_passed(app, client, monkeypatch):
    monkeypatch.setattr(counters, "LOCAL_FLUSH_SECONDS", 0.0)
    before = stored_views(app)
    client.get("/melden")
    assert stored_views(app) == before + 1


def test_views_are_kept_when_the_database_cannot_be_written(app, client, monkeypatch):
    before = stored_views(app)
    client.get("/melden")
    client.get("/melden")

    def broken(*args, **kwargs):
        raise RuntimeError("database away")

    with monkeypatch.context() as patched:
        patched.setattr(counters, "increment", broken)
        with app.app_context():
            assert counters.flush_local() == 0
    with app.app_context():
        assert counters.flush_local() == 2
    assert stored_views(app) == before + 2


def test_the_scheduler_job_writes_the_views_of_this_process_without_a_shared_store(app, client):
    from meldpunt.jobs import scheduler

    before = stored_views(app)
    client.get("/melden")
    with app.app_context():
        result = scheduler.run_job("counters")
    assert result.outcome == "ok"
    assert stored_views(app) == before + 1


@pytest.mark.skipif(not REDIS_URL, reason="MELDPUNT_TEST_REDIS_URL is not set (CI sets it)")
def test_views_counted_in_redis_are_moved_to_the_database_by_the_scheduler(app_factory):
    import redis

    from meldpunt.jobs import scheduler

    prefix = f"meldpunt-test:{secrets.token_hex(6)}:"
    # Every view pushed at once (the batching has its own test below).
    app = app_factory(COUNTER_STORAGE_URL=REDIS_URL, COUNTER_KEY_PREFIX=prefix, COUNTER_PUSH_SECONDS=0)
    client = app.test_client()
    store = redis.Redis.from_url(REDIS_URL)
    try:
        writes = writes_during(app, lambda: [client.get("/melden") for _ in range(3)])
        assert writes == []
        key = f"{prefix}{counters.today().isoformat()}"
        assert int(store.hget(key, counters.FORM_VIEW)) == 3
        assert stored_views(app) == 0
        with app.app_context():
            result = scheduler.run_job("counters")
        assert result.outcome == "ok" and "3" in result.summary
        assert stored_views(app) == 3
        assert not store.keys(f"{prefix}*")  # moved, not copied
    finally:
        for leftover in store.scan_iter(match=f"{prefix}*"):
            store.delete(leftover)


@pytest.mark.skipif(not REDIS_URL, reason="MELDPUNT_TEST_REDIS_URL is not set (CI sets it)")
def test_views_reach_redis_in_batches_of_one_round_trip(app_factory, monkeypatch):
    import redis

    prefix = f"meldpunt-test:{secrets.token_hex(6)}:"
    app = app_factory(COUNTER_STORAGE_URL=REDIS_URL, COUNTER_KEY_PREFIX=prefix, COUNTER_PUSH_SECONDS=3600)
    client = app.test_client()
    store = redis.Redis.from_url(REDIS_URL)
    key = f"{prefix}{counters.today().isoformat()}"
    try:
        with app.app_context():
            counters.flush_local()  # starts this app's counts (and their clock) empty
        sent = []
        real = counters._redis
        monkeypatch.setattr(counters, "_redis", lambda url: sent.append(url) or real(url))
        writes = writes_during(app, lambda: [client.get("/melden") for _ in range(4)])
        assert writes == [] and sent == [] and store.hget(key, counters.FORM_VIEW) is None
        app.config["COUNTER_PUSH_SECONDS"] = 0
        client.get("/melden")
        assert len(sent) == 1  # one pipeline for all five
        assert int(store.hget(key, counters.FORM_VIEW)) == 5
        with app.app_context():
            assert counters.flush_local() == 0  # nothing counted twice
    finally:
        for leftover in store.scan_iter(match=f"{prefix}*"):
            store.delete(leftover)


def test_views_held_for_redis_are_written_to_the_database_when_redis_is_away(app_factory, monkeypatch):
    app = app_factory(COUNTER_STORAGE_URL="redis://127.0.0.1:1/0", COUNTER_PUSH_SECONDS=0)
    client = app.test_client()
    before = stored_views(app)
    client.get("/melden")
    client.get("/melden")
    assert stored_views(app) == before  # kept in the process, not lost
    with app.app_context():
        assert counters.flush_local() == 2
    assert stored_views(app) == before + 2
