"""meldpunt/multipart_boundary.py finds what Werkzeug's per-boundary patterns find, and a
form parsed with it is the form Werkzeug parses."""

from __future__ import annotations

import io
import random

import pytest
from werkzeug.formparser import MultiPartParser
from werkzeug.sansio.multipart import MultipartDecoder

from meldpunt.multipart_boundary import BoundarySearch, PrecompiledDecoder, PrecompiledMultiPartParser

PIECES = [b"\r\n", b"\n", b"\r", b"--", b" ", b"\t", b"\x0b", b"x", b"-", b"--b0undary", b"b0undary", b"\r\n\r\n"]


def _werkzeug_patterns(boundary: bytes):
    decoder = MultipartDecoder(boundary)
    return decoder.preamble_re, decoder.boundary_re


def _answer(match):
    return None if match is None else (match.start(), match.end(), bytes(match.group(1)))


@pytest.mark.parametrize("seed", range(4))
def test_the_same_matches_as_werkzeugs_patterns(seed):
    rng = random.Random(seed)
    boundary = b"b0undary"
    preamble, body = _werkzeug_patterns(boundary)
    ours = BoundarySearch(boundary, line_break_required=False), BoundarySearch(boundary, line_break_required=True)
    for _ in range(3000):
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 12)))
        for buffer in (data, bytearray(data)):
            for pos in {0, rng.randint(0, max(len(data), 1)), min(2, len(data))}:
                assert _answer(ours[0].search(buffer, pos)) == _answer(preamble.search(buffer, pos)), (data, pos)
                assert _answer(ours[1].search(buffer, pos)) == _answer(body.search(buffer, pos)), (data, pos)


def test_a_boundary_with_pattern_characters_is_taken_literally():
    boundary = b"a.b+c(d)*"
    preamble, body = _werkzeug_patterns(boundary)
    ours = BoundarySearch(boundary, False), BoundarySearch(boundary, True)
    for data in (b"\r\n--a.b+c(d)*\r\n", b"--aXb+c(d)*\r\n", b"x\n--a.b+c(d)*--", b"\r\n--a.b+c(d)*  \t\r\nrest"):
        assert _answer(ours[0].search(data)) == _answer(preamble.search(data))
        assert _answer(ours[1].search(data)) == _answer(body.search(data))


def _body(boundary: str, parts: list[tuple[str, str | None, bytes]], line_break: bytes = b"\r\n") -> bytes:
    out = [b"preamble" + line_break]
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out.append(f"--{boundary}".encode() + line_break)
        out.append(f"Content-Disposition: {disposition}".encode() + line_break + line_break)
        out.append(data + line_break)
    out.append(f"--{boundary}--".encode() + line_break + b"epilogue")
    return b"".join(out)


@pytest.mark.parametrize("buffer_size", [7, 64, 64 * 1024])
@pytest.mark.parametrize("line_break", [b"\r\n", b"\n"])
def test_a_whole_form_parses_the_same(buffer_size, line_break):
    boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    rng = random.Random(buffer_size)
    parts = [
        ("text", None, b"Bij de loods -- staan\r\nde ramen afgeplakt."),
        ("empty", None, b""),
        ("dashes", None, f"--{boundary[:-1]}".encode()),
        ("files", "foto.jpg", bytes(rng.randrange(256) for _ in range(5000)) + f"\r\n--{boundary}x".encode()),
        ("place_type", None, b"bedrijfspand"),
    ]
    body = _body(boundary, parts, line_break)

    def parse(parser_class):
        parser = parser_class(max_form_memory_size=10**6, buffer_size=buffer_size)
        form, files = parser.parse(io.BytesIO(body), boundary.encode(), len(body))
        return (list(form.items(multi=True)),
                [(name, f.filename, f.read()) for name, f in files.items(multi=True)])

    assert parse(PrecompiledMultiPartParser) == parse(MultiPartParser)
    form, files = parse(PrecompiledMultiPartParser)
    assert dict(form)["text"] == "Bij de loods -- staan\r\nde ramen afgeplakt."
    assert files[0][2] == parts[3][2]


def test_the_decoder_compiles_nothing_per_boundary(monkeypatch):
    import re

    compiled = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a, **k: compiled.append(a) or real(*a, **k))
    PrecompiledDecoder(b"fresh-boundary-1")
    PrecompiledDecoder(b"fresh-boundary-2")
    assert not any(b"fresh-boundary" in pattern[0] for pattern in compiled)


def test_this_werkzeug_gets_the_precompiled_parser_and_a_changed_one_would_not():
    # The speed-up relies on two details of Werkzeug's code; when a release changes them
    # the app falls back to Werkzeug's own parser instead of running a half-fitting copy.
    from meldpunt import multipart_boundary

    assert multipart_boundary.fits_this_werkzeug()
    assert multipart_boundary.PrecompiledMultiPartParser is multipart_boundary._PrecompiledMultiPartParser
