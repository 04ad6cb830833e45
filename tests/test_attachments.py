"""Every attachment rule: allowed by content, cleaned, limited, explained when refused."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import func, select

from meldpunt import storage
from meldpunt.attachments import AttachmentRejected, clean_upload, display_name
from meldpunt.extensions import db
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
    for marker in (b"SnitchCam", b"Model Z9", b"SERIAL-0042", b"Exif", b"secret comment"):
        assert marker not in clean.data
    with Image.open(io.BytesIO(clean.data)) as img:
        exif = img.getexif()
        assert len(exif) == 0
        assert exif.get_ifd(filemakers.GPS_IFD) == {}
        # The orientation tag was applied to the pixels before it was dropped.
        assert img.size == (48, 64)


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


@pytest.mark.parametrize(
    ("name", "data", "reason_part"),
    [
        ("leeg.jpg", b"", "leeg"),
        ("archief.jpg", filemakers.zip_bytes(), "Dit soort bestand"),
        ("pagina.pdf", b"<html><script>alert(1)</script></html>", "Dit soort bestand"),
        (
            "tekening.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "Dit soort bestand",
        ),
        ("programma.jpg", b"MZ\x90\x00" + b"\x00" * 200, "Dit soort bestand"),
        ("kapot.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x13" * 300, "kunnen we niet openen"),
        ("bom.png", filemakers.png_bomb(), "te groot"),
        ("groot.txt", b"a" * (20 * MB + 1), "groter dan 20 MB"),
    ],
)
def test_refused_files_get_a_reason(app, name, data, reason_part):
    with app.test_request_context(), pytest.raises(AttachmentRejected) as refused:
        clean_upload(name, data, 20 * MB)
    assert reason_part in refused.value.reason


def test_display_names_lose_paths_and_direction_tricks():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\jan\\foto.jpg") == "foto.jpg"
    assert display_name("foto\u202egpj.exe") == "fotogpj.exe"
    assert display_name("") == "bestand"


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
        assert b"SnitchCam" not in plain and b"Exif" not in plain
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


def test_total_size_limit(app, client):
    big = b"regel tekst\n" * (19 * MB // 12)
    response = submit(client, files=[(big, "a.txt"), (big, "b.txt"), (big, "c.txt")])
    assert response.status_code == 422
    assert "samen mogen niet groter zijn dan 50 MB" in soup(response).select_one(".error-summary").get_text()
    assert stored_files(app) == []


def test_failure_during_attachment_write_leaves_nothing(app, client, monkeypatch):
    calls = {"n": 0}
    real_write = storage.write_attachment

    def failing_write(name, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real_write(name, data)

    monkeypatch.setattr(storage, "write_attachment", failing_write)
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
    monkeypatch.setattr(storage, "write_attachment", real_write)
    kept["keep_files"] = [i["value"] for i in page.find_all("input", {"name": "keep_files"})]
    response = client.post("/melden", data=kept, content_type="multipart/form-data")
    assert response.status_code == 303
    assert len(stored_files(app)) == 2


def test_failure_at_commit_leaves_no_file(app, client, monkeypatch):
    from meldpunt import counters

    def broken_increment(*args, **kwargs):
        raise RuntimeError("database went away")

    data = report_data(client)
    data["files"] = [file_part(filemakers.png_bytes(), "een.png")]
    monkeypatch.setattr(counters, "increment", broken_increment)
    response = client.post("/melden", data=data, content_type="multipart/form-data")
    assert response.status_code == 503
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0
