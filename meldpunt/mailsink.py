"""The demo's mail sink: a local SMTP server (aiosmtpd) that keeps every message it gets.

`make run` starts it next to gunicorn and points the outbox at it, so the notices
and reminders of the embedded default can be read at ``/beheer/e-mail`` by an
admin instead of being retried forever against a mail server that is not there.
Messages are files in ``<data dir>/mail-sink/`` (owner-only). Production never
runs it: ``MAIL_SINK_ENABLED`` is always off there and ``serve`` refuses to start.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

MAX_LISTED = 200


class SinkRefused(RuntimeError):
    """The sink does not run in production."""


class Handler:
    """aiosmtpd handler: one file per message, written atomically, readable by the owner only."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        self.store(envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode())
        return "250 OK"

    def store(self, content: bytes) -> Path:
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{name}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        final = self.folder / name
        os.replace(temporary, final)
        return final


def serve(config: dict[str, Any], host: str = "127.0.0.1", port: int | None = None,
          stop: threading.Event | None = None) -> None:
    """Run the sink until ``stop`` is set (or forever)."""
    if config.get("ENV") == "production":
        raise SinkRefused("the mail sink is for the embedded default only, never for production")
    from aiosmtpd.controller import Controller

    controller = Controller(Handler(Path(config["MAIL_SINK_DIR"])), hostname=host,
                            port=port or config["MAIL_SINK_PORT"])
    controller.start()
    try:
        (stop or threading.Event()).wait()
    finally:
        controller.stop()


@dataclass(frozen=True)
class SunkMessage:
    name: str
    received_at: datetime
    sender: str
    recipients: str
    subject: str
    body: str


def messages(folder: str | Path, limit: int = MAX_LISTED) -> list[SunkMessage]:
    """The newest messages first."""
    path = Path(folder)
    if not path.is_dir():
        return []
    found = []
    for item in sorted(path.glob("*.eml"), reverse=True)[:limit]:
        parsed = message_from_bytes(item.read_bytes(), policy=default_policy)
        try:
            body = parsed.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
        except (KeyError, LookupError):
            text = ""
        found.append(SunkMessage(
            name=item.name,
            received_at=datetime.fromtimestamp(item.stat().st_mtime, UTC),
            sender=str(parsed.get("From", "")),
            recipients=str(parsed.get("To", "")),
            subject=str(parsed.get("Subject", "")),
            body=text,
        ))
    return found
