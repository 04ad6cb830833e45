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
writes it into ``shared_buffer(size)``, memory of an anonymous file (memfd) that the
parent created before the fork. The pickle carries only where it lies, and the parent
gets it as a read-only memoryview of its own mapping of that file, which it can hand
to the database driver as it is. Through the pipe the same photo cost a pickle,
every 64 kB pipe buffer a ``select`` and a ``read``, a join and an unpickle: four
full copies and about 30 ms of CPU between the two processes.
"""

from __future__ import annotations

import ctypes
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
_PAGE = mmap.PAGESIZE
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


class _SharedOutput:
    """The child's side of the shared file: regions handed out by ``shared_buffer``."""

    def __init__(self, fd: int, memory_bytes: int) -> None:
        self.fd = fd
        # Shared mappings are not counted by RLIMIT_DATA, so they get the same cap of their own.
        self.room = memory_bytes or None
        self.end = 0
        self.regions: list[tuple[int, int, memoryview]] = []  # (address, offset in the file, view)

    def allocate(self, size: int) -> memoryview:
        if self.room is not None and size > self.room:
            raise MemoryError("shared result larger than the memory cap")
        offset = self.end
        if size:
            os.ftruncate(self.fd, offset + size)
            # Populated at once: one call instead of a page fault per 4 kB page written.
            mapping = mmap.mmap(self.fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, offset=offset)
            view = memoryview(mapping)
            self.regions.append((_address(view), offset, view))
        else:
            view = memoryview(bytearray())
        if self.room is not None:
            self.room -= size
        self.end = offset + -(-size // _PAGE) * _PAGE  # the next region starts on a page boundary
        return view

    def persistent_id(self, obj: Any) -> tuple[str, int, int] | None:
        """A view into a shared region travels as (offset, length): the parent maps it."""
        if type(obj) is not memoryview:
            return None
        if not obj.nbytes:
            return (_SHARED, 0, 0)  # nothing to map (and an empty view has no address)
        if not obj.contiguous or obj.readonly:
            return None
        start = _address(obj)
        for address, offset, view in self.regions:
            if address <= start and start + obj.nbytes <= address + view.nbytes:
                return (_SHARED, offset + start - address, obj.nbytes)
        return None


def _address(view: memoryview) -> int:
    """Where a writable view's first byte lies in memory (to tell which region a slice is of)."""
    return ctypes.addressof(ctypes.c_char.from_buffer(view))


_shared_output: _SharedOutput | None = None


def shared_buffer(size: int) -> memoryview:
    """A writable buffer of ``size`` bytes that the parent receives without a copy.

    Only inside the work given to ``run`` (the child). The work may return this view or
    any slice of it, anywhere in its value: the parent gets a read-only memoryview of
    the same bytes in its place. Counts against the memory cap (MemoryError beyond it).
    """
    if _shared_output is None:
        raise RuntimeError("shared_buffer() is only available in work run by isolation.run()")
    return _shared_output.allocate(size)


class _ResultPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: _SharedOutput) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj: Any) -> Any:
        return self._shared.persistent_id(obj)


def _dumps(outcome: tuple[str, Any], shared: _SharedOutput) -> bytes:
    out = io.BytesIO()
    _ResultPickler(out, shared).dump(outcome)
    return out.getvalue()


class _ResultUnpickler(pickle.Unpickler):  # nosec B301 - reads only what our own child wrote
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
            # Read-only and populated: the driver reads it once, without a fault per page.
            mapping = mmap.mmap(
                self._fd, size, flags=mmap.MAP_SHARED | mmap.MAP_POPULATE, prot=mmap.PROT_READ
            )
            self._view = memoryview(mapping)
        if offset + length > self._view.nbytes:
            raise pickle.UnpicklingError("shared result outside the shared file")
        return self._view[offset : offset + length]


def _child(work: Callable[[], Any], write_end: int, shared_fd: int, memory_bytes: int) -> None:
    global _shared_output
    try:
        shared = _shared_output = _SharedOutput(shared_fd, memory_bytes)
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
