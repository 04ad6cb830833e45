"""Cleaning one uploaded file in a short-lived child process, with a time and memory cap.

Decoding a photo, rewriting a PDF or re-muxing a video happens in a process forked
for that one file. Whatever it allocates goes away with it, so a web worker is back
at its idle size after every upload (a freed 100 MB pixel buffer would otherwise
stay with the worker's allocator); its data segment may grow by at most
``memory_bytes`` (a file that needs more is refused as too large, the worker is
never at risk); and it is stopped after ``seconds`` (a file that takes longer is
refused with a reason, instead of the worker being killed by gunicorn's timeout
with the whole report lost).

The child inherits the request (the language for messages) through the fork and
sends back one pickled value through a pipe; it never touches the database or
the session and leaves with ``os._exit`` (no atexit handlers, no flushed buffers
of the parent).
"""

from __future__ import annotations

import os
import pickle  # nosec B403
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_CHUNK = 1024 * 1024


class TimedOut(Exception):
    """The work took longer than allowed and was stopped."""


class OutOfMemory(Exception):
    """The work needed more memory than allowed."""


class Failed(Exception):
    """The work raised an unexpected error; the message is the error's type name only."""


def _data_segment_bytes() -> int:
    """The process's current data size (VmData: heap and private writable mappings)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(work: Callable[[], Any], write_end: int, memory_bytes: int) -> None:
    try:
        try:
            if memory_bytes:
                limit = _data_segment_bytes() + memory_bytes
                resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
            outcome: tuple[str, Any] = ("ok", work())
        except MemoryError:
            outcome = ("memory", None)
        except Exception as exc:  # noqa: BLE001 - the parent decides what it means
            outcome = ("raised", exc)
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception that cannot travel: only its type does
            payload = pickle.dumps(("failed", type(outcome[1]).__name__))
        view = memoryview(payload)
        while view:
            written = os.write(write_end, view[:_CHUNK])
            view = view[written:]
    finally:
        os._exit(0)


def run(work: Callable[[], T], *, seconds: float, memory_bytes: int) -> T:
    """``work()`` in a forked child; its value, or the exception it raised.

    Raises TimedOut, OutOfMemory or Failed when the child was stopped, ran out of
    memory or died without an answer.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which leaves through os._exit
        os.close(read_end)
        _child(work, write_end, memory_bytes)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_end], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_end, _CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if timed_out:
        raise TimedOut()
    if not chunks:
        raise Failed("no answer")
    # Our own child wrote it.
    kind, value = pickle.loads(b"".join(chunks))  # noqa: S301  # nosec B301
    if kind == "ok":
        return value
    if kind == "memory":
        raise OutOfMemory()
    if kind == "raised":
        raise value
    raise Failed(str(value))
