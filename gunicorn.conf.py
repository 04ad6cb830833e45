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


def on_starting(server):
    """Say so when several workers each keep their own rate-limit counters."""
    from meldpunt.config import ratelimit_storage_uri
    from meldpunt.ratelimit_key import per_worker_warning

    warning = per_worker_warning(server.cfg.workers, ratelimit_storage_uri())
    if warning:
        server.log.warning(warning)
