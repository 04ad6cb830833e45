"""gunicorn settings for the meldpunt (read automatically from the working directory).

No access log: its lines start with the client address, which the meldpunt
never writes anywhere. Errors go to standard error through a logger that
removes client addresses from gunicorn's own lines (meldpunt/gunicorn_logging.py).
"""

accesslog = None
errorlog = "-"
loglevel = "warning"
logger_class = "meldpunt.gunicorn_logging.AddressFreeLogger"
# Request limits: the form with attachments is at most about 105 MB (see config.py).
limit_request_line = 8190
limit_request_fields = 100
timeout = 120
# Workers give memory back. Uploads are cleaned in short-lived child processes
# (meldpunt/intake/isolation.py), so pixel buffers never stay with a worker; what
# the worker itself allocates (a request body of up to 100 MB, the cleaned files on
# their way to storage) is returned by the allocator settings below, and each worker
# is replaced after a number of requests (with jitter, so they never restart together).
max_requests = 2000
max_requests_jitter = 200
# glibc: at most two malloc arenas per worker (one per thread otherwise grows per core),
# and blocks of 4 MB and more in their own mappings, given back to the system on free
# (a fixed threshold also stops glibc from raising it after a large free). Not 1 MB:
# gunicorn reads a request body in recv() buffers of 1 MB, and as mappings of their
# own every one of them was mapped, faulted in page by page and unmapped again, which
# cost a 20 MB photo about 40 ms of system time in the worker alone. From the heap
# they are reused; the heap itself is trimmed after every large request (below).
_MALLOC_ARENA_MAX = 2
_MALLOC_MMAP_THRESHOLD = 4 * 1024 * 1024
_TRIM_AFTER_BYTES = 1024 * 1024


def on_starting(server):
    """Say so when several workers each keep their own rate-limit counters."""
    from meldpunt.config import ratelimit_storage_uri
    from meldpunt.ratelimit_key import per_worker_warning

    warning = per_worker_warning(server.cfg.workers, ratelimit_storage_uri())
    if warning:
        server.log.warning(warning)


def _libc():
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc only; musl has neither
    except (OSError, AttributeError):
        return None
    return libc


def post_fork(server, worker):
    """Allocator settings per worker (glibc reads MALLOC_ARENA_MAX only at start-up)."""
    libc = _libc()
    if libc is not None:
        m_arena_max, m_mmap_threshold = -8, -3  # <malloc.h>
        libc.mallopt(m_arena_max, _MALLOC_ARENA_MAX)
        libc.mallopt(m_mmap_threshold, _MALLOC_MMAP_THRESHOLD)
        worker.meldpunt_libc = libc


def post_request(worker, req, environ, resp):
    """After a request with a body of 1 MB or more, hand free heap memory back to the system."""
    libc = getattr(worker, "meldpunt_libc", None)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length >= _TRIM_AFTER_BYTES:
        _drop_pooled_connections(worker)
        if libc is not None:
            libc.malloc_trim(0)


def _drop_pooled_connections(worker):
    """Close the worker's pooled database connections after a large upload: libpq keeps
    the send buffer it grew for a 20 MB photo for as long as the connection lives, which
    held a worker about 19 MB above its idle size. The next request opens a new one."""
    from meldpunt.extensions import db

    app = getattr(worker, "wsgi", None)
    if app is None or not hasattr(app, "app_context"):
        return
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def post_worker_init(worker):
    """Load the triage model and compile the reporter's templates before the first request
    (meldpunt/warmup.py), so no reporter waits for it."""
    app = getattr(worker, "wsgi", None)
    if app is None or "triage_model" not in getattr(app, "extensions", {}):
        return  # not the meldpunt (the bench's baseline app)
    try:
        from meldpunt.warmup import warm_up

        warm_up(app)
    except Exception as exc:  # noqa: BLE001 - a worker that could not warm up still serves
        worker.log.warning("warm-up skipped: %s", type(exc).__name__)


def worker_exit(server, worker):
    """Write the page views this worker added up and not yet wrote (meldpunt/counters.py)."""
    app = getattr(worker, "wsgi", None)
    if app is None or "meldpunt_view_counts" not in getattr(app, "extensions", {}):
        return  # no views added up (or not the meldpunt: the bench's baseline app)
    try:
        from meldpunt import counters

        with app.app_context():
            counters.flush_local()
    except Exception as exc:  # noqa: BLE001 - a stopping worker must stop
        server.log.warning("page views not written at worker exit: %s", type(exc).__name__)
