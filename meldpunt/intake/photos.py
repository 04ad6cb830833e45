"""Photos without their metadata: JPEGs losslessly, everything else re-encoded from pixels.

**JPEG (almost every phone photo).** The file is rewritten segment by segment and the
compressed picture is copied byte for byte: kept are the frame, Huffman, quantisation,
restart and scan segments with their image data, the JFIF header (without its
thumbnail), the ICC colour profile and the Adobe colour-transform marker. Everything
else goes: EXIF (GPS, camera make, model and serial numbers, dates, the thumbnail),
XMP, IPTC/Photoshop, comments, every other APPn or unknown segment, and everything
after the end-of-image marker (a second "multi-picture" frame, a ZIP or HTML page
glued on). The stored photo is therefore never larger than the one sent, looks
exactly the same, and costs no re-encode.

*Orientation.* Phones often store the pixels sideways with an EXIF orientation tag.
Turning the pixels losslessly is only possible for some image sizes (whole blocks)
and re-encoding costs time, quality and size, so the stored JPEG gets a new EXIF
segment of 36 bytes that holds that one tag and nothing else (browsers and image
viewers show the photo upright by it). It replaces the original EXIF segment, which
held at least that tag, so the file never grows.

The rewritten JPEG must have a frame header before its first scan and must open
again with the same size; its image data is not decoded (that would cost as much
time as the rest of the upload, and libjpeg tolerates damaged data anyway: a viewer
shows a damaged photo as it was sent). So a JPEG costs no decoded pixels.

**PNG, HEIC and damaged JPEGs** are decoded and written anew from the pixels alone
(no info dictionary, EXIF, ICC or XMP), turned upright first. A damaged JPEG that is
larger than ``REENCODE_MAX_PIXELS`` is decoded at a reduced scale; no extra copies of
the pixels are made when the mode already fits.

Every re-encode counts the pixels it decodes against the budget of the request.
"""

from __future__ import annotations

import io
import mmap
from dataclasses import dataclass
from typing import IO, cast

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from meldpunt.intake.rejection import AttachmentRejected

register_heif_opener()

# Refuse images that would expand into an enormous pixel buffer (decompression bombs).
# 50 megapixels is above what phones write by default (12-48 MP) and below the point
# where one decode would need more memory than a worker may use.
MAX_IMAGE_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
# A damaged JPEG is re-encoded at a reduced scale above this size.
REENCODE_MAX_PIXELS = 25_000_000
_ORIENTATION = 0x0112


@dataclass(frozen=True)
class CleanPhoto:
    """The cleaned photo as pieces in order (a losslessly stripped JPEG is mostly slices
    of the upload itself; joining them would only cost one more copy of the photo)."""

    pieces: tuple[bytes | memoryview, ...]
    decoded_pixels: int

    @property
    def data(self) -> bytes:
        return b"".join(self.pieces)


def too_many_pixels() -> str:
    return str(_l("Deze foto is te groot (te veel pixels)."))


def over_budget() -> str:
    return str(
        _l(
            "Samen met de andere foto's is dit te veel om in één keer te verwerken. "
            "Stuur deze foto later apart mee."
        )
    )


def clean_photo(name: str, data: bytes | mmap.mmap, content_type: str, pixel_budget: int) -> CleanPhoto:
    """The photo without metadata; raises AttachmentRejected with a reason.

    ``data`` may be a read-only mapping of the upload (upload_request.kept_content): a
    JPEG's pieces are then slices of that mapping, never copied.
    """
    unreadable = str(_l("Deze foto kunnen we niet openen. Misschien is het bestand beschadigd."))
    try:
        if content_type == "image/jpeg" and data[:2] == b"\xff\xd8":
            try:
                return _clean_jpeg_losslessly(name, data)
            except (ValueError, OSError, SyntaxError):
                pass  # damaged or unusual: decode what can be decoded and write it anew
        return _reencode(name, data if isinstance(data, bytes) else data[:], content_type, pixel_budget)
    except Image.DecompressionBombError as exc:
        raise AttachmentRejected(name, too_many_pixels()) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise AttachmentRejected(name, unreadable) from exc


def _check_size(name: str, pixels: int, pixel_budget: int) -> None:
    if pixels > MAX_IMAGE_PIXELS:
        raise AttachmentRejected(name, too_many_pixels())
    if pixels > pixel_budget:
        raise AttachmentRejected(name, over_budget())


def _clean_jpeg_losslessly(name: str, data: bytes | mmap.mmap) -> CleanPhoto:
    with Image.open(_file_over(data)) as header:
        if header.format not in {"JPEG", "MPO"}:
            raise ValueError("not a JPEG")
        orientation = header.getexif().get(_ORIENTATION, 1)
        width, height = header.size
    if width * height > MAX_IMAGE_PIXELS:
        raise AttachmentRejected(name, too_many_pixels())
    stripped = _stripped_jpeg_pieces(data, for_storage=True)
    pieces, header_pieces = stripped.pieces, stripped.header
    if isinstance(orientation, int) and 2 <= orientation <= 8:
        at = _orientation_position(pieces)
        pieces.insert(at, _orientation_segment(orientation))
        header_pieces += 1
    # The frame and scan headers are read again (not the image data, which stays as sent).
    with Image.open(io.BytesIO(b"".join(pieces[:header_pieces]))) as check:
        if check.format != "JPEG" or check.size != (width, height):
            raise ValueError("picture changed while stripping")
    if sum(len(piece) for piece in pieces) > len(data):  # cannot happen: every segment written replaces a larger one
        raise ValueError("stripped JPEG larger than the original")
    return CleanPhoto(tuple(pieces), 0)


def _file_over(data: bytes | mmap.mmap) -> IO[bytes]:
    """The photo as a file for Pillow (which reads only the headers here), without a copy:
    a BytesIO shares a bytes object, and a mapping is a file itself (from its start)."""
    if isinstance(data, mmap.mmap):
        data.seek(0)
        return cast(IO[bytes], data)
    return io.BytesIO(data)


def _orientation_segment(orientation: int) -> bytes:
    """One EXIF segment holding only the orientation tag."""
    tiff = (
        b"MM\x00\x2a\x00\x00\x00\x08"  # big-endian TIFF header, first IFD at offset 8
        + b"\x00\x01"  # one entry
        + _ORIENTATION.to_bytes(2, "big") + b"\x00\x03" + b"\x00\x00\x00\x01"  # SHORT, count 1
        + orientation.to_bytes(2, "big") + b"\x00\x00"
        + b"\x00\x00\x00\x00"  # no next IFD (no thumbnail)
    )
    return _segment(0xE1, b"Exif\x00\x00" + tiff)


def _orientation_position(pieces: list[bytes | memoryview]) -> int:
    """Where the orientation segment goes: after SOI, and after the JFIF header if there is one."""
    return 2 if len(pieces) > 1 and bytes(pieces[1][:2]) == b"\xff\xe0" else 1


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def _reencode(name: str, data: bytes, content_type: str, pixel_budget: int) -> CleanPhoto:
    with Image.open(io.BytesIO(data)) as img:
        pixels = img.width * img.height
        if pixels > MAX_IMAGE_PIXELS:
            raise AttachmentRejected(name, too_many_pixels())
        if img.format in {"JPEG", "MPO"}:
            # Decode straight into the output mode, at a reduced scale when very large.
            scale = 1
            while pixels // (scale * scale) > REENCODE_MAX_PIXELS:
                scale *= 2
            target = "RGB" if img.mode not in {"L", "CMYK"} else img.mode
            img.draft(target, (img.width // scale, img.height // scale))
            pixels = img.width * img.height
        _check_size(name, pixels, pixel_budget)
        img.load()
        upright = ImageOps.exif_transpose(img)  # a copy only when the photo was turned
        if upright is not img:
            img.close()
        out = io.BytesIO()
        if content_type == "image/png":
            kept_mode = upright.mode in {"1", "L", "LA", "P", "RGB", "RGBA", "I;16"}
            pixels_only = upright if kept_mode else upright.convert("RGBA")
            transparency = upright.info.get("transparency") if pixels_only.mode in {"P", "L", "RGB"} else None
            pixels_only.info = {}  # no text chunks, EXIF, ICC or XMP travel with the pixels
            extra = {"transparency": transparency} if transparency is not None else {}
            pixels_only.save(out, format="PNG", compress_level=6, **extra)
        else:
            pixels_only = upright if upright.mode in {"L", "RGB", "CMYK"} else upright.convert("RGB")
            pixels_only.info = {}
            pixels_only.save(out, format="JPEG", quality=90)
    return CleanPhoto((out.getvalue(),), pixels)


# JPEG markers without a length field: TEM and the restart markers.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Segments a stored photo needs to be shown: frame headers (SOF0-15 without DHT, JPG
# and DAC), Huffman and arithmetic tables, quantisation tables, restart interval,
# number of lines, scans. Anything else (JPGn extensions, hierarchical markers) goes.
_JPEG_PICTURE_SEGMENTS = frozenset(
    {*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0), 0xC4, 0xCC, 0xDA, 0xDB, 0xDC,
     0xDD}
)


def strip_jpeg_metadata(data: bytes, *, for_storage: bool = False) -> bytes:
    """A JPEG without EXIF, XMP, IPTC/Photoshop, comments, other APPn segments or trailing data.

    Kept: the image data and what is needed to show it in the right colours
    (JFIF header, ICC profile, Adobe colour-transform marker). Everything after the
    end-of-image marker goes too (a second "multi-picture" image, or a ZIP).
    With ``for_storage`` only the segments a picture needs are kept (see
    ``_JPEG_PICTURE_SEGMENTS``) and a JFIF header loses its thumbnail.
    """
    return b"".join(_stripped_jpeg_pieces(data, for_storage=for_storage).pieces)


@dataclass(frozen=True)
class _JpegPieces:
    """A stripped JPEG as pieces in order: small new segments and slices of the original.

    ``header`` is how many leading pieces hold everything before the first scan's image
    data (enough to read the picture's size). Nothing is copied: the cleaned photo goes
    to the encryption as these pieces (crypto.encrypt_file).
    """

    pieces: list[bytes | memoryview]
    header: int

    @property
    def size(self) -> int:
        return sum(len(piece) for piece in self.pieces)


def _stripped_jpeg_pieces(data: bytes | mmap.mmap, *, for_storage: bool = False) -> _JpegPieces:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG stream")
    view = memoryview(data)
    pieces: list[bytes | memoryview] = [b"\xff\xd8"]
    header = 0
    position, end = 2, len(data)
    scanned = framed = False
    while True:
        if position >= end:
            if not scanned:
                raise ValueError("JPEG stream without image data")
            pieces.append(b"\xff\xd9")
            return _JpegPieces(pieces, header)
        if data[position] != 0xFF:
            raise ValueError("expected a JPEG marker")
        while position < end and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= end:
            continue
        marker = data[position]
        position += 1
        if marker == 0xD9:  # end of image: nothing after it is kept
            if not scanned:
                raise ValueError("JPEG stream without image data")
            pieces.append(b"\xff\xd9")
            return _JpegPieces(pieces, header)
        if marker in _JPEG_STANDALONE:
            pieces.append(bytes((0xFF, marker)))
            continue
        if marker in (0x00, 0xD8) or position + 2 > end:
            raise ValueError("broken JPEG marker")
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2 or position + length > end:
            raise ValueError("JPEG segment length out of range")
        payload = data[position + 2 : position + length]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            framed = True
        elif marker == 0xDA and not framed and for_storage:
            raise ValueError("scan before the frame header")
        if for_storage and marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) > 14:
            # JFIF with a thumbnail (a thumbnail can show what was cropped away): header only.
            pieces.append(_segment(0xE0, payload[:12] + b"\x00\x00"))
        elif _keep_jpeg_segment(marker, payload, for_storage):
            pieces.append(bytes((0xFF, marker)) + data[position : position + length])
        position += length
        if marker == 0xDA:  # start of scan: the entropy-coded data up to the next marker
            if not scanned:
                header = len(pieces)
            scanned = True
            scan_end = _jpeg_scan_end(data, position)
            pieces.append(view[position:scan_end])
            position = scan_end


def _jpeg_scan_end(data: bytes | mmap.mmap, position: int) -> int:
    """Where the entropy-coded data after a start-of-scan header ends."""
    end = len(data)
    while True:
        found = data.find(b"\xff", position)
        if found == -1 or found + 1 >= end:
            return end if found == -1 else found
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte or restart marker
            position = found + 2
        elif following == 0xFF:  # fill byte before a marker
            position = found + 1
        else:
            return found


def _keep_jpeg_segment(marker: int, payload: bytes, for_storage: bool = False) -> bool:
    if marker == 0xE0:
        return payload.startswith(b"JFIF\x00")  # not JFXX: that holds a thumbnail
    if marker == 0xE2:
        return payload.startswith(b"ICC_PROFILE\x00")  # not MPF or FlashPix
    if marker == 0xEE:
        return payload.startswith(b"Adobe")  # tells how CMYK/YCCK colours are stored
    if for_storage:
        return marker in _JPEG_PICTURE_SEGMENTS
    # APP1 (EXIF with GPS, XMP), APP13 (IPTC, Photoshop), other APPn and comments go.
    return not (0xE0 <= marker <= 0xEF or marker == 0xFE)
