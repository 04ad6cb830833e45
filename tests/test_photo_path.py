"""The photo path of issue 17 (and issue 16 items 5, 10, 12, 14): lossless JPEG cleaning,
five phone photos in one report, sizes counted as sent, a pixel budget per request,
oversized files refused on the form with the text kept, videos re-muxed without metadata."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageOps
from sqlalchemy import select

from meldpunt import storage
from meldpunt.extensions import db
from meldpunt.intake import isolation
from meldpunt.intake.attachments import AttachmentRejected, clean_upload
from meldpunt.models import Attachment
from tests import filemakers
from tests.helpers import GOOD_TEXT, report_data, soup, submit

MB = 1024 * 1024
ORIENTATION_ONLY = (
    b"\xff\xe1\x00\x22Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01"
    b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"
)


def stored_photos(app) -> list[bytes]:
    with app.app_context():
        rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        return [storage.read_attachment(row.storage_name) for row in rows]


def test_stored_jpeg_is_the_sent_file_minus_the_removed_segments_byte_for_byte(app, client):
    sent, kept = filemakers.assemble(filemakers.jpeg_parts())
    with app.test_request_context():
        assert clean_upload("IMG_0001.JPG", sent, 20 * MB).data == kept
    response = submit(client, files=[(sent, "IMG_0001.JPG")])
    assert response.status_code == 303
    assert stored_photos(app) == [kept]


def test_turned_photo_keeps_its_pixels_and_only_its_orientation(app):
    parts = filemakers.jpeg_parts(orientation=6)
    sent, _ = filemakers.assemble(parts)
    with app.test_request_context():
        stored = clean_upload("IMG_0002.JPG", sent, 20 * MB).data
    # The picture is the same bytes; the EXIF segment is replaced by one holding the orientation only.
    assert stored == parts["soi_jfif"] + ORIENTATION_ONLY + parts["icc"] + parts["picture"]
    assert len(stored) < len(sent)
    for marker in (b"SnitchCam", b"SERIAL-0042", b"XmpMarker", b"IptcMarker", b"CommentMarker", b"VendorMarker",
                   b"PK\x03\x04"):
        assert marker not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert dict(img.getexif()) == {0x0112: 6}
        assert ImageOps.exif_transpose(img).size == (64, 96)  # shown upright


def test_jfif_thumbnail_is_dropped_and_the_rest_kept(app):
    parts = filemakers.jpeg_parts()
    header = parts["soi_jfif"]
    assert header[2:4] == b"\xff\xe0" and header[4:6] == b"\x00\x10"
    thumbnail = bytes([2, 2]) + bytes(range(12))  # a 2x2 RGB thumbnail
    with_thumbnail = header[:2] + b"\xff\xe0" + (2 + 12 + len(thumbnail)).to_bytes(2, "big") + header[6:18] + thumbnail
    sent = with_thumbnail + parts["picture"]
    with app.test_request_context():
        assert clean_upload("a.jpg", sent, 20 * MB).data == header + parts["picture"]


def test_five_phone_photos_of_19_mb_are_accepted_in_one_report(app, client):
    photo = filemakers.phone_photo()
    assert 18 * MB < len(photo) <= 20 * MB
    with Image.open(io.BytesIO(photo)) as img:
        assert img.size == (6000, 4000)
    response = submit(client, files=[(photo, f"IMG_{n}.JPG") for n in range(5)])
    assert response.status_code == 303, soup(response).select_one(".error-summary")
    stored = stored_photos(app)
    assert len(stored) == 5
    for data in stored:
        assert len(data) <= len(photo)
        assert b"SERIAL-0042" not in data and b"SnitchCam" not in data and b"Exif" not in data
        assert data[-2:] == b"\xff\xd9"


def test_total_is_counted_on_the_sizes_sent_not_the_cleaned_sizes(app_factory):
    """Issue 16 item 10: three 19 MB files that clean down to almost nothing still count as 57 MB."""
    app = app_factory(MAX_TOTAL_ATTACHMENT_BYTES=50 * MB)
    client = app.test_client()
    sent, kept = filemakers.assemble(filemakers.jpeg_parts())
    padded = sent + bytes(19 * MB)  # trailing data: the cleaned file is a few kB
    response = submit(client, files=[(padded, f"foto{n}.jpg") for n in range(3)])
    assert response.status_code == 422
    summary = soup(response).select_one(".error-summary").get_text()
    assert "foto2.jpg" in summary and "samen mogen niet groter zijn dan 50 MB" in summary
    assert "foto0.jpg" not in summary and "foto1.jpg" not in summary


def test_pixel_budget_per_request_refuses_with_a_reason_and_keeps_the_text(app_factory):
    """Issue 16 item 5: the budget covers all photos of a request, not only each one."""
    app = app_factory(MAX_REQUEST_PIXELS=2_500_000)
    client = app.test_client()
    pngs = [filemakers.png_bytes(size=(1000, 1000)) for _ in range(3)]
    response = submit(client, files=[(png, f"scherm{n}.png") for n, png in enumerate(pngs)])
    assert response.status_code == 422
    page = soup(response)
    summary = page.select_one(".error-summary").get_text()
    assert "scherm2.png" in summary and "te veel om in één keer te verwerken" in summary
    assert "scherm0.png" not in summary and "scherm1.png" not in summary
    assert page.select_one("textarea#text").text.strip() == GOOD_TEXT
    assert len(page.select("input[name=keep_files]")) == 2  # the two that fit are kept for the next try


def test_image_over_50_megapixels_is_refused_before_decoding(app):
    with app.test_request_context(), pytest.raises(AttachmentRejected) as refused:
        clean_upload("groot.png", filemakers.png_bomb(), 20 * MB)  # 100 MP in a few kB
    assert "te veel pixels" in refused.value.reason


def test_oversized_file_keeps_the_typed_text_instead_of_a_413(app_factory):
    """Issue 16 item 12: a body above MAX_CONTENT_LENGTH on the report form still shows the form."""
    app = app_factory(MAX_CONTENT_LENGTH=2 * MB, MAX_ATTACHMENT_BYTES=1 * MB)
    client = app.test_client()
    data = report_data(client, text=GOOD_TEXT + " Met een te grote foto.")
    data["files"] = [(io.BytesIO(b"\xff\xd8" + bytes(3 * MB)), "te-groot.jpg"),
                     (io.BytesIO(filemakers.png_bytes()), "klein.png")]
    response = client.post("/melden", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("textarea#text").text.strip() == GOOD_TEXT + " Met een te grote foto."
    summary = page.select_one(".error-summary").get_text()
    assert "te-groot.jpg" in summary and "groter dan 1 MB" in summary
    assert len(page.select("input[name=keep_files]")) == 1  # the small file that did fit is kept


def test_body_beyond_the_upload_request_limit_is_still_refused(app_factory):
    app = app_factory(MAX_UPLOAD_REQUEST_BYTES=2 * MB)
    client = app.test_client()
    data = report_data(client)
    data["files"] = [(io.BytesIO(bytes(3 * MB)), "enorm.jpg")]
    response = client.post("/melden", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "hooguit 5 bestanden" in response.get_data(as_text=True)


def test_form_states_the_total_limit(client):
    page = soup(client.get("/melden"))
    hint = page.select_one("#files-hint").get_text()
    assert "5 bestanden" in hint and "20 MB" in hint and "100 MB" in hint
    field = page.select_one("input#files")
    assert field["data-max-files"] == "5"
    assert field["data-max-bytes"] == str(20 * MB) and field["data-max-total-bytes"] == str(100 * MB)


def test_cleaning_that_takes_too_long_is_stopped_with_a_reason(app_factory, monkeypatch):
    app = app_factory(CLEAN_SECONDS=0.5)
    client = app.test_client()
    import time

    from meldpunt.intake import uploads

    def slow_clean(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(uploads, "clean_upload", slow_clean)
    started = time.monotonic()
    response = submit(client, files=[(filemakers.png_bytes(), "traag.png")])
    assert time.monotonic() - started < 10
    assert response.status_code == 422
    assert "duurde te lang" in soup(response).select_one(".error-summary").get_text()
    assert soup(response).select_one("textarea#text").text.strip() == GOOD_TEXT


def test_cleaning_that_needs_too_much_memory_is_refused(app_factory, monkeypatch):
    app = app_factory(CLEAN_MEMORY_BYTES=64 * MB)
    client = app.test_client()
    from meldpunt.intake import uploads

    def greedy_clean(*args, **kwargs):
        return bytearray(512 * MB)

    monkeypatch.setattr(uploads, "clean_upload", greedy_clean)
    response = submit(client, files=[(filemakers.png_bytes(), "gulzig.png")])
    assert response.status_code == 422
    assert "te groot om te verwerken" in soup(response).select_one(".error-summary").get_text()


def test_isolated_work_returns_its_value_and_its_rejection():
    assert isolation.run(lambda: b"x" * 3_000_000, seconds=10, memory_bytes=64 * MB) == b"x" * 3_000_000

    def refuse():
        raise AttachmentRejected("a.jpg", "reden")

    with pytest.raises(AttachmentRejected) as refused:
        isolation.run(refuse, seconds=10, memory_bytes=0)
    assert (refused.value.filename, refused.value.reason) == ("a.jpg", "reden")


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_video_loses_metadata_encoder_settings_and_data_streams(app, tmp_path):
    original = filemakers.video_with_metadata(tmp_path)
    markers = (b"SnitchPhone", b"+52.0906", b"SnitchHandler", b"SnitchDrone", b"x264", b"Lavf")
    assert all(marker in original for marker in markers)
    with app.test_request_context():
        clean = clean_upload("DJI_0001.MOV", original, 20 * MB)
    assert clean.kind == "video" and clean.content_type == "video/quicktime"
    for marker in markers:
        assert marker not in clean.data, marker
    cleaned = tmp_path / "clean.mov"
    cleaned.write_bytes(clean.data)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:format_tags=creation_time,location,make",
         "-of", "csv=p=0", str(cleaned)],
        capture_output=True, text=True, check=True,
    )
    assert sorted(probe.stdout.split()) == ["audio", "video"]  # no subtitle, no data stream, no tags
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(cleaned), "-f", "null", "-"],
                             capture_output=True, text=True, check=False)
    assert decoded.returncode == 0 and decoded.stderr == ""  # still plays
