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

A large result (an encrypted 20 MB photo) does not go through the pipe: the work
writes it to ``shared_output()``, an anonymous file in memory (memfd) that the
parent created before the fork. The pickle carries only where it lies, and the parent
gets it as a read-only memoryview of its own mapping of that file, which it can hand
to the database driver as it is. Through the pipe the same photo cost a pickle,
every 64 kB pipe buffer a ``select`` and a ``read``, a join and an unpickle: four
full copies and about 30 ms of CPU between the two processes.
"""

from __future__ import annotations

import io
import mmap
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
_SHARED = "shared"


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


class SharedOutput:
    """Bytes for the parent, appended to the shared file (made in the child by ``shared_output``).

    Anywhere in the value the work returns, this object reaches the parent as a
    read-only memoryview of the bytes written to it.
    """

    def __init__(self, shared: _SharedFile) -> None:
        self._shared = shared
        self.offset = shared.end
        self.length = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Append ``data``. Written, not mapped: a write() into the file costs about half
        of what page faults into a shared mapping of the same size cost."""
        if self._shared.current is not self:
            raise RuntimeError("a newer shared output was started after this one")
        with memoryview(data) as view, view.cast("B") as octets:
            size = octets.nbytes
            self._shared.reserve(size)
            done = 0
            while done < size:
                done += os.pwrite(self._shared.fd, octets[done:], self.offset + self.length + done)
        self.length += size
        self._shared.end = self.offset + self.length
        return size


class _SharedFile:
    """The child's side of the shared file: outputs one after the other, under the memory cap."""

    def __init__(self, fd: int, memory_bytes: int) -> None:
        self.fd = fd
        # Shared memory is not counted by RLIMIT_DATA, so it gets the same cap of its own.
        self.room = memory_bytes or None
        self.end = 0
        self.current: SharedOutput | None = None

    def reserve(self, size: int) -> None:
        if self.room is not None:
            if size > self.room:
                raise MemoryError("shared result larger than the memory cap")
            self.room -= size

    def start(self) -> SharedOutput:
        self.current = SharedOutput(self)
        return self.current

    @staticmethod
    def persistent_id(obj: Any) -> tuple[str, int, int] | None:
        if isinstance(obj, SharedOutput):
            return (_SHARED, obj.offset, obj.length)
        return None


_shared_file: _SharedFile | None = None


def shared_output() -> SharedOutput:
    """A file-like output (``write``) whose bytes the parent receives without a copy.

    Only inside the work given to ``run`` (the child). Returned in the work's value, it
    arrives as a read-only memoryview of what was written. Counts against the memory
    cap (MemoryError beyond it).
    """
    if _shared_file is None:
        raise RuntimeError("shared_output() is only available in work run by isolation.run()")
    return _shared_file.start()


class _ResultPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: _SharedFile) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj: Any) -> Any:
        return self._shared.persistent_id(obj)


def _dumps(outcome: tuple[str, Any], shared: _SharedFile) -> bytes:
    out = io.BytesIO()
    _ResultPickler(out, shared).dump(outcome)
    return out.getvalue()


class _ResultUnpickler(pickle.Unpickler):
    """Reads only what our own child wrote: small values, and shared outputs as views."""

    def __init__(self, payload: bytes, shared_fd: int) -> None:
        super().__init__(io.BytesIO(payload))
        self._fd = shared_fd
        self._view: memoryview | None = None

    def persistent_load(self, pid: Any) -> memoryview:
        kind, offset, length = pid
        if kind != _SHARED:
            raise pickle.UnpicklingError("unknown persistent id")
        if not length:
            return memoryview(b"")
        if self._view is None:
            size = os.fstat(self._fd).st_size
            # Read-only, and populated: one call instead of a page fault per 64 kB.
            mapping = mmap.mmap(
                self._fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ
            )
            self._view = memoryview(mapping)
        if offset + length > self._view.nbytes:
            raise pickle.UnpicklingError("shared result outside the shared file")
        return self._view[offset : offset + length]


def _child(work: Callable[[], Any], write_end: int, shared_fd: int, memory_bytes: int) -> None:
    global _shared_file
    try:
        shared = _shared_file = _SharedFile(shared_fd, memory_bytes)
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
            payload = _dumps(outcome, shared)
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
    shared_fd = -1
    try:
        shared_fd = os.memfd_create("meldpunt-clean-result", os.MFD_CLOEXEC)
        pid = os.fork()
    except BaseException:
        for fd in (read_end, write_end, shared_fd):
            if fd >= 0:
                os.close(fd)
        raise
    if pid == 0:  # pragma: no cover - runs in the child, which leaves through os._exit
        os.close(read_end)
        _child(work, write_end, shared_fd, memory_bytes)
    os.close(write_end)
    try:
        return _collect(pid, read_end, shared_fd, seconds)
    finally:
        # The parent's mapping (if any) keeps the result's memory; it goes with the last view.
        os.close(shared_fd)


def _collect(pid: int, read_end: int, shared_fd: int, seconds: float) -> Any:
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
    payload = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    kind, value = _ResultUnpickler(payload, shared_fd).load()
    if kind == "ok":
        return value
    if kind == "memory":
        raise OutOfMemory()
    if kind == "raised":
        raise value
    raise Failed(str(value))
