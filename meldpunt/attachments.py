"""Checking and cleaning uploaded files before anything is stored.

Files are allowed by what they are (libmagic reads the bytes), never by their
name. Images are decoded and re-encoded from pixels alone, so EXIF, GPS,
camera serial numbers and any data hidden after the image are gone. PDFs lose
their document information and XMP metadata. Every rejection carries a reason
a reporter can understand.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

import magic
import pikepdf
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

# Refuse images that would expand into an enormous pixel buffer (decompression bombs).
MAX_IMAGE_PIXELS = 60_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# What libmagic may say -> (kind, stored content type).
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "image/jpeg": ("image", "image/jpeg"),
    "image/png": ("image", "image/png"),
    "image/heic": ("image", "image/jpeg"),
    "image/heif": ("image", "image/jpeg"),
    "image/heic-sequence": ("image", "image/jpeg"),
    "image/heif-sequence": ("image", "image/jpeg"),
    "application/pdf": ("pdf", "application/pdf"),
    "video/mp4": ("video", "video/mp4"),
    "video/quicktime": ("video", "video/quicktime"),
    "text/plain": ("text", "text/plain"),
}


class AttachmentRejected(Exception):
    """A file that cannot be accepted; ``reason`` is shown to the reporter."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(reason)
        self.filename = filename
        self.reason = reason


@dataclass(frozen=True)
class CleanFile:
    """A file that passed every check, with its metadata removed."""

    data: bytes
    content_type: str
    kind: str
    original_name: str


def display_name(raw: str | None) -> str:
    """A filename safe to show: no paths, no control or direction-override characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Drop control and format characters (Cc, Cf): this removes the right-to-left
    # override trick that makes "photo\u202Egpj.exe" look like "photoexe.jpg".
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf"})
    name = name.strip().strip(".") or "bestand"
    return name[:120]


def sniff(data: bytes) -> str:
    return magic.from_buffer(data[:65536], mime=True)


def clean_upload(raw_name: str | None, data: bytes, max_bytes: int) -> CleanFile:
    """Check one uploaded file and return it cleaned, or raise AttachmentRejected."""
    name = display_name(raw_name)
    if not data:
        raise AttachmentRejected(name, str(_l("Dit bestand is leeg.")))
    if len(data) > max_bytes:
        raise AttachmentRejected(
            name,
            str(_l("Dit bestand is groter dan %(mb)d MB.", mb=max_bytes // (1024 * 1024))),
        )
    detected = sniff(data)
    if detected not in ALLOWED_TYPES:
        raise AttachmentRejected(
            name,
            str(
                _l(
                    "Dit soort bestand kunnen we niet aannemen. Stuur een foto (JPEG, PNG of "
                    "HEIC), een PDF, een video (MP4 of MOV) of een tekstbestand."
                )
            ),
        )
    kind, content_type = ALLOWED_TYPES[detected]
    if kind == "image":
        data = _reencode_image(name, data, content_type)
    elif kind == "pdf":
        data = _strip_pdf(name, data)
    elif kind == "video":
        data = _blank_video_metadata(name, data)
    elif kind == "text":
        data = _check_text(name, data)
    return CleanFile(data=data, content_type=content_type, kind=kind, original_name=name)


def _reencode_image(name: str, data: bytes, content_type: str) -> bytes:
    unreadable = str(_l("Deze foto kunnen we niet openen. Misschien is het bestand beschadigd."))
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise AttachmentRejected(name, str(_l("Deze foto is te groot (te veel pixels).")))
            img.load()
            # Turn the photo upright first: the orientation tag goes with the rest of EXIF.
            upright = ImageOps.exif_transpose(img)
            if content_type == "image/png":
                mode = "RGBA" if upright.mode in {"RGBA", "LA", "P"} else "RGB"
                pixels = upright.convert(mode)
            else:
                pixels = upright.convert("RGB")
            # A new image holds the pixels only: no info dict, no EXIF, no ICC, no XMP.
            bare = Image.new(pixels.mode, pixels.size)
            bare.paste(pixels)
    except Image.DecompressionBombError as exc:
        raise AttachmentRejected(name, str(_l("Deze foto is te groot (te veel pixels)."))) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise AttachmentRejected(name, unreadable) from exc
    out = io.BytesIO()
    if content_type == "image/png":
        bare.save(out, format="PNG", optimize=True)
    else:
        bare.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _strip_pdf(name: str, data: bytes) -> bytes:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            # Remove author, creator, producer, dates and the XMP packet.
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            if "/Metadata" in pdf.Root:
                del pdf.Root["/Metadata"]
            # Scripts and automatic actions have no place in a report attachment.
            for key in ("/OpenAction", "/AA"):
                if key in pdf.Root:
                    del pdf.Root[key]
            names = pdf.Root.get("/Names")
            if names is not None and "/JavaScript" in names:
                del names["/JavaScript"]
            out = io.BytesIO()
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
            return out.getvalue()
    except pikepdf.PasswordError as exc:
        raise AttachmentRejected(
            name, str(_l("Deze PDF is beveiligd met een wachtwoord. Stuur een PDF zonder wachtwoord."))
        ) from exc
    except pikepdf.PdfError as exc:
        raise AttachmentRejected(
            name, str(_l("Deze PDF kunnen we niet openen. Misschien is het bestand beschadigd."))
        ) from exc


def _check_text(name: str, data: bytes) -> bytes:
    """Plain text, stored as UTF-8; Windows notes (cp1252) are converted, not refused."""
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise AttachmentRejected(
            name, str(_l("Dit tekstbestand kunnen we niet lezen. Sla het op als UTF-8."))
        ) from exc


# MP4/MOV boxes that hold user data: GPS position (\xa9xyz), device make and model,
# software, dates. They are blanked, not removed: removing a box would shift the
# media data and break the absolute chunk offsets the player relies on.
_METADATA_BOXES = {b"udta", b"meta", b"uuid", b"XMP_"}
_CONTAINER_BOXES = {b"moov", b"trak", b"mdia", b"minf"}


def _blank_video_metadata(name: str, data: bytes) -> bytes:
    out = bytearray(data)
    try:
        _blank_boxes(out, 0, len(out), depth=0)
    except ValueError as exc:
        raise AttachmentRejected(
            name, str(_l("Deze video kunnen we niet lezen. Misschien is het bestand beschadigd."))
        ) from exc
    return bytes(out)


def _blank_boxes(buf: bytearray, start: int, end: int, depth: int) -> None:
    position = start
    while position + 8 <= end:
        size = int.from_bytes(buf[position : position + 4], "big")
        box_type = bytes(buf[position + 4 : position + 8])
        header = 8
        if size == 1:
            if position + 16 > end:
                raise ValueError("truncated box header")
            size = int.from_bytes(buf[position + 8 : position + 16], "big")
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise ValueError("box size out of range")
        if box_type in _METADATA_BOXES:
            buf[position + 4 : position + 8] = b"free"
            buf[position + header : position + size] = bytes(size - header)
        elif box_type in _CONTAINER_BOXES and depth < 6:
            _blank_boxes(buf, position + header, position + size, depth + 1)
        position += size
