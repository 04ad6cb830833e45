"""Videos without location, device, dates and hidden streams.

Two steps:

1. **Re-mux with ffmpeg** (Debian's ``ffmpeg``, installed by
   ``scripts/ensure-system-packages.sh``): only the video and audio streams are
   copied (no re-encode); data streams (GoPro GPMF and DJI GPS tracks, Apple's
   timed metadata), subtitle tracks (DJI flight data), chapters and all global and
   per-stream metadata tags are left out, the muxer writes no encoder tag, and
   SEI messages (where encoders and some cameras put their name, settings or
   position) are filtered out of H.264 and H.265 streams. The file goes in and out
   through memory files, never through the disk, with a time limit.
2. **Blank the boxes** that may still hold user data (``udta``, ``meta``, ``uuid``,
   XMP, padding, unknown top-level boxes) and zero the creation and modification
   times in the movie, track and media headers. Without ffmpeg (or when it cannot
   read the file) only this step runs; it never moves the media data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404
from collections.abc import Iterator

FFMPEG_SECONDS = 20.0

# SEI NAL unit types: H.264 type 6; H.265 prefix (39) and suffix (40) SEI.
_SEI_FILTERS = {
    "h264": "filter_units=remove_types=6",
    "hevc": "filter_units=remove_types=39|40",
}
_MUXERS = {"video/mp4": "mp4", "video/quicktime": "mov"}


class VideoUnreadable(ValueError):
    """The video cannot be read."""


def _tools() -> tuple[str, str] | None:
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    return (ffmpeg, ffprobe) if ffmpeg and ffprobe else None


def ffmpeg_available() -> bool:
    return _tools() is not None


def clean_video(data: bytes, content_type: str, seconds: float = FFMPEG_SECONDS) -> bytes:
    """The video re-muxed without metadata (when ffmpeg is there), then its boxes blanked."""
    if ffmpeg_available():
        try:
            data = remux_without_metadata(data, content_type, seconds)
        except VideoUnreadable:
            pass  # not a stream ffmpeg can read: the box blanking below still applies
    return blank_video_metadata(data)


def _memory_file(name: str, data: bytes = b"") -> int:
    fd = os.memfd_create(name, 0)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    return fd


def remux_without_metadata(data: bytes, content_type: str, seconds: float = FFMPEG_SECONDS) -> bytes:
    tools = _tools()
    if tools is None:
        raise VideoUnreadable("ffmpeg is not installed")
    ffmpeg, ffprobe = tools
    source = _memory_file("upload", data)
    target = _memory_file("cleaned")
    try:
        source_path, target_path = f"/proc/self/fd/{source}", f"/proc/self/fd/{target}"
        codecs = _video_codecs(ffprobe, source_path, source, seconds)
        if not codecs:
            raise VideoUnreadable("no video stream")
        command = [
            ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-i", source_path,
            "-map", "0:v", "-map", "0:a?", "-dn", "-sn",
            "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1", "-map_chapters", "-1",
            "-c", "copy",
        ]
        sei_filters = {_SEI_FILTERS[codec] for codec in codecs if codec in _SEI_FILTERS}
        if len(sei_filters) == 1 and len(set(codecs)) == 1:
            command += ["-bsf:v", sei_filters.pop()]
        command += ["-fflags", "+bitexact", "-f", _MUXERS[content_type], target_path]
        try:
            # Fixed arguments; the file is passed as a descriptor.
            subprocess.run(  # noqa: S603  # nosec B603
                command, pass_fds=(source, target), capture_output=True, timeout=seconds, check=True
            )
        except subprocess.CalledProcessError as exc:
            raise VideoUnreadable("ffmpeg could not re-mux the video") from exc
        size = os.lseek(target, 0, os.SEEK_END)
        os.lseek(target, 0, os.SEEK_SET)
        chunks = []
        while size > 0:
            chunk = os.read(target, min(size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(source)
        os.close(target)


def _video_codecs(ffprobe: str, path: str, fd: int, seconds: float) -> list[str]:
    try:
        probe = subprocess.run(  # noqa: S603  # nosec B603
            [ffprobe, "-v", "error", "-show_entries", "stream=codec_type,codec_name", "-of", "json", path],
            pass_fds=(fd,), capture_output=True, timeout=seconds, check=True,
        )
        streams = json.loads(probe.stdout or b"{}").get("streams", [])
    except (subprocess.CalledProcessError, ValueError) as exc:
        raise VideoUnreadable("ffprobe could not read the video") from exc
    return [str(s.get("codec_name")) for s in streams if s.get("codec_type") == "video"]


# MP4/MOV boxes that hold user data: GPS position (\xa9xyz), device make and model,
# software, dates, XMP. They are blanked, not removed: removing a box would shift the
# media data and break the absolute chunk offsets the player relies on.
_METADATA_BOXES = frozenset({b"udta", b"meta", b"uuid", b"XMP_"})
# Padding boxes: blanked as well, so nothing (a ZIP, an HTML page) hides in them.
_PADDING_BOXES = frozenset({b"free", b"skip", b"wide"})
_CONTAINER_BOXES = frozenset({b"moov", b"trak", b"mdia", b"minf", b"moof", b"traf"})
# Headers whose creation and modification times say when the video was recorded.
_DATED_HEADERS = frozenset({b"mvhd", b"tkhd", b"mdhd"})
# What may stay at the top of the file; any other top-level box is blanked.
_TOP_LEVEL_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"moof", b"mfra", b"styp", b"sidx", b"ssix"})


def blank_video_metadata(data: bytes) -> bytes:
    """The same bytes with metadata boxes blanked; raises ValueError for a broken file."""
    out = bytearray(data)
    _blank_boxes(out, 0, len(out), depth=0)
    return bytes(out)


def _blank_boxes(buf: bytearray, start: int, end: int, depth: int) -> None:
    for box_type, box_start, payload, box_end in iter_boxes(buf, start, end, tolerate_tail=True):
        unknown_at_top = depth == 0 and box_type not in _TOP_LEVEL_BOXES
        if box_type in _METADATA_BOXES or box_type in _PADDING_BOXES or unknown_at_top:
            buf[box_start + 4 : box_start + 8] = b"free"
            buf[payload:box_end] = bytes(box_end - payload)
        elif box_type in _CONTAINER_BOXES and depth < 6:
            _blank_boxes(buf, payload, box_end, depth + 1)
        elif box_type in _DATED_HEADERS and payload + 4 <= box_end:
            # version 0: 32-bit creation and modification times, version 1: 64-bit.
            times_end = min(payload + 4 + (16 if buf[payload] == 1 else 8), box_end)
            buf[payload + 4 : times_end] = bytes(times_end - payload - 4)


def iter_boxes(
    data: bytes | bytearray, start: int, end: int, *, tolerate_tail: bool = False
) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, start, payload start, end) of each ISO base media / JP2 box in data[start:end].

    With tolerate_tail, a few stray bytes after the last box (fewer than a box header) are ignored.
    """
    position = start
    while position < end:
        if position + 8 > end:
            if tolerate_tail:
                return
            raise ValueError("truncated box header")
        size = int.from_bytes(data[position : position + 4], "big")
        box_type = bytes(data[position + 4 : position + 8])
        header = 8
        if size == 1:
            if position + 16 > end:
                raise ValueError("truncated box header")
            size = int.from_bytes(data[position + 8 : position + 16], "big")
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise ValueError("box size out of range")
        yield box_type, position, position + header, position + size
        position += size
