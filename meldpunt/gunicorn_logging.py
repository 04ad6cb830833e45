"""gunicorn's logger, with client addresses removed from every line.

gunicorn writes the peer address into some of its own error-log lines (for
example ``Invalid request from ip=203.0.113.9: ...`` for a malformed request).
The meldpunt never writes a client address anywhere, so ``gunicorn.conf.py``
installs this logger class, whose filter rewrites every record on the error
log before it is formatted. The access log stays off.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

# IPv4, and IPv6 in its usual written forms (with "::" or at least 4 groups), optionally
# with a port; also "ip=<anything>" as gunicorn writes it.
_ADDRESS = re.compile(
    r"ip=\S+?(?=[:,\s]|$)(?::\d+)?"
    r"|\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b"
    r"|\[?\b(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}\b\]?(?::\d+)?"
)
REDACTED = "[address removed]"


def redact_addresses(message: str) -> str:
    """The message with every client address (and ``ip=`` value) replaced."""
    return _ADDRESS.sub(lambda m: "ip=" + REDACTED if m.group(0).startswith("ip=") else REDACTED, message)


class AddressFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_addresses(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class AddressFreeLogger(Logger):
    """gunicorn's own logger with `AddressFilter` on the error log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.addFilter(AddressFilter())
