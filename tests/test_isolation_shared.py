"""The cleaning child's large results through shared memory (intake/isolation.py), and the
upload read through a mapping of its temporary file (upload_request.kept_content)."""

from __future__ import annotations

import os
import time

import pytest

from meldpunt import crypto
from meldpunt.intake import isolation
from meldpunt.intake.attachments import AttachmentRejected, clean_upload
from meldpunt.upload_request import CappedUpload, kept_content
from tests import filemakers

MB = 1024 * 1024


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def _memfd_mappings() -> int:
    with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
        return sum(1 for line in maps if "meldpunt-clean-result" in line)


def _filled(size: int, seed: int) -> memoryview:
    view = isolation.shared_buffer(size)
    pattern = bytes((seed + n) % 251 for n in range(251))
    for start in range(0, size, len(pattern)):
        chunk = pattern[: size - start]
        view[start : start + len(chunk)] = chunk
    return view


def _expected(size: int, seed: int) -> bytes:
    pattern = bytes((seed + n) % 251 for n in range(251))
    return (pattern * (size // len(pattern) + 1))[:size]


def test_a_large_shared_result_arrives_as_a_read_only_view_with_the_same_bytes():
    size = 30 * MB + 7
    value = isolation.run(lambda: {"photo": _filled(size, 3), "name": "a.jpg"}, seconds=20, memory_bytes=64 * MB)
    assert value["name"] == "a.jpg"
    photo = value["photo"]
    assert isinstance(photo, memoryview) and photo.readonly
    assert photo.nbytes == size
    assert photo == _expected(size, 3)


def test_slices_and_several_buffers_keep_their_places():
    def work():
        first = _filled(5 * MB, 1)
        second = _filled(3 * MB + 1, 2)
        return first[10:2 * MB], second, first[-5:], second[:0]

    middle, whole, tail, empty = isolation.run(work, seconds=20, memory_bytes=64 * MB)
    assert middle == _expected(5 * MB, 1)[10 : 2 * MB]
    assert whole == _expected(3 * MB + 1, 2)
    assert tail == _expected(5 * MB, 1)[-5:]
    assert bytes(empty) == b""


def test_the_encrypted_file_written_into_shared_memory_decrypts_in_the_parent(app):
    photo = os.urandom(3 * MB)
    with app.app_context():
        encrypted = isolation.run(
            lambda: crypto.encrypt_file_into([photo[:100], memoryview(photo)[100:]], isolation.shared_buffer),
            seconds=20,
            memory_bytes=64 * MB,
        )
        assert isinstance(encrypted, memoryview)
        assert crypto.decrypt(encrypted) == photo
        assert len(encrypted) == len(crypto.encrypt_file(photo))


def test_shared_memory_counts_against_the_memory_cap():
    with pytest.raises(isolation.OutOfMemory):
        isolation.run(lambda: isolation.shared_buffer(65 * MB), seconds=20, memory_bytes=64 * MB)

    def two_halves():
        isolation.shared_buffer(40 * MB)
        return isolation.shared_buffer(40 * MB)

    with pytest.raises(isolation.OutOfMemory):
        isolation.run(two_halves, seconds=20, memory_bytes=64 * MB)


def test_an_error_after_writing_shared_memory_still_travels_with_its_reason():
    def refuse():
        _filled(8 * MB, 5)
        raise AttachmentRejected("a.jpg", "reden")

    with pytest.raises(AttachmentRejected) as refused:
        isolation.run(refuse, seconds=20, memory_bytes=64 * MB)
    assert refused.value.reason == "reden"


def test_a_stopped_child_leaves_no_descriptor_or_mapping_behind():
    fds, mappings = _open_fds(), _memfd_mappings()

    def slow():
        _filled(4 * MB, 1)
        time.sleep(30)

    started = time.monotonic()
    with pytest.raises(isolation.TimedOut):
        isolation.run(slow, seconds=0.5, memory_bytes=64 * MB)
    assert time.monotonic() - started < 10
    value = isolation.run(lambda: _filled(MB, 1), seconds=20, memory_bytes=64 * MB)
    assert _memfd_mappings() == mappings + 1  # the view just received
    del value
    assert _open_fds() == fds and _memfd_mappings() == mappings


def test_a_view_that_is_not_shared_cannot_travel_and_says_so():
    with pytest.raises(isolation.Failed):
        isolation.run(lambda: memoryview(bytearray(10)), seconds=20, memory_bytes=0)


def test_shared_buffer_outside_the_child_is_an_error():
    with pytest.raises(RuntimeError):
        isolation.shared_buffer(10)


def _spooled(data: bytes) -> CappedUpload:
    stream = CappedUpload(len(data) + 1)
    for start in range(0, len(data), 256 * 1024):
        stream.write(data[start : start + 256 * 1024])
    return stream


def test_kept_content_maps_a_spooled_file_and_reads_a_small_one():
    large = os.urandom(2 * MB + 3)
    mapped = kept_content(_spooled(large), 2 * MB + 4)
    assert not isinstance(mapped, bytes) and mapped[:] == large
    assert kept_content(_spooled(large), MB)[:] == large[:MB]  # the limit holds for a mapping too
    small = kept_content(_spooled(b"klein"), 100)
    assert small == b"klein"
    assert kept_content(_spooled(b""), 100) == b""


@pytest.mark.parametrize(
    "photo",
    [
        filemakers.phone_photo(1200, 900, quality=95),  # over the 512 kB kept in memory: a mapping
        filemakers.jpeg_with_all_metadata(),  # small: read
        filemakers.png_bytes(size=(400, 300)),  # re-encoded from the bytes of the mapping
    ],
)
def test_a_mapped_upload_is_cleaned_exactly_as_the_same_bytes(app, photo):
    with app.test_request_context("/"):
        from_bytes = clean_upload("a.jpg", photo, 20 * MB)
        data = kept_content(_spooled(photo + b"\0" * (600 * 1024)), len(photo))
        assert len(photo) < 512 * 1024 or not isinstance(data, bytes)
        from_mapping = clean_upload("a.jpg", data, 20 * MB)
    assert from_mapping.data == from_bytes.data
    assert from_mapping.sent_size == from_bytes.sent_size == len(photo)
    assert b"SnitchCam" not in from_mapping.data
