"""Checking and cleaning uploaded files before anything is stored.

Files are allowed by what they are (libmagic reads the bytes), never by their
name. JPEG photos lose every metadata segment losslessly and PNG/HEIC images
are re-encoded from pixels alone (photos.py), so EXIF, GPS, camera serial
numbers and any data hidden after the image (a ZIP, HTML or PDF glued to a
photo) are gone. PDFs are rewritten object by object: document
information, XMP on every level, document IDs, private application data,
scripts, automatic actions, embedded files and the EXIF/XMP/IPTC of the photos
inside are removed. Videos are re-muxed without metadata and data streams
and keep their frames but lose their location, device and date boxes
(videos.py). Every rejection carries a reason a reporter can understand, and
the name a file is stored under always ends in the extension of what it really
is, so a video that is also a ZIP is never opened as a ZIP.
"""

from __future__ import annotations

import base64
import io
import mmap
import re
import subprocess  # nosec B404
import unicodedata
import zlib
from dataclasses import dataclass

import magic
import pikepdf
from flask_babel import lazy_gettext as _l

from meldpunt.intake.photos import MAX_IMAGE_PIXELS, clean_photo, strip_jpeg_metadata
from meldpunt.intake.rejection import AttachmentRejected
from meldpunt.intake.videos import clean_video, iter_boxes

__all__ = ["MAX_IMAGE_PIXELS", "AttachmentRejected", "CleanFile", "clean_upload", "strip_jpeg_metadata"]

# Decoded pixels one file may use when no request budget is given (unit tests, the CLI).
NO_BUDGET = 10**12

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


@dataclass(frozen=True)
class CleanFile:
    """A file that passed every check, with its metadata removed.

    Its content is kept as ``pieces`` in order: a losslessly stripped JPEG is mostly
    slices of the upload, encrypted as they are (crypto.encrypt_file) instead of joined
    into one more copy of the photo first. ``data`` joins them, for callers that want
    one buffer.
    """

    pieces: tuple[bytes | memoryview, ...]
    content_type: str
    kind: str
    original_name: str
    decoded_pixels: int = 0
    sent_size: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.pieces, (bytes, bytearray, memoryview)):  # one buffer given: one piece
            object.__setattr__(self, "pieces", (self.pieces,))

    @property
    def data(self) -> bytes:
        return self.pieces[0] if len(self.pieces) == 1 and isinstance(self.pieces[0], bytes) else b"".join(self.pieces)

    @property
    def size(self) -> int:
        return sum(len(piece) for piece in self.pieces)


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


def clean_upload(
    raw_name: str | None, data: bytes | mmap.mmap, max_bytes: int, pixel_budget: int = NO_BUDGET
) -> CleanFile:
    """Check one uploaded file and return it cleaned, or raise AttachmentRejected.

    ``pixel_budget`` is what is left of the request's budget of decoded pixels.
    ``data`` may be a read-only mapping of the upload's temporary file
    (upload_request.kept_content): a JPEG is then stripped straight from it, without
    a copy; every other kind is read from it once.
    """
    name = display_name(raw_name)
    if not data:
        raise AttachmentRejected(name, str(_l("Dit bestand is leeg.")))
    if len(data) > max_bytes:
        raise AttachmentRejected(name, too_big(max_bytes))
    detected = sniff(data[:65536])
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
    pixels = 0
    pieces: tuple[bytes | memoryview, ...]
    if kind == "image":
        photo = clean_photo(name, data, content_type, pixel_budget)
        pieces, pixels = photo.pieces, photo.decoded_pixels
    else:
        content = data if isinstance(data, bytes) else data[:]  # a mapping: these cleaners take bytes
        if kind == "pdf":
            content = _strip_pdf(name, content)
        elif kind == "video":
            content = _clean_video(name, content, content_type)
        elif kind == "text":
            content = _check_text(name, content)
        pieces = (content,)
    return CleanFile(
        pieces=pieces,
        content_type=content_type,
        kind=kind,
        original_name=stored_name(name, content_type),
        decoded_pixels=pixels,
        sent_size=len(data),
    )


def too_big(max_bytes: int) -> str:
    return str(_l("Dit bestand is groter dan %(mb)d MB.", mb=max_bytes // (1024 * 1024)))


def took_too_long() -> str:
    return str(_l("Het verwerken van dit bestand duurde te lang. Probeer een kleiner bestand."))


def _clean_video(name: str, data: bytes, content_type: str) -> bytes:
    try:
        return clean_video(data, content_type)
    except subprocess.TimeoutExpired as exc:
        raise AttachmentRejected(name, took_too_long()) from exc
    except ValueError as exc:
        raise AttachmentRejected(
            name, str(_l("Deze video kunnen we niet lezen. Misschien is het bestand beschadigd."))
        ) from exc


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
    for box_type, start, _payload, end in iter_boxes(data, 0, len(data)):
        if box_type in _JP2_KEPT_BOXES:
            out += data[start:end]
            has_codestream = has_codestream or box_type == b"jp2c"
    if not has_codestream:
        raise ValueError("JPEG 2000 stream without image data")
    return bytes(out)


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
