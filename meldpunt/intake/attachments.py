"""Checking and cleaning uploaded files before anything is stored.

Files are allowed by what they are (libmagic reads the bytes), never by their
name. Images are decoded and re-encoded from pixels alone, so EXIF, GPS,
camera serial numbers and any data hidden after the image (a ZIP, HTML or PDF
glued to a photo) are gone. PDFs are rewritten object by object: document
information, XMP on every level, document IDs, private application data,
scripts, automatic actions, embedded files and the EXIF/XMP/IPTC of the photos
inside are removed. Videos keep their frames but lose their location, device
and date boxes. Every rejection carries a reason a reporter can understand, and
the name a file is stored under always ends in the extension of what it really
is, so a video that is also a ZIP is never opened as a ZIP.
"""

from __future__ import annotations

import base64
import io
import re
import unicodedata
import zlib
from collections.abc import Iterator
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

# Stored content type -> (extension added to the name, extensions that may stay).
# A HEIC photo is stored as JPEG, so its .heic extension is replaced.
_EXTENSIONS: dict[str, tuple[str, frozenset[str]]] = {
    "image/jpeg": (".jpg", frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})),
    "image/png": (".png", frozenset({".png"})),
    "application/pdf": (".pdf", frozenset({".pdf"})),
    "video/mp4": (".mp4", frozenset({".mp4", ".m4v"})),
    "video/quicktime": (".mov", frozenset({".mov", ".qt"})),
    "text/plain": (".txt", frozenset({".txt"})),
}
_REPLACED_EXTENSIONS = frozenset({".heic", ".heif", ".hif"})

# Unicode categories that never belong in a file name shown to people: controls,
# format characters (bidi overrides and isolates, zero-width joiners), surrogates,
# private-use and unassigned code points, line and paragraph separators.
_UNSAFE_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


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
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Drop control and format characters (Cc, Cf and friends): this removes the
    # right-to-left override trick that makes "photo\u202Egpj.exe" look like "photoexe.jpg".
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _UNSAFE_NAME_CATEGORIES)
    name = " ".join(name.split())  # tabs, no-break and other odd spaces become one plain space
    name = name.strip().strip(".").strip() or "bestand"
    return name[:120]


def stored_name(name: str, content_type: str) -> str:
    """The display name with the extension of what the file really is.

    "bewijs.zip" that is really a video becomes "bewijs.zip.mp4" and "IMG_1.HEIC"
    (stored as JPEG) becomes "IMG_1.jpg", so staff who download a file never open
    it with the program its disguise asked for.
    """
    extension, kept = _EXTENSIONS[content_type]
    stem, dot, suffix = name.rpartition(".")
    suffix = f".{suffix.lower()}" if dot and stem else ""
    if suffix in kept:
        return name
    if suffix in _REPLACED_EXTENSIONS:
        return stem + extension
    return name + extension


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
    return CleanFile(
        data=data, content_type=content_type, kind=kind, original_name=stored_name(name, content_type)
    )


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
    unreadable = str(_l("Deze PDF kunnen we niet openen. Misschien is het bestand beschadigd."))
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            _scrub_pdf(pdf)
            out = io.BytesIO()
            # The file is written anew from its objects: earlier revisions (incremental
            # updates), unreferenced objects and anything glued before or after the PDF
            # are left behind. Streams are copied as they are, never decoded (qpdf would
            # otherwise recompress LZW streams), so a compressed bomb stays a small
            # compressed stream. The encryption goes: a PDF that opens without a password
            # is stored without one.
            pdf.save(
                out,
                encryption=False,
                deterministic_id=True,
                fix_metadata_version=False,
                preserve_pdfa=False,
                compress_streams=False,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
            )
            return out.getvalue()
    except pikepdf.PasswordError as exc:
        raise AttachmentRejected(
            name, str(_l("Deze PDF is beveiligd met een wachtwoord. Stuur een PDF zonder wachtwoord."))
        ) from exc
    except (pikepdf.PdfError, ValueError, RecursionError, zlib.error) as exc:
        raise AttachmentRejected(name, unreadable) from exc


# Keys whose value is metadata, private data, a script or an embedded file, wherever
# they appear: XMP streams (document, page, image, form, font level), application
# data, modification dates, automatic actions, JavaScript, XFA forms (data and
# scripts), associated and embedded files.
_PDF_DROPPED_KEYS = (
    "/Metadata",
    "/PieceInfo",
    "/LastModified",
    "/AA",
    "/OpenAction",
    "/JS",
    "/XFA",
    "/AF",
    "/EF",
    "/RF",
)
# In the catalogue: article threads (with their own info dictionary), web-capture
# source addresses, portfolios, signature permissions and certificate stores.
_PDF_ROOT_DROPPED_KEYS = ("/NeedsRendering", "/Threads", "/SpiderInfo", "/Collection", "/Perms", "/DSS")
# On pages: thumbnails (they can show an earlier version of the page), thread beads.
_PDF_PAGE_DROPPED_KEYS = ("/Thumb", "/B")
# In the name dictionary: document scripts, embedded files, slide shows, media.
_PDF_DROPPED_NAME_TREES = ("/JavaScript", "/EmbeddedFiles", "/AlternatePresentations", "/Renditions")
# Annotations that carry files, sound, film, rich media or 3D (which can run scripts).
_PDF_DROPPED_ANNOTATIONS = frozenset(
    {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
)
# Actions that only move around in the document or open an ordinary web link.
_PDF_SAFE_ACTIONS = frozenset({"/GoTo", "/Named", "/URI"})
_PDF_SAFE_URI_SCHEMES = (b"http://", b"https://", b"mailto:")
# Decoded image data may not grow beyond this (a compressed stream can be a bomb).
_MAX_DECODED_IMAGE_BYTES = 64 * 1024 * 1024


def _scrub_pdf(pdf: pikepdf.Pdf) -> None:
    """Remove metadata, scripts, embedded files and identifying IDs, in place."""
    for key in ("/Info", "/ID"):
        # /Info: author, creator, producer, dates. /ID: the original document ID,
        # which the writer would otherwise keep and which links this copy to others.
        if key in pdf.trailer:
            del pdf.trailer[key]
    # Every object, reachable or not, so nothing is missed that a viewer can reach
    # by some other path (form XObjects, annotation appearances, patterns, fonts).
    # The encryption dictionary is left alone: it is still needed to read the streams.
    encrypt = pdf.trailer.get("/Encrypt")
    skipped = encrypt.objgen if isinstance(encrypt, pikepdf.Dictionary) and encrypt.is_indirect else None
    for obj in pdf.objects:
        if skipped is not None and obj.objgen == skipped:
            continue
        if isinstance(obj, pikepdf.Stream):
            _scrub_container(obj, depth=0)
            if obj.get("/Subtype") == pikepdf.Name.Image:
                _strip_pdf_image(obj)
        elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Array)):
            _scrub_container(obj, depth=0)
    _drop_keys(pdf.Root, _PDF_ROOT_DROPPED_KEYS)
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        _drop_keys(names, _PDF_DROPPED_NAME_TREES)
    for page in pdf.pages:
        _drop_keys(page.obj, _PDF_PAGE_DROPPED_KEYS)


def _drop_keys(obj: pikepdf.Object, keys: tuple[str, ...]) -> None:
    for key in set(keys) & set(obj.keys()):
        del obj[key]


def _scrub_container(obj: pikepdf.Object, depth: int) -> None:
    """Clean one dictionary, stream dictionary or array and its direct children."""
    if depth > 100:
        raise ValueError("PDF objects nested too deeply")
    if isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        items = list(obj.items())
        _scrub_dictionary(obj, {key for key, _value in items})
        children = [value for _key, value in items]
    for child in children:
        # Indirect objects are visited on their own by the loop over pdf.objects.
        if isinstance(child, (pikepdf.Dictionary, pikepdf.Array)) and not child.is_indirect:
            _scrub_container(child, depth + 1)


def _scrub_dictionary(obj: pikepdf.Object, keys: set[str]) -> None:
    # (Keys are looked up in a Python set: asking pikepdf for each one is slow.)
    for key in _PDF_DROPPED_KEY_SET & keys:
        del obj[key]
    # Actions: a link, bookmark or form field may keep a jump within the document
    # or a web link; JavaScript, launching programs, opening or submitting files goes.
    for key in _PDF_ACTION_KEYS & keys:
        if not _is_safe_action(obj[key]):
            del obj[key]
    if "/Annots" in keys:
        annotations = obj["/Annots"]
        if isinstance(annotations, pikepdf.Array):
            kept = [a for a in annotations if not _is_dropped_annotation(a)]
            if len(kept) != len(annotations):
                obj["/Annots"] = pikepdf.Array(kept)
    if "/Rect" in keys and "/Subtype" in keys:
        # An annotation: its /T is the author's name (except on form fields, where it
        # is the field name), its dates say when it was written, /FS holds a file.
        for key in _PDF_ANNOTATION_DROPPED_KEYS & keys:
            del obj[key]
        if "/T" in keys and obj["/Subtype"] != pikepdf.Name.Widget:
            del obj["/T"]
    # A digital signature holds the signer's certificate, name, place and contact
    # details; rewriting the file breaks it anyway.
    if "/FT" in keys and "/V" in keys and obj["/FT"] == pikepdf.Name.Sig:
        del obj["/V"]


_PDF_DROPPED_KEY_SET = frozenset(_PDF_DROPPED_KEYS)
_PDF_ACTION_KEYS = frozenset({"/A", "/Next"})
_PDF_ANNOTATION_DROPPED_KEYS = frozenset({"/M", "/CreationDate", "/FS"})


def _is_safe_action(value: pikepdf.Object) -> bool:
    """Whether an /A or /Next value may stay; values that are no action at all stay."""
    if isinstance(value, pikepdf.Array):
        return all(_is_safe_action(item) for item in value)
    if not isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)) or "/S" not in value:
        return True  # e.g. structure-element attributes, which also live under /A
    kind = value.get("/S")
    if not isinstance(kind, pikepdf.Name) or str(kind) not in _PDF_SAFE_ACTIONS:
        return False
    if kind == pikepdf.Name.URI:
        uri = value.get("/URI")
        return isinstance(uri, pikepdf.String) and bytes(uri).strip().lower().startswith(_PDF_SAFE_URI_SCHEMES)
    return True


def _is_dropped_annotation(annotation: pikepdf.Object) -> bool:
    if not isinstance(annotation, pikepdf.Dictionary):
        return False
    subtype = annotation.get("/Subtype")
    if isinstance(subtype, pikepdf.Name) and str(subtype) in _PDF_DROPPED_ANNOTATIONS:
        return True
    # The pop-up of a dropped annotation would keep it reachable through /Parent.
    if subtype != pikepdf.Name.Popup:
        return False
    parent = annotation.get("/Parent")
    parent_subtype = parent.get("/Subtype") if isinstance(parent, pikepdf.Dictionary) else None
    return isinstance(parent_subtype, pikepdf.Name) and str(parent_subtype) in _PDF_DROPPED_ANNOTATIONS


def _strip_pdf_image(stream: pikepdf.Stream) -> None:
    """Rewrite a JPEG or JPEG 2000 image without its EXIF, XMP, IPTC and comments.

    Only the metadata segments go; the compressed image data is copied byte for
    byte, so the picture is exactly what it was.
    """
    filters = stream.get("/Filter")
    filter_list = list(filters) if isinstance(filters, pikepdf.Array) else [filters] if filters is not None else []
    if not filter_list or filter_list[-1] not in (pikepdf.Name.DCTDecode, pikepdf.Name.JPXDecode):
        return  # raw, Flate, CCITT or JBIG2 pixels carry no camera metadata
    parms = stream.get("/DecodeParms")
    parm_list: list[pikepdf.Object | None] = (
        list(parms) if isinstance(parms, pikepdf.Array) else [parms] * len(filter_list)
    )
    if len(parm_list) != len(filter_list):
        raise ValueError("filters and decode parameters do not match")
    data = _undo_outer_filters(stream.read_raw_bytes(), filter_list[:-1], parm_list[:-1])
    if filter_list[-1] == pikepdf.Name.DCTDecode:
        image_filter, cleaned = pikepdf.Name.DCTDecode, strip_jpeg_metadata(data)
    else:
        image_filter, cleaned = pikepdf.Name.JPXDecode, _strip_jp2_metadata(data)
    last_parms = parm_list[-1]
    stream.write(
        cleaned,
        filter=image_filter,
        decode_parms=last_parms if isinstance(last_parms, pikepdf.Dictionary) else None,
    )


def _undo_outer_filters(
    data: bytes, filters: list[pikepdf.Object], parms: list[pikepdf.Object | None]
) -> bytes:
    """Decode the filters wrapped around a JPEG, with a cap on how much may come out."""
    for kind, parm in zip(reversed(filters), reversed(parms), strict=True):
        if isinstance(parm, pikepdf.Dictionary) and len(parm.keys()) > 0:
            raise ValueError("predictors on JPEG data are not supported")
        if kind == pikepdf.Name.FlateDecode:
            inflater = zlib.decompressobj()
            data = inflater.decompress(data, _MAX_DECODED_IMAGE_BYTES + 1)
        elif kind == pikepdf.Name.ASCIIHexDecode:
            digits = re.sub(rb"\s", b"", data.split(b">", 1)[0])
            data = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
        elif kind == pikepdf.Name.ASCII85Decode:
            text = data.split(b"~>", 1)[0].strip()
            data = base64.a85decode(text.removeprefix(b"<~"), ignorechars=b" \t\n\r\x0b\x0c")
        else:
            raise ValueError(f"unsupported filter before image data: {kind}")
        if len(data) > _MAX_DECODED_IMAGE_BYTES:
            raise ValueError("image data too large after decoding")
    return data


# JPEG markers without a length field: TEM and the restart markers.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def strip_jpeg_metadata(data: bytes) -> bytes:
    """A JPEG without EXIF, XMP, IPTC/Photoshop, comments, other APPn segments or trailing data.

    Kept: the image data and what is needed to show it in the right colours
    (JFIF header, ICC profile, Adobe colour-transform marker). Everything after the
    end-of-image marker goes too (a second "multi-picture" image, or a ZIP).
    """
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG stream")
    out = bytearray(b"\xff\xd8")
    position, end = 2, len(data)
    scanned = False
    while True:
        if position >= end:
            if not scanned:
                raise ValueError("JPEG stream without image data")
            out += b"\xff\xd9"
            return bytes(out)
        if data[position] != 0xFF:
            raise ValueError("expected a JPEG marker")
        while position < end and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= end:
            continue
        marker = data[position]
        position += 1
        if marker == 0xD9:  # end of image: nothing after it is kept
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _JPEG_STANDALONE:
            out += bytes((0xFF, marker))
            continue
        if marker in (0x00, 0xD8) or position + 2 > end:
            raise ValueError("broken JPEG marker")
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2 or position + length > end:
            raise ValueError("JPEG segment length out of range")
        payload = data[position + 2 : position + length]
        if _keep_jpeg_segment(marker, payload):
            out += bytes((0xFF, marker)) + data[position : position + length]
        position += length
        if marker == 0xDA:  # start of scan: copy the entropy-coded data up to the next marker
            scanned = True
            scan_end = _jpeg_scan_end(data, position)
            out += data[position:scan_end]
            position = scan_end


def _jpeg_scan_end(data: bytes, position: int) -> int:
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


def _keep_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker == 0xE0:
        return payload.startswith(b"JFIF\x00")  # not JFXX: that holds a thumbnail
    if marker == 0xE2:
        return payload.startswith(b"ICC_PROFILE\x00")  # not MPF or FlashPix
    if marker == 0xEE:
        return payload.startswith(b"Adobe")  # tells how CMYK/YCCK colours are stored
    # APP1 (EXIF with GPS, XMP), APP13 (IPTC, Photoshop), other APPn and comments go.
    return not (0xE0 <= marker <= 0xEF or marker == 0xFE)


# JPEG 2000 (JP2/JPX) boxes needed to show the picture; XML (XMP), UUID (EXIF, XMP,
# GeoJP2 coordinates), IPR and other boxes go.
_JP2_KEPT_BOXES = frozenset(
    {b"jP  ", b"ftyp", b"rreq", b"jp2h", b"jp2c", b"jpch", b"jplh", b"ftbl", b"dtbl", b"cgrp", b"res "}
)


def _strip_jp2_metadata(data: bytes) -> bytes:
    if data[:4] == b"\xff\x4f\xff\x51":
        return data  # a bare codestream has no boxes (its comment markers are left alone)
    out = bytearray()
    has_codestream = False
    for box_type, start, _payload, end in _iter_boxes(data, 0, len(data)):
        if box_type in _JP2_KEPT_BOXES:
            out += data[start:end]
            has_codestream = has_codestream or box_type == b"jp2c"
    if not has_codestream:
        raise ValueError("JPEG 2000 stream without image data")
    return bytes(out)


def _iter_boxes(
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


def _check_text(name: str, data: bytes) -> bytes:
    """Plain text, stored as UTF-8; Windows notes (cp1252, UTF-16) are converted, not refused.

    Binary data that libmagic took for text (control characters, NUL bytes) is refused.
    """
    unreadable = str(_l("Dit tekstbestand kunnen we niet lezen. Sla het op als UTF-8."))
    text: str | None = None
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or _BINARY_IN_TEXT.search(text):
        raise AttachmentRejected(name, unreadable)
    return text.encode("utf-8")


# C0 controls other than tab, line feed, vertical tab, form feed, carriage return and
# the old DOS end-of-file mark, and DEL.
_BINARY_IN_TEXT = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")


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
    for box_type, box_start, payload, box_end in _iter_boxes(buf, start, end, tolerate_tail=True):
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
