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


def _pattern(seed: int) -> bytes:
    return bytes((seed + n) % 251 for n in range(251))


def _filled(size: int, seed: int, step: int = 64 * 1024 + 3) -> isolation.SharedOutput:
    """A shared output with ``size`` bytes of a pattern, written in uneven steps."""
    output = isolation.shared_output()
    data = _expected(size, seed)
    for start in range(0, size, step):
        assert output.write(memoryview(data)[start : start + step]) == len(data[start : start + step])
    return output


def _expected(size: int, seed: int) -> bytes:
    pattern = _pattern(seed)
    return (pattern * (size // len(pattern) + 1))[:size]


def test_a_large_shared_result_arrives_as_a_read_only_view_with_the_same_bytes():
    size = 30 * MB + 7
    value = isolation.run(lambda: {"photo": _filled(size, 3), "name": "a.jpg"}, seconds=20, memory_bytes=64 * MB)
    assert value["name"] == "a.jpg"
    photo = value["photo"]
    assert isinstance(photo, memoryview) and photo.readonly
    assert photo.nbytes == size
    assert photo == _expected(size, 3)


def test_several_outputs_keep_their_own_bytes():
    def work():
        first = _filled(5 * MB, 1)
        second = _filled(3 * MB + 1, 2, step=MB)
        empty = isolation.shared_output()
        return first, second, empty, [first]

    first, second, empty, again = isolation.run(work, seconds=20, memory_bytes=64 * MB)
    assert first == _expected(5 * MB, 1)
    assert second == _expected(3 * MB + 1, 2)
    assert bytes(empty) == b""
    assert again[0] == first


def test_an_earlier_output_cannot_be_written_after_a_newer_one_started():
    def work():
        first = isolation.shared_output()
        first.write(b"abc")
        isolation.shared_output()
        first.write(b"def")

    with pytest.raises(RuntimeError):
        isolation.run(work, seconds=20, memory_bytes=64 * MB)


def test_the_encrypted_file_written_to_shared_memory_decrypts_in_the_parent(app):
    photo = os.urandom(3 * MB + 5)

    def work():
        output = isolation.shared_output()
        size = crypto.encrypt_file_to([photo[:100], memoryview(photo)[100:]], output.write)
        return size, output

    with app.app_context():
        size, encrypted = isolation.run(work, seconds=20, memory_bytes=64 * MB)
        assert isinstance(encrypted, memoryview) and len(encrypted) == size
        assert crypto.decrypt(encrypted) == photo
        assert size == len(crypto.encrypt_file(photo))


def test_shared_memory_counts_against_the_memory_cap():
    # Made before the fork: the child writes without allocating, so only the shared
    # file can go over the cap (RLIMIT_DATA does not count shared memory).
    chunk = bytes(8 * MB)

    def write(total: int) -> isolation.SharedOutput:
        output = isolation.shared_output()
        for _ in range(total // len(chunk)):
            output.write(chunk)
        return output

    assert len(isolation.run(lambda: write(64 * MB), seconds=20, memory_bytes=64 * MB)) == 64 * MB
    with pytest.raises(isolation.OutOfMemory):
        isolation.run(lambda: write(72 * MB), seconds=20, memory_bytes=64 * MB)

    def two_outputs():
        write(40 * MB)
        return write(40 * MB)

    with pytest.raises(isolation.OutOfMemory):
        isolation.run(two_outputs, seconds=20, memory_bytes=64 * MB)


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


def test_shared_output_outside_the_child_is_an_error():
    with pytest.raises(RuntimeError):
        isolation.shared_output()


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
