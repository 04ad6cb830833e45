"""gunicorn workers give memory back: recycling with jitter and glibc allocator settings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_settings():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_workers_are_recycled_with_jitter():
    settings = load_settings()
    assert settings.max_requests > 0 and 0 < settings.max_requests_jitter < settings.max_requests


def test_allocator_is_set_per_worker_and_trimmed_after_large_bodies():
    settings = load_settings()
    calls = []

    class FakeLibc:
        def mallopt(self, option, value):
            calls.append(("mallopt", option, value))
            return 1

        def malloc_trim(self, pad):
            calls.append(("trim", pad))
            return 1

    class Worker:
        pass

    settings._libc = FakeLibc  # the hook looks it up at call time
    worker = Worker()
    settings.post_fork(None, worker)
    assert ("mallopt", -8, 2) in calls and ("mallopt", -3, 4 * 1024 * 1024) in calls
    settings.post_request(worker, None, {"CONTENT_LENGTH": "200"}, None)
    assert not [c for c in calls if c[0] == "trim"]
    settings.post_request(worker, None, {"CONTENT_LENGTH": str(1024 * 1024)}, None)
    assert ("trim", 0) in calls  # a 1 MB body is trimmed after, below the mapping threshold too
    calls.clear()
    settings.post_request(worker, None, {"CONTENT_LENGTH": "200"}, None)
    assert not [c for c in calls if c[0] == "trim"]
    settings.post_request(worker, None, {"CONTENT_LENGTH": str(19 * 1024 * 1024)}, None)
    assert ("trim", 0) in calls
    assert load_settings()._libc() is not None  # glibc on this machine: the real calls exist


def test_request_body_buffers_come_from_the_heap():
    """gunicorn reads a body in recv() buffers of up to ``max_body_chunk``: below the mapping
    threshold they are reused from the heap instead of mapped and faulted in each time."""
    from gunicorn.http.unreader import SocketUnreader

    assert SocketUnreader.max_body_chunk + 4096 < load_settings()._MALLOC_MMAP_THRESHOLD


def test_a_worker_warms_up_before_its_first_request(app_factory):
    """post_worker_init loads the triage model and compiles the reporter's templates."""
    import triage

    settings = load_settings()
    app = app_factory()
    triage._engine = None
    app.jinja_env.cache.clear()

    class Worker:
        wsgi = app

    settings.post_worker_init(Worker())
    assert triage._engine is not None
    cached = {name for _, name in app.jinja_env.cache.keys()}
    assert {"public/form.html", "public/thanks.html", "public/perspectief/drugslab.html"} <= cached
    assert len(app.extensions["meldpunt_form_pages"]) == 1


def test_pooled_database_connections_are_closed_after_a_large_upload(app_factory):
    """libpq keeps the send buffer it grew for a photo as long as its connection lives:
    after a large body the worker's pooled connections are closed (a small one keeps them)."""
    from sqlalchemy import text

    from meldpunt.extensions import db

    settings = load_settings()
    app = app_factory()

    class Worker:
        wsgi = app

    def pooled() -> int:
        with app.app_context():
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return db.engine.pool.checkedin()

    assert pooled() >= 1
    settings.post_request(Worker(), None, {"CONTENT_LENGTH": "200"}, None)
    with app.app_context():
        assert db.engine.pool.checkedin() >= 1
    settings.post_request(Worker(), None, {"CONTENT_LENGTH": str(19 * 1024 * 1024)}, None)
    with app.app_context():
        assert db.engine.pool.checkedin() == 0
