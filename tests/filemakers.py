"""Small real files for upload tests, made in memory."""

from __future__ import annotations

import io
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream, String
from PIL import Image

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def jpeg_with_gps(size=(64, 48), make: str = "SnitchCam") -> bytes:
    """A JPEG carrying camera make/model, a body serial number and GPS coordinates."""
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = make  # Make
    exif[0x0110] = "Model Z9"  # Model
    exif[0x0112] = 6  # Orientation: rotated
    exif.get_ifd(EXIF_IFD)[0xA431] = "SERIAL-0042-XYZ"  # BodySerialNumber
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 5.0, 12.5)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 44.1)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def jpeg_with_all_metadata(make: str = "SnitchCam", tag: str = "") -> bytes:
    """A camera JPEG with EXIF (make, GPS), XMP, IPTC, a comment and a second image after it.

    The second image (as phones store a depth map or "multi-picture" frame) has EXIF of
    its own. Every marker string carries ``tag`` so several photos can be told apart.
    """
    photo = jpeg_with_gps(make=make)
    xmp = _jpeg_segment(
        0xE1,
        b"http://ns.adobe.com/xap/1.0/\x00"
        + f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>XmpApp1Marker{tag}'
        "</rdf:Description></x:xmpmeta>".encode(),
    )
    iptc = _jpeg_segment(
        0xED, b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00" + f"IptcMarker{tag}".encode().ljust(24, b"\x00")
    )
    comment = _jpeg_segment(0xFE, f"CommentMarker{tag}".encode())
    second = jpeg_with_gps(size=(8, 8), make=f"SecondImageCam{tag}")
    return photo[:2] + xmp + iptc + comment + photo[2:] + second


def jp2_with_metadata(tag: str = "") -> bytes:
    """A JPEG 2000 (JP2) picture with an XML (XMP) box and a UUID box holding GPS-like data."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (20, 160, 60)).save(out, format="JPEG2000", irreversible=False)
    data = out.getvalue()
    xml = _box(b"xml ", f"<x:xmpmeta>Jp2XmlMarker{tag}</x:xmpmeta>".encode())
    uuid = _box(b"uuid", bytes(16) + f"Jp2UuidMarker{tag} +52.0906+005.1214".encode())
    # Boxes: signature, ftyp, jp2h, jp2c; metadata goes in before the codestream.
    codestream = data.index(b"jp2c") - 4
    return data[:codestream] + xml + uuid + data[codestream:]


def png_bytes(size=(40, 30), text_chunk: str | None = None) -> bytes:
    from PIL import PngImagePlugin

    img = Image.new("RGBA", size, (10, 120, 200, 255))
    info = PngImagePlugin.PngInfo()
    if text_chunk:
        info.add_text("Author", text_chunk)
    out = io.BytesIO()
    img.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def png_bomb() -> bytes:
    """A tiny file that decodes to a 100-megapixel image."""
    img = Image.new("1", (10_000, 10_000), 0)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def jpeg_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A small JPEG whose header claims 1.6 gigapixels (the data is a few hundred bytes)."""
    data = bytearray(jpeg_with_gps(size=(8, 8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


HEIC_MARKERS = (b"SnitchCam", b"Model Z9", b"HeicXmpMarker")


def heic_with_gps(size=(64, 48)) -> bytes:
    """A HEIC photo (as an iPhone makes) with EXIF make, model and GPS, and XMP."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    img = Image.new("RGB", size, (30, 200, 30))
    exif = Image.Exif()
    exif[0x010F] = "SnitchCam"
    exif[0x0110] = "Model Z9"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (52.0, 5.0, 12.5)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 44.1)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">HeicXmpMarker</x:xmpmeta>'
    out = io.BytesIO()
    img.save(out, format="HEIF", exif=exif.tobytes(), xmp=xmp, quality=80)
    return out.getvalue()


def heic_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A small HEIC whose image-size property claims 400 megapixels."""
    data = bytearray(heic_with_gps(size=(64, 64)))  # coded size, so no crop box overrides it
    ispe = data.index(b"ispe")
    data[ispe + 8 : ispe + 16] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    return bytes(data)


def pdf_with_metadata(author: str = "Jan Melder") -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.docinfo["/Author"] = author
    pdf.docinfo["/Creator"] = "Office Suite on LAPTOP-JAN"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [author]
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# Everything hidden in pdf_with_hidden_data(); none of it may survive cleaning.
HIDDEN_PDF_MARKERS = (
    # EXIF, XMP, IPTC, comments and trailing images of the photos on the page, in the
    # form XObject and wrapped in an extra Flate filter
    b"SnitchCam",
    b"FormCam",
    b"FlateWrappedCam",
    b"SERIAL-0042",
    b"Exif\x00",
    b"XmpApp1Marker",
    b"IptcMarker",
    b"Photoshop 3.0",
    b"CommentMarker",
    b"secret comment",
    b"SecondImageCam",
    b"Jp2XmlMarker",
    b"Jp2UuidMarker",
    # XMP at document, page, image and form level; private application data
    b"DocXmpMarker",
    b"PageXmpMarker",
    b"ImageXmpMarker",
    b"FormXmpMarker",
    b"PieceInfoMarker",
    # document information
    b"InfoAuthorMarker",
    b"LAPTOP-JAN",
    # embedded files, by name tree and by annotation, and their names
    b"EmbeddedFileMarker",
    b"EmbeddedNameMarker",
    b"AnnotAttachMarker",
    b"AnnotFileNameMarker",
    # scripts and actions
    b"OpenActionMarker",
    b"PageAAMarker",
    b"NamesJsMarker",
    b"WidgetJsMarker",
    b"XfaMarker",
    b"LinkJsMarker",
    b"LaunchMarker",
    # the author of a comment
    b"AnnotAuthorMarker",
)
# What must survive: the visible text, a comment's text, an ordinary web link, a form field.
KEPT_PDF_MARKERS = (b"Zichtbare tekst", b"Zichtbare opmerking", b"https://example.org/kept", b"veldnaam")
PDF_ORIGINAL_ID = b"IDMARKER-0123456"


def _jpeg_image(pdf: pikepdf.Pdf, data: bytes, size: tuple[int, int], **extra) -> Stream:
    return Stream(
        pdf,
        data,
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=size[0],
        Height=size[1],
        ColorSpace=Name.DeviceRGB,
        BitsPerComponent=8,
        **extra,
    )


def _xmp(pdf: pikepdf.Pdf, marker: str) -> Stream:
    packet = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"<rdf:Description>{marker}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    return Stream(pdf, packet.encode(), Type=Name.Metadata, Subtype=Name.XML)


def _js(pdf: pikepdf.Pdf, marker: str) -> Dictionary:
    return pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String(f"app.alert('{marker}');")))


def pdf_with_hidden_data() -> bytes:
    """A two-page PDF that hides identifying data and active content in every usual place.

    Page 1 shows a camera photo (EXIF make and GPS, XMP, IPTC, comment, a second image
    after it, its own XMP), a form XObject with another such photo, a JPEG wrapped in
    an extra Flate filter and a JPEG 2000 picture with XML and UUID boxes. The page has
    XMP and private application data; the document has info, XMP, an ID, an embedded
    file, a file-attachment annotation, an open action, page and document JavaScript,
    an XFA form with a scripted field, a javascript: link, a Launch bookmark and a
    comment by a named author.
    """
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]

    photo = _jpeg_image(
        pdf, jpeg_with_all_metadata("SnitchCam"), (64, 48), Filter=Name.DCTDecode, Metadata=_xmp(pdf, "ImageXmpMarker")
    )
    form_photo = _jpeg_image(pdf, jpeg_with_all_metadata("FormCam", "-form"), (64, 48), Filter=Name.DCTDecode)
    wrapped = _jpeg_image(
        pdf,
        zlib.compress(jpeg_with_gps(make="FlateWrappedCam")),
        (64, 48),
        Filter=Array([Name.FlateDecode, Name.DCTDecode]),
    )
    jpx = Stream(pdf, jp2_with_metadata(), Type=Name.XObject, Subtype=Name.Image, Width=16, Height=16,
                 Filter=Name.JPXDecode)
    form = Stream(
        pdf,
        b"q 64 0 0 48 0 0 cm /Im1 Do Q",
        Type=Name.XObject,
        Subtype=Name.Form,
        BBox=Array([0, 0, 64, 48]),
        Resources=Dictionary(XObject=Dictionary(Im1=form_photo)),
        Metadata=_xmp(pdf, "FormXmpMarker"),
        PieceInfo=Dictionary(
            Editor=Dictionary(LastModified=String("D:20240101"), Private=String("PieceInfoMarker-form"))
        ),
    )
    font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    page.obj.Resources = Dictionary(
        XObject=Dictionary(Im0=photo, Fm0=form, Im2=wrapped, Im3=jpx), Font=Dictionary(F1=font)
    )
    page.obj.Contents = Stream(
        pdf,
        b"q 64 0 0 48 10 10 cm /Im0 Do Q q 1 0 0 1 100 10 cm /Fm0 Do Q "
        b"q 64 0 0 48 10 100 cm /Im2 Do Q q 16 0 0 16 100 100 cm /Im3 Do Q "
        b"BT /F1 12 Tf 10 185 Td (Zichtbare tekst) Tj ET",
    )
    page.obj.Metadata = _xmp(pdf, "PageXmpMarker")
    page.obj.PieceInfo = Dictionary(
        Editor=Dictionary(LastModified=String("D:20240101"), Private=Stream(pdf, b"PieceInfoMarker"))
    )
    page.obj.AA = Dictionary(O=_js(pdf, "PageAAMarker"))

    attached = Stream(pdf, b"AnnotAttachMarker: aangifte van Jan", Type=Name.EmbeddedFile)
    widget = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("veldnaam"),
            Rect=Array([10, 150, 90, 170]),
            A=_js(pdf, "WidgetJsMarker"),
        )
    )
    page.obj.Annots = pdf.make_indirect(
        Array(
            [
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.FileAttachment,
                    Rect=Array([150, 150, 170, 170]),
                    FS=Dictionary(
                        Type=Name.Filespec,
                        F=String("AnnotFileNameMarker.txt"),
                        EF=Dictionary(F=attached),
                    ),
                ),
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Text,
                    Rect=Array([150, 120, 170, 140]),
                    T=String("AnnotAuthorMarker"),
                    Contents=String("Zichtbare opmerking"),
                    M=String("D:20240101120000"),
                ),
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Link,
                    Rect=Array([10, 80, 90, 95]),
                    A=Dictionary(S=Name.URI, URI=String("javascript:LinkJsMarker()")),
                ),
                Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Link,
                    Rect=Array([10, 60, 90, 75]),
                    A=Dictionary(S=Name.URI, URI=String("https://example.org/kept")),
                ),
                widget,
            ]
        )
    )
    pdf.Root.AcroForm = Dictionary(
        Fields=Array([widget]),
        XFA=Stream(pdf, b"<xdp:xdp><script>XfaMarker</script></xdp:xdp>"),
    )
    pdf.Root.OpenAction = _js(pdf, "OpenActionMarker")
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), _js(pdf, "NamesJsMarker")])))
    pdf.attachments["EmbeddedNameMarker.txt"] = pikepdf.AttachedFileSpec(pdf, b"EmbeddedFileMarker: wie ik ben")
    outline = pdf.make_indirect(
        Dictionary(Title=String("Hoofdstuk"), A=Dictionary(S=Name.Launch, F=String("LaunchMarker.exe")))
    )
    pdf.Root.Outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, First=outline, Last=outline, Count=1))
    outline.Parent = pdf.Root.Outlines

    pdf.docinfo["/Author"] = "InfoAuthorMarker"
    pdf.docinfo["/Creator"] = "Office Suite on LAPTOP-JAN"
    pdf.Root.Metadata = _xmp(pdf, "DocXmpMarker")
    pdf.trailer.ID = Array([String(PDF_ORIGINAL_ID), String(PDF_ORIGINAL_ID)])
    out = io.BytesIO()
    pdf.save(out, fix_metadata_version=False)
    return out.getvalue()


def pdf_with_incremental_update(before: bytes, after: bytes) -> bytes:
    """A PDF whose page said ``before`` until an incremental update (appended to the file,
    as editors save) replaced the page text with ``after``; the first revision stays in the file."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.pages[0].obj.Contents = pdf.make_indirect(Stream(pdf, b"BT /F1 12 Tf 10 100 Td (" + before + b") Tj ET"))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    base = out.getvalue()
    with pikepdf.open(io.BytesIO(base)) as saved:
        number = saved.pages[0].Contents.objgen[0]
        size = int(saved.trailer.Size)
        root = saved.Root.objgen[0]
    previous_xref = int(base.rsplit(b"startxref", 1)[1].split()[0])
    if not base.endswith(b"\n"):
        base += b"\n"
    content = b"BT /F1 12 Tf 10 100 Td (" + after + b") Tj ET"
    replaced = b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (number, len(content), content)
    xref_at = len(base) + len(replaced)
    update = b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        number, len(base), size, root, previous_xref, xref_at
    )
    return base + replaced + update


def _flate_zeros(inflated_bytes: int) -> bytes:
    """Deflate data for that many zero bytes, built from identical full-flush blocks (fast)."""
    chunk = bytes(1 << 20)
    deflater = zlib.compressobj(9)
    head = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    final_empty_block = b"\x03\x00"
    checksum = ((inflated_bytes % 65521) << 16 | 1).to_bytes(4, "big")  # Adler-32 of zeros
    return head + block * (inflated_bytes // len(chunk) - 1) + final_empty_block + checksum


def _lzw_zeros(cycles: int) -> bytes:
    """LZW data (PDF flavour, early change) for long runs of zero bytes: about 7 MB per cycle.

    Each code stands for the previous run plus one more zero, until the table is
    nearly full; then the table is cleared and it starts again.
    """
    out = bytearray()
    pending, pending_bits = 0, 0

    def emit(code: int, width: int) -> None:
        nonlocal pending, pending_bits
        pending = (pending << width) | code
        pending_bits += width
        while pending_bits >= 8:
            pending_bits -= 8
            out.append((pending >> pending_bits) & 0xFF)
        pending &= (1 << pending_bits) - 1

    width = 9
    for _ in range(cycles):
        emit(256, width)  # clear table
        width = 9
        emit(0, width)
        for code in range(258, 4000):
            emit(code, width)
            if code + 2 >= 512 << (width - 9):
                width += 1
    emit(257, width)  # end of data
    if pending_bits:
        emit(0, 8 - pending_bits)
    return bytes(out)


def pdf_bomb() -> bytes:
    """A 1.5 MB PDF whose page content inflates to about 1.2 GB of zeros (Flate and LZW)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.pages[0].obj.Contents = Array(
        [
            Stream(pdf, _flate_zeros(1 << 30), Filter=Name.FlateDecode),
            Stream(pdf, _lzw_zeros(20), Filter=Name.LZWDecode),
        ]
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def zip_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "hello")
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def mp4_with_location(kind: bytes = b"isom") -> bytes:
    """A minimal MP4 whose user-data box holds a GPS position and a phone model."""
    ftyp = _box(b"ftyp", kind + b"\x00\x00\x02\x00" + kind + b"iso2mp41")
    mvhd = _box(b"mvhd", bytes(100))
    xyz = _box(b"\xa9xyz", b"\x00\x12\x15\xc7+52.0906+005.1214/")
    model = _box(b"\xa9mod", b"\x00\x09\x15\xc7SnitchPhone")
    udta = _box(b"udta", xyz + model)
    moov = _box(b"moov", mvhd + udta)
    mdat = _box(b"mdat", b"\x00" * 64)
    return ftyp + moov + mdat


# 2024-05-01 12:00:00 as seconds since 1904-01-01 (the QuickTime epoch).
MOV_RECORDED_AT = (3_797_409_600).to_bytes(4, "big")


def _dated_header(kind: bytes, rest: int) -> bytes:
    return _box(kind, b"\x00\x00\x00\x00" + MOV_RECORDED_AT + MOV_RECORDED_AT + bytes(rest))


def mov_with_location() -> bytes:
    """A minimal QuickTime movie (brand "qt  ") as an iPhone writes it.

    Location in udta/\u00a9xyz and in the moov/meta keys (ISO 6709), the phone's make
    and model, and the recording time in the movie, track and media headers.
    """
    ftyp = _box(b"ftyp", b"qt  " + b"\x20\x05\x03\x00" + b"qt  ")
    xyz = _box(b"\xa9xyz", b"\x00\x12\x15\xc7+52.0906+005.1214/")
    make = _box(b"\xa9mak", b"\x00\x05\x15\xc7Apple")
    model = _box(b"\xa9mod", b"\x00\x12\x15\xc7iPhone SnitchPhone")
    udta = _box(b"udta", xyz + make + model)
    keys = _box(b"keys", b"\x00\x00\x00\x00\x00\x00\x00\x01" + _box(b"mdta", b"com.apple.quicktime.location.ISO6709"))
    ilst = _box(b"ilst", _box(b"\x00\x00\x00\x01", _box(b"data", bytes(8) + b"+52.0906+005.1214+000.000/")))
    meta = _box(b"meta", _box(b"hdlr", bytes(8) + b"mdta" + bytes(12)) + keys + ilst)
    trak = _box(b"trak", _dated_header(b"tkhd", 72) + _box(b"mdia", _dated_header(b"mdhd", 8)))
    moov = _box(b"moov", _dated_header(b"mvhd", 88) + trak + udta + meta)
    wide = _box(b"wide", b"")
    mdat = _box(b"mdat", b"\x00\x00\x00\x10frame-data-here!")
    return ftyp + wide + moov + mdat


def mp4_with_hidden_payload() -> bytes:
    """An MP4 that hides an HTML page in a padding box and a ZIP in an unknown top-level box."""
    html = b"<html><script>alert('MovHtmlMarker')</script></html>"
    return mp4_with_location() + _box(b"free", html) + _box(b"junk", zip_bytes())


def jpeg_parts(size=(96, 64), orientation: int | None = None, tag: str = "") -> dict[str, bytes]:
    """A camera JPEG taken apart: what must stay and what must go, in file order.

    ``kept`` pieces are SOI + JFIF header + ICC profile + the picture (tables, frame,
    scan, end of image), exactly as Pillow wrote them; ``dropped`` pieces are EXIF
    (make, serial number, GPS, the orientation when given, a thumbnail), XMP, IPTC, a
    comment, an APP15 segment and a ZIP after the end-of-image marker.
    """
    img = Image.new("RGB", size)
    img.putdata([((x * 7) % 256, (y * 5) % 256, (x * y) % 256) for y in range(size[1]) for x in range(size[0])])
    plain = io.BytesIO()
    img.save(plain, format="JPEG", quality=85)
    data = plain.getvalue()
    assert data[2:4] == b"\xff\xe0"  # Pillow writes a JFIF header without a thumbnail
    jfif_end = 4 + int.from_bytes(data[4:6], "big")
    exif = Image.Exif()
    exif[0x010F] = f"SnitchCam{tag}"
    if orientation is not None:
        exif[0x0112] = orientation
    exif.get_ifd(EXIF_IFD)[0xA431] = f"SERIAL-0042{tag}"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 5.0, 12.5), "E", (4.0, 53.0, 44.1)
    icc = _jpeg_segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"fake-but-kept-profile")
    return {
        "soi_jfif": data[:jfif_end],
        "exif": _jpeg_segment(0xE1, exif.tobytes()),
        "xmp": _jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>XmpMarker</x:xmpmeta>"),
        "icc": icc,
        "iptc": _jpeg_segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00IptcMarker"),
        "comment": _jpeg_segment(0xFE, b"CommentMarker"),
        "app15": _jpeg_segment(0xEF, b"VendorMarker"),
        "picture": data[jfif_end:],
        "trailer": zip_bytes(),
    }


def assemble(parts: dict[str, bytes]) -> tuple[bytes, bytes]:
    """(the file as a phone sends it, the same file with only the kept pieces)."""
    order = ("soi_jfif", "exif", "xmp", "icc", "iptc", "comment", "app15", "picture", "trailer")
    sent = b"".join(parts[name] for name in order)
    kept = parts["soi_jfif"] + parts["icc"] + parts["picture"]
    return sent, kept


_PHONE_PHOTOS: dict[int, bytes] = {}


def phone_photo(width: int = 6000, height: int = 4000, quality: int = 89) -> bytes:
    """A 6000x4000 phone photo of about 19 MB (noise compresses like a detailed scene),
    with EXIF make, serial number, GPS and orientation. Made once per process."""
    key = hash((width, height, quality))
    if key not in _PHONE_PHOTOS:
        import numpy as np

        pixels = np.random.default_rng(17).integers(0, 256, (height, width, 3), dtype=np.uint8)
        exif = Image.Exif()
        exif[0x010F] = "SnitchCam"
        exif[0x0112] = 1
        exif.get_ifd(EXIF_IFD)[0xA431] = "SERIAL-0042-XYZ"
        gps = exif.get_ifd(GPS_IFD)
        gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 5.0, 12.5), "E", (4.0, 53.0, 44.1)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format="JPEG", quality=quality, exif=exif)
        _PHONE_PHOTOS[key] = out.getvalue()
    return _PHONE_PHOTOS[key]


def video_with_metadata(path) -> bytes:
    """A one-second H.264/AAC QuickTime movie made by ffmpeg, as a drone or action camera
    writes it: location and make in the movie's metadata, a named track, the encoder's
    settings in an SEI message, a GPS subtitle track and a timecode data stream."""
    import subprocess  # noqa: S404

    srt = path / "gps.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nGPS(52.0906,5.1214) SnitchDrone\n", encoding="utf-8")
    target = path / "drone.mov"
    subprocess.run(  # noqa: S603
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5", "-f", "lavfi", "-i", "sine=d=1", "-i", str(srt),
            "-t", "1", "-map", "0:v", "-map", "1:a", "-map", "2",
            "-c:v", "libx264", "-c:a", "aac", "-c:s", "mov_text", "-timecode", "01:00:00:00",
            "-metadata", "location=+52.0906+005.1214/", "-metadata", "make=SnitchPhone",
            "-metadata", "creation_time=2024-05-01T12:00:00Z", "-metadata:s:v", "handler_name=SnitchHandler",
            str(target),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return target.read_bytes()
