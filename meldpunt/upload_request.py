"""The request class: a file that is too large is cut off while it arrives, not refused with a 413.

On the two forms that take files (the report form and the follow-up page) a file
part is kept only up to one byte over the per-file limit, and only for as many
files as may be sent; the rest of its bytes are read and thrown away. The form
then says which file did not fit and shows everything that was typed, instead of
Werkzeug's bare 413 that loses the report. Memory and disk use per request stay
bounded by the per-file limit times the number of files, whatever is sent.

Only a body above ``MAX_UPLOAD_REQUEST_BYTES`` (far beyond anything a phone
sends with five files) is still refused before it is read.
"""

from __future__ import annotations

import mmap
import os
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from flask import Request, current_app
from werkzeug.formparser import FormDataParser

from meldpunt.multipart_boundary import PrecompiledMultiPartParser

UPLOAD_ENDPOINTS = frozenset({"public.report_form", "public.followup_report"})
_IN_MEMORY_BYTES = 512 * 1024


class CappedUpload(SpooledTemporaryFile):
    """A file part that keeps its first ``cap`` bytes and counts all it received."""

    def __init__(self, cap: int) -> None:
        super().__init__(max_size=_IN_MEMORY_BYTES, mode="w+b")
        self.cap = cap
        self.received = 0

    def write(self, data: Any) -> int:
        size = len(data)
        room = self.cap - self.received
        self.received += size
        if room > 0:
            super().write(data[:room] if size > room else data)
        return size


def kept_content(stream: Any, limit: int) -> bytes | mmap.mmap:
    """The first ``limit`` bytes kept for a file part.

    A part that went to its temporary file comes as a read-only mapping of that file
    (file-like, sliceable, with ``find``) instead of a read: reading a 20 MB photo into
    a new buffer cost the cleaning process about 10 ms of page faults and copying.
    """
    if isinstance(stream, SpooledTemporaryFile) and getattr(stream, "_rolled", False):
        stream.flush()  # what the parser wrote is in the file, not in a buffer of this process
        size = min(os.fstat(stream.fileno()).st_size, limit)
        if size > 0:  # an empty file cannot be mapped
            return mmap.mmap(stream.fileno(), size, access=mmap.ACCESS_READ)
    stream.seek(0)
    return stream.read(limit)


def sent_size(stream: Any) -> int | None:
    """How many bytes were sent for a file part, when the request class counted them."""
    received = getattr(stream, "received", None)
    return received if isinstance(received, int) else None


class _LargeChunkParser(FormDataParser):
    """Multipart parsing in 256 kB chunks instead of 64 kB: a 100 MB upload is parsed in
    four hundred steps of Python instead of sixteen hundred; and without two regular
    expressions compiled for every form (multipart_boundary.py)."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = PrecompiledMultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
            buffer_size=256 * 1024,  # the decoder buffer must stay below MAX_FORM_MEMORY_SIZE (1 MB)
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class UploadRequest(Request):
    form_data_parser_class = _LargeChunkParser
    _upload_parts = 0

    def _takes_files(self) -> bool:
        return bool(current_app) and self.endpoint in UPLOAD_ENDPOINTS

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self._takes_files():
            return int(current_app.config["MAX_UPLOAD_REQUEST_BYTES"])
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if not self._takes_files():
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        config = current_app.config
        self._upload_parts += 1
        keep = self._upload_parts <= int(config["MAX_ATTACHMENTS"])
        # One byte over the limit is kept, so the form can tell "too large" from "exactly the limit".
        return CappedUpload(int(config["MAX_ATTACHMENT_BYTES"]) + 1 if keep else 0)
