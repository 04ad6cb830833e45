"""Scheduler instances for the exactly-once tests: threads or separate processes.

Each instance is what ``flask scheduler`` runs on every tick (``jobs.tick``),
fed with the same sequence of clock readings and released together by a
barrier, so all instances contend for every occurrence at the same moment.
Besides the real jobs each instance also runs a *probe* job that appends one
line per execution to a shared file (O_APPEND, so lines from several processes
never mix): the file counts how often a job body really ran, independently of
the job_occurrence table.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

PROBE_EVERY = timedelta(minutes=1)


def probe_job(path: str):
    from meldpunt.jobs.scheduler import Job

    def run(now: datetime) -> dict:
        line = f"{now.isoformat()} {os.getpid()}-{threading.get_ident()}\n".encode()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return {"probe": 1}

    return Job("probe", PROBE_EVERY, run)


def all_jobs(probe_path: str):
    from meldpunt.jobs.scheduler import JOBS

    return (*JOBS, probe_job(probe_path))


def run_instance(app, name: str, times: list[datetime], barrier, probe_path: str) -> int:
    """Tick at every time in ``times``; returns how many job runs this instance won."""
    from meldpunt.extensions import db
    from meldpunt.jobs import scheduler as jobs

    registry = all_jobs(probe_path)
    won = 0
    with app.app_context():
        try:
            for now in times:
                barrier.wait(timeout=120)
                won += len(jobs.tick(now=now, instance=name, jobs=registry))
        finally:
            db.session.remove()
    return won


def process_main(
    database_url: str,
    data_dir: str,
    overrides: dict,
    name: str,
    times,
    barrier,
    probe_path,
    result_path,
):
    """Entry point of a separate scheduler process (multiprocessing, spawn)."""
    from tests.conftest import make_app

    app = make_app(Path(data_dir), database_url, **overrides)
    won = run_instance(app, name, times, barrier, probe_path)
    with app.app_context():
        from meldpunt.extensions import db

        db.engine.dispose()
    Path(result_path).write_text(str(won), encoding="utf-8")
