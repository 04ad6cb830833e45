"""The attachment stores (meldpunt/storage/): configuration, all-or-nothing in the database
store, `flask storage-migrate` both ways, and two app nodes without a shared disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from meldpunt import create_app, storage
from meldpunt.config import ConfigError, attachment_storage
from meldpunt.extensions import db
from meldpunt.intake import reports
from meldpunt.intake.attachments import CleanFile
from meldpunt.models import Attachment, AttachmentBlob, Report
from tests import filemakers
from tests.backoffice.conftest import login, make_account
from tests.conftest import make_app
from tests.helpers import GOOD_TEXT, both_stores, pending_count, stored_blobs, submit

OTHER = {"filesystem": "database", "database": "filesystem"}


def test_the_store_defaults_to_the_database_on_postgresql_only():
    assert attachment_storage(None, "postgresql+psycopg://meldpunt@db/meldpunt") == "database"
    assert attachment_storage(None, "sqlite:////srv/meldpunt/meldpunt.sqlite3") == "filesystem"
    assert attachment_storage(" Filesystem ", "postgresql+psycopg://meldpunt@db/meldpunt") == "filesystem"
    assert attachment_storage("database", "sqlite:///x.sqlite3") == "database"


def test_an_unknown_store_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("MELDPUNT_ATTACHMENT_STORAGE", "s3")
    with pytest.raises(ConfigError, match="MELDPUNT_ATTACHMENT_STORAGE must be 'database' or 'filesystem'"):
        create_app({"DATA_DIR": str(tmp_path), "TESTING": True})


def test_the_environment_chooses_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("MELDPUNT_ATTACHMENT_STORAGE", "database")
    app = create_app({"DATA_DIR": str(tmp_path), "TESTING": True})
    assert app.config["ATTACHMENT_STORAGE"] == "database"


@pytest.mark.parametrize("app", ["database"], indirect=True)
def test_a_report_whose_commit_fails_in_the_database_leaves_no_blob(app, monkeypatch):
    """The blob is written in the report's transaction: when the database refuses the
    report's rows after the blob was written, the blob goes with them."""
    taken = "ab" * 20
    with app.test_request_context():
        # An attachment row already holds the name the next upload will get: the database
        # refuses the new attachment row at the final flush, after its blob was written.
        report_id = reports.submit_report(reports.NewReport(text=GOOD_TEXT)).report_id
        db.session.add(Attachment(report_id=report_id, storage_name=taken, content_type="image/png",
                                  kind="image", size=1))
        db.session.commit()
        token = storage.new_pending_token()
        pending = storage.add_pending(token, CleanFile(filemakers.png_bytes(), "image/png", "image", "a.png"))
        written = []
        real_write = storage.attach_pending

        def write_and_look(name, token, file_id):
            assert real_write(name, token, file_id)
            written.append(storage.attachment_store().exists(name))
            return True

        monkeypatch.setattr(storage, "new_storage_name", lambda: taken)
        monkeypatch.setattr(storage, "attach_pending", write_and_look)
        with pytest.raises(reports.SubmissionFailed) as failure:
            reports.submit_report(reports.NewReport(text=GOOD_TEXT, pending_token=token,
                                                    pending_ids=[pending.file_id]))
        assert isinstance(failure.value.__cause__, IntegrityError)
        assert written == [True]  # the blob was in the transaction ...
        assert db.session.scalar(select(func.count()).select_from(AttachmentBlob)) == 0  # ... and went with it
        assert db.session.scalar(select(func.count()).select_from(Report)) == 1
        # The reporter's upload still waits: a retry loses nothing.
        assert [p.file_id for p in storage.list_pending(token)] == [pending.file_id]


def _report_with_files(app, client, count: int = 3) -> list[bytes]:
    files = [(filemakers.png_bytes(size=(10 + i, 10)), f"f{i}.png") for i in range(count)]
    assert submit(client, files=files).status_code == 303
    with app.app_context():
        names = list(db.session.scalars(select(Attachment.storage_name).order_by(Attachment.id)))
        return [storage.read_attachment(name) for name in names]


@both_stores
def test_storage_migrate_moves_everything_there_and_back(app, client):
    source = app.config["ATTACHMENT_STORAGE"]
    target = OTHER[source]
    plain = _report_with_files(app, client)
    with app.app_context():
        token = storage.new_pending_token()
        waiting = storage.add_pending(token, CleanFile(b"notities\n", "text/plain", "text", "n.txt"))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["storage-migrate", "--to", target, "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert f"Moved 3 attachments from the {source} store to the {target} store" in result.output
    assert "1 pending uploads moved" in result.output
    assert f"MELDPUNT_ATTACHMENT_STORAGE={target}" in result.output  # the app still writes to the source
    assert stored_blobs(app) == {}
    assert pending_count(app) == 0

    # The app switched over: everything reads from the new store.
    app.config["ATTACHMENT_STORAGE"] = target
    with app.app_context():
        names = list(db.session.scalars(select(Attachment.storage_name).order_by(Attachment.id)))
        assert sorted(storage.attachment_store().names()) == sorted(names)
        assert [storage.read_attachment(name) for name in names] == plain
        assert storage.list_pending(token) == [waiting]
    # Idempotent: a second run finds nothing left to move.
    again = runner.invoke(args=["storage-migrate", "--to", target])
    assert again.exit_code == 0, again.output
    assert "Moved 0 attachments" in again.output and "(3 were there already, 0 missing" in again.output
    assert "MELDPUNT_ATTACHMENT_STORAGE" not in again.output

    # And back.
    back = runner.invoke(args=["storage-migrate", "--to", source])
    assert back.exit_code == 0, back.output
    assert "Moved 3 attachments" in back.output and "1 pending uploads moved" in back.output
    app.config["ATTACHMENT_STORAGE"] = source
    with app.app_context():
        assert [storage.read_attachment(name) for name in names] == plain
        assert storage.list_pending(token) == [waiting]
    assert len(stored_blobs(app)) == 3


@both_stores
def test_storage_migrate_resumes_an_interrupted_run_and_keeps_what_does_not_verify(app, client):
    source = app.config["ATTACHMENT_STORAGE"]
    target = OTHER[source]
    plain = _report_with_files(app, client)
    with app.app_context():
        names = list(db.session.scalars(select(Attachment.storage_name).order_by(Attachment.id)))
        source_store, target_store = storage.attachment_store(source), storage.attachment_store(target)
        # Interrupted after the copy, before the source was deleted: in both stores.
        target_store.put(names[0], source_store.get(names[0]))
        # Interrupted after the source was deleted: in the target only.
        target_store.put(names[1], source_store.get(names[1]))
        source_store.delete([names[1]])
        # A copy that does not decrypt (a wrong key, a broken disk) must never cost the original.
        source_store.replace(names[2], b"not a fernet token")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["storage-migrate", "--to", target])
    assert result.exit_code == 1
    assert "Moved 1 attachments" in result.output and "(1 were there already" in result.output
    assert "1 attachments could not be read back" in result.output
    with app.app_context():
        assert not source_store.exists(names[0]) and not source_store.exists(names[1])
        assert source_store.get(names[2]) == b"not a fernet token" and not target_store.exists(names[2])
        app.config["ATTACHMENT_STORAGE"] = target
        assert [storage.read_attachment(name) for name in names[:2]] == plain[:2]


@both_stores
def test_reads_fall_back_to_the_other_store_during_a_switch_over(app, client):
    plain = _report_with_files(app, client, count=1)
    app.config["ATTACHMENT_STORAGE"] = OTHER[app.config["ATTACHMENT_STORAGE"]]
    with app.app_context():
        name = db.session.scalar(select(Attachment.storage_name))
        assert not storage.attachment_store().exists(name)
        assert storage.read_attachment(name) == plain[0]
        storage.attachment_store(OTHER[app.config["ATTACHMENT_STORAGE"]]).delete([name])
        db.session.commit()
        with pytest.raises(storage.MissingBlob):
            storage.read_attachment(name)


@pytest.mark.parametrize("app", ["database"], indirect=True)
def test_upload_on_one_node_is_downloaded_by_staff_on_another(app, client, tmp_path, auth_clock):
    """Two app nodes, each with its own data directory, on one database and the same keys:
    what a reporter sent through node A, staff open through node B."""
    node_b = make_app(
        tmp_path / "node-b",
        app.config["SQLALCHEMY_DATABASE_URI"],
        ATTACHMENT_STORAGE="database",
        SECRET_KEY=app.config["SECRET_KEY"],
        ENCRYPTION_KEYS=app.config["ENCRYPTION_KEYS"],
        RECEIPT_KEY=app.config["RECEIPT_KEY"],
    )
    node_b.extensions["meldpunt_clock"] = auth_clock
    try:
        photo = filemakers.jpeg_with_gps()
        assert submit(client, files=[(photo, "IMG_0001.JPG")]).status_code == 303
        with app.app_context():
            attachment_id = db.session.scalar(select(Attachment.id))
            expected = storage.read_attachment(db.session.scalar(select(Attachment.storage_name)))
        account = make_account(node_b, "coordinator")
        staff = node_b.test_client()
        assert login(staff, account).status_code == 303
        response = staff.get(f"/beheer/bijlage/{attachment_id}")
        assert response.status_code == 200
        assert response.data == expected and response.mimetype == "image/jpeg"
        # Neither node keeps the file on its own disk.
        for node in (app, node_b):
            folder = Path(node.config["UPLOAD_DIR"])
            assert not folder.exists() or not any(folder.iterdir())
    finally:
        with node_b.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_interface_is_one_for_both_stores():
    """Every store offers the whole protocol (an object store would be a third)."""
    from meldpunt.storage.base import AttachmentStore, PendingStore
    from meldpunt.storage.database import DatabaseAttachments, DatabasePending
    from meldpunt.storage.files import FilesystemAttachments, FilesystemPending

    def methods(protocol) -> set[str]:
        return {n for n in vars(protocol) if not n.startswith("_") and callable(getattr(protocol, n))}

    for store, protocol in ((DatabaseAttachments, AttachmentStore), (FilesystemAttachments, AttachmentStore),
                            (DatabasePending, PendingStore), (FilesystemPending, PendingStore)):
        assert methods(protocol) <= set(dir(store)), store
    assert DatabaseAttachments.transactional and not FilesystemAttachments.transactional
