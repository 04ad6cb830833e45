"""Small real files for upload tests, made in memory."""

from __future__ import annotations

import io

import pikepdf
from PIL import Image

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


def jpeg_with_gps(size=(64, 48)) -> bytes:
    """A JPEG carrying camera make/model, a body serial number and GPS coordinates."""
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SnitchCam"  # Make
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
