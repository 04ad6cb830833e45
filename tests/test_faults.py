"""Fault injection on the intake: a worker killed mid-submission, a disk that refuses writes.

Each fault runs in a child process (the same app, data directory and database
as the test), so the fault is real: the child is SIGKILLed between writing an
attachment file and committing, or runs with RLIMIT_FSIZE so the kernel
refuses a large write (EFBIG). The parent then checks what a crash leaves
behind and that the cleanup job deals with it.

(The PostgreSQL outage check is bench/fault_db_restart.py: stopping the
database server inside the test suite would break the other tests.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from meldpunt import storage
from meldpunt.extensions import db
from meldpunt.intake import reports
from meldpunt.intake.attachments import CleanFile
from meldpunt.jobs import retention
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import Attachment, Report, StatusEvent, TriageSuggestion
from tests import filemakers
from tests.helpers import GOOD_TEXT

ROOT = Path(__file__).resolve().parent.parent

# Common start of every child: the same app as the test (same data dir and database).
CHILD_PRELUDE = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, os.environ["MELDPUNT_FAULT_ROOT"])
    from tests.conftest import make_app
    settings = json.loads(os.environ["MELDPUNT_FAULT_APP"])
    app = make_app(settings["DATA_DIR"], settings["SQLALCHEMY_DATABASE_URI"])
    """
)

KILL_CHILD = CHILD_PRELUDE + textwrap.dedent(
    """
    import time
    from sqlalchemy.orm import Session
    from meldpunt import storage
    from tests import filemakers
    from tests.helpers import submit

    state = {"written": []}
    real_adopt = storage.adopt_pending
    real_commit = Session.commit

    def adopt_and_tell(token, file_id, name):
        stored = real_adopt(token, file_id, name)
        state["written"].append(name)
        return stored

    def commit_that_hangs(self):
        if state["written"]:
            # The attachment file is on disk, the row is not committed: die here.
            print("WRITTEN " + " ".join(state["written"]), flush=True)
            time.sleep(60)
        return real_commit(self)

    storage.adopt_pending = adopt_and_tell
    Session.commit = commit_that_hangs
    client = app.test_client()
    submit(client, files=[(filemakers.png_bytes(), "een.png")])
    print("FINISHED", flush=True)
    """
)

FULL_DISK_CHILD = CHILD_PRELUDE + textwrap.dedent(
    """
    import resource, signal
    from meldpunt.intake import reports

    # The kernel refuses writes beyond the limit (EFBIG) instead of killing us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # Attachments on another file system than the pending uploads: the stored file is
    # copied, not linked (storage.adopt_pending), and that copy meets the full disk.
    def no_link(*args, **kwargs):
        raise OSError(18, "Invalid cross-device link")
    os.link = no_link
    limit = int(os.environ["MELDPUNT_FAULT_FSIZE"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    new = reports.NewReport(**json.loads(os.environ["MELDPUNT_FAULT_REPORT"]))
    with app.test_request_context():
        try:
            reports.submit_report(new)
        except reports.SubmissionFailed as failure:
            cause = failure.__cause__
            print(json.dumps({"failed": True, "errno": getattr(cause, "errno", None),
                              "cause": type(cause).__name__}), flush=True)
        else:
            print(json.dumps({"failed": False}), flush=True)
    """
)


def child_env(app, **extra: str) -> dict[str, str]:
    settings = {key: app.config[key] for key in ("DATA_DIR", "SQLALCHEMY_DATABASE_URI")}
    env = dict(os.environ, MELDPUNT_FAULT_ROOT=str(ROOT), MELDPUNT_FAULT_APP=json.dumps(settings))
    env.update(extra)
    return env


def files_in(folder: str) -> list[str]:
    path = Path(folder)
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_worker_killed_between_file_write_and_commit_leaves_only_a_stray_the_job_removes(app):
    with app.app_context():
        db.engine.dispose()  # the child gets the database to itself (SQLite file lock)
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD],
        cwd=ROOT,
        env=child_env(app),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()  # blocks until the file is written and the commit hangs
        assert line.startswith("WRITTEN "), f"child did not reach the commit: {line!r} {child.stderr.read()}"
        written = line.split()[1:]
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()

    upload_dir = app.config["UPLOAD_DIR"]
    # The crash left exactly the written file, without a row: a stray.
    assert files_in(upload_dir) == sorted(written) and len(written) == 1
    assert not any(name.endswith(".part") for name in files_in(upload_dir))
    # The reporter's pending upload is still there (it is only discarded after a commit).
    assert files_in(app.config["PENDING_UPLOAD_DIR"]) != []
    with app.app_context():
        assert count(Report) == 0
        assert count(Attachment) == 0
        assert count(TriageSuggestion) == 0
        assert count(StatusEvent) == 0

        now = datetime.now(UTC)
        # Within the grace period the cleanup job leaves it (it might be an upload in progress).
        assert jobs.apply_retention(now)["strays"] == 0
        assert files_in(upload_dir) == sorted(written)
        # Once older than the grace period, the cleanup job removes it.
        later = now + retention.STRAY_GRACE + timedelta(minutes=1)
        assert jobs.apply_retention(later)["strays"] == 1
        assert files_in(upload_dir) == []
        # And the pending upload goes after its hour.
        pending_later = now + timedelta(seconds=storage.PENDING_MAX_AGE_SECONDS + 60)
        assert jobs.clean_uploads(pending_later)["removed"] == 1
        assert files_in(app.config["PENDING_UPLOAD_DIR"]) == []
        assert count(Report) == 0


def _pending_upload(app, size: int) -> tuple[str, list[str]]:
    """A pending upload (written without any limit) as the form would leave it."""
    # Incompressible-looking text, so the encrypted file is about 4/3 of ``size``.
    data = (os.urandom(size // 2).hex()).encode()
    with app.app_context():
        token = storage.new_pending_token()
        pending = storage.add_pending(
            token, CleanFile(pieces=data, content_type="text/plain", kind="text", original_name="notities.txt")
        )
    return token, [pending.file_id]


def test_disk_refusing_a_write_leaves_no_report_and_no_file(app):
    token, ids = _pending_upload(app, 2 * 1024 * 1024)
    with app.app_context():
        db.engine.dispose()
    # Large enough for the database files (SQLite) and the report row, far too small for the file.
    db_file = Path(app.config["DATA_DIR"]) / "meldpunt.sqlite3"
    base = db_file.stat().st_size if db_file.exists() else 0
    limit = base + 1024 * 1024
    new = {"text": GOOD_TEXT, "place_type": "bedrijfspand", "reporter_type": "bewoner",
           "pending_token": token, "pending_ids": ids}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD],
        cwd=ROOT,
        env=child_env(app, MELDPUNT_FAULT_FSIZE=str(limit), MELDPUNT_FAULT_REPORT=json.dumps(new)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["failed"] is True
    assert outcome["errno"] == 27, outcome  # EFBIG: the kernel refused the write
    assert time.monotonic() - started < 30

    # Nothing half-stored: no row, no attachment file, no half-written temporary file.
    assert files_in(app.config["UPLOAD_DIR"]) == []
    with app.app_context():
        assert count(Report) == 0
        assert count(Attachment) == 0
        assert count(TriageSuggestion) == 0
    # The reporter's upload is kept, so a retry once the disk is fine loses nothing.
    with app.test_request_context():
        assert [p.file_id for p in storage.list_pending(token)] == ids
        submitted = reports.submit_report(reports.NewReport(**new))
        assert submitted.report_id
        assert count(Report) == 1 and count(Attachment) == 1
    assert len(files_in(app.config["UPLOAD_DIR"])) == 1


def test_png_helper_is_small_enough_for_the_kill_test():
    # The kill test relies on one small attachment written in one go.
    assert len(filemakers.png_bytes()) < 1024 * 1024
