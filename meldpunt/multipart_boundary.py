"""Werkzeug's multipart decoder without two regular expressions compiled per request.

Werkzeug's ``MultipartDecoder`` compiles two regular expressions for every form it
parses, each with the request's random boundary written into it, so Python's pattern
cache never helps: about 0.4 ms of CPU per report, more than parsing the form itself.
Both expressions are "an optional (preamble) or required (body) line break, then
``--boundary``, then either ``--`` with optional blanks and line break (the end) or
optional blanks and a line break (another part)". ``BoundarySearch`` finds exactly
the same matches with ``bytes.find`` for the boundary and one precompiled expression
for what follows it; tests/test_multipart_boundary.py compares the two on many inputs.

``MultiPartParser`` (the parser used by upload_request.py) gets this decoder through
a copy of its ``parse`` function whose globals name the decoder below: Werkzeug's
code, unchanged and not copied, with nothing patched in the Werkzeug module itself.
"""

from __future__ import annotations

import re
import types
from typing import Any

from werkzeug import formparser
from werkzeug.formparser import MultiPartParser
from werkzeug.sansio.multipart import MultipartDecoder

# What Werkzeug's patterns require after "--boundary" (group 1 of both).
_TAIL = re.compile(rb"(--[^\S\n\r]*(?:\r\n|\n|\r)?|[^\S\n\r]*(?:\r\n|\n|\r))")


class _Found:
    """The parts of ``re.Match`` the decoder uses: start(), end() and group(1)."""

    __slots__ = ("_end", "_start", "_tail")

    def __init__(self, start: int, end: int, tail: bytes) -> None:
        self._start, self._end, self._tail = start, end, tail

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, number: int = 0) -> bytes:
        if number != 1:
            raise IndexError("only group 1 is kept")
        return self._tail


class BoundarySearch:
    """``search(data, pos)`` as the compiled pattern for ``boundary`` would answer it."""

    __slots__ = ("_marker", "_required")

    def __init__(self, boundary: bytes, line_break_required: bool) -> None:
        self._marker = b"--" + boundary
        self._required = line_break_required

    def search(self, data: bytes | bytearray, pos: int = 0) -> _Found | None:
        marker, size = self._marker, len(self._marker)
        at = data.find(marker, pos)
        while at != -1:
            # The leftmost start: "\r\n", else "\n" or "\r", right before the marker (never
            # before ``pos``); without a line break only where it is optional (the preamble).
            if at - 2 >= pos and data[at - 2 : at] == b"\r\n":
                start: int | None = at - 2
            elif at - 1 >= pos and data[at - 1 : at] in (b"\n", b"\r"):
                start = at - 1
            else:
                start = None if self._required else at
            if start is not None:
                tail = _TAIL.match(data, at + size)
                if tail is not None:
                    return _Found(start, tail.end(), bytes(tail.group(1)))
            at = data.find(marker, at + 1)
        return None


class PrecompiledDecoder(MultipartDecoder):
    """Werkzeug's decoder with ``BoundarySearch`` in place of its two per-boundary patterns."""

    # A fixed boundary for Werkzeug's own set-up: its patterns then come from Python's cache.
    _SETUP_BOUNDARY = b"meldpunt-setup"

    def __init__(self, boundary: bytes, max_form_memory_size: int | None = None, *,
                 max_parts: int | None = None) -> None:
        super().__init__(self._SETUP_BOUNDARY, max_form_memory_size, max_parts=max_parts)
        self.boundary = boundary
        self.preamble_re = BoundarySearch(boundary, line_break_required=False)  # type: ignore[assignment]
        self.boundary_re = BoundarySearch(boundary, line_break_required=True)  # type: ignore[assignment]


def _parse_with(decoder: type[MultipartDecoder]) -> Any:
    parse = MultiPartParser.parse
    names = dict(vars(formparser), MultipartDecoder=decoder)
    return types.FunctionType(parse.__code__, names, parse.__name__, parse.__defaults__, parse.__closure__)


def fits_this_werkzeug() -> bool:
    """Whether this Werkzeug is built the way the decoder above relies on: ``parse`` names
    ``MultipartDecoder`` as a global, and the decoder keeps its two patterns in
    ``preamble_re`` and ``boundary_re``. A Werkzeug release that changes either gets its
    own parser unchanged (slower, never wrong) instead of a half-working copy."""
    try:
        decoder = MultipartDecoder(b"probe")
    except Exception:  # noqa: BLE001  # any change in its signature means "does not fit"
        return False
    return ("MultipartDecoder" in MultiPartParser.parse.__code__.co_names
            and hasattr(decoder.preamble_re, "search") and hasattr(decoder.boundary_re, "search"))


class _PrecompiledMultiPartParser(MultiPartParser):
    """Werkzeug's multipart parser, using ``PrecompiledDecoder``."""

    parse = _parse_with(PrecompiledDecoder)


PrecompiledMultiPartParser: type[MultiPartParser] = (
    _PrecompiledMultiPartParser if fits_this_werkzeug() else MultiPartParser
)
