"""CPU time of one photo report, in process, per stage (user and system, worker and children).

    .venv/bin/python bench/photo_profile.py [--store database|filesystem] [--reports 3] [--photos 5]
                                           [--cprofile] [--database-url URL]

Makes a throw-away PostgreSQL database, an app on it (the chosen attachment store) and a
test client, then sends ``--reports`` reports with ``--photos`` 19.6 MB 6000x4000 phone
photos each (the photo of bench/load_submit.py). Each stage is timed with ``getrusage``,
which also counts the cleaning children once they have been waited for:

    parse      the multipart parser, up to the spooled files (the whole body)
    isolated   per file: the forked child (its own CPU) and the worker's side of it
               (fork, waiting, taking the result)
    keep       per file, worker: keeping the encrypted upload (the database store's INSERT)
    rest       everything else of the request (form, triage, the report's rows, commit)

No gunicorn here: its recv() of the body is not part of these figures (load_submit.py counts it).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import resource
import sys
import tempfile
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _harness  # noqa: E402
from bench._harness import add_database_argument, multipart  # noqa: E402
from bench.load_submit import TOKEN, report_fields  # noqa: E402

_FIELDS = ("user", "system", "child user", "child system")


def _times() -> tuple[float, float, float, float]:
    """CPU seconds of this process and of its children that have been waited for
    (getrusage: microseconds, where os.times() counts 10 ms ticks)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime, own.ru_stime, children.ru_utime, children.ru_stime


class Stages:
    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0.0] * 4)
        self.depth = 0

    @contextlib.contextmanager
    def stage(self, name: str):
        before = _times()
        try:
            yield
        finally:
            after = _times()
            row = self.totals[name]
            for index in range(4):
                row[index] += after[index] - before[index]

    def wrap(self, owner, attribute: str, name: str) -> None:
        original = getattr(owner, attribute)
        stages = self

        def timed(*args, **kwargs):
            with stages.stage(name):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)

    def report(self, photos: int) -> None:
        print(f"{'stage (ms per photo)':<22}" + "".join(f"{field:>14}" for field in _FIELDS) + f"{'sum':>10}")
        for name, row in self.totals.items():
            cells = "".join(f"{value * 1000 / photos:>14.1f}" for value in row)
            print(f"{name:<22}{cells}{sum(row) * 1000 / photos:>10.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["database", "filesystem"], default="database")
    parser.add_argument("--reports", type=int, default=3)
    parser.add_argument("--photos", type=int, default=5)
    parser.add_argument("--cprofile", action="store_true", help="also print the worker's top functions")
    add_database_argument(parser)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from meldpunt import create_app, storage
    from meldpunt.intake import isolation, uploads
    from meldpunt.upload_request import UploadRequest

    admin_url = make_url(args.database_url)
    name = f"meldpunt_profile_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    data_dir = tempfile.mkdtemp(prefix="meldpunt-profile-")
    try:
        app = create_app({
            "DATA_DIR": data_dir,
            "SQLALCHEMY_DATABASE_URI": admin_url.set(database=name).render_as_string(hide_password=False),
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_STORAGE": args.store,
        })
        with app.app_context():
            upgrade()
        photo = _harness.phone_photo(6000, 4000, seed=17)
        client = app.test_client()
        stages = Stages()
        stages.wrap(UploadRequest, "_load_form_data", "parse")
        stages.wrap(isolation, "run", "isolated")
        stages.wrap(storage, "keep_pending", "keep")
        profile = cProfile.Profile() if args.cprofile else None
        request_total = [0.0] * 4
        for number in range(args.reports + 1):  # the first one warms up and is not counted
            page = client.get("/melden").data
            fields = report_fields(page, number)
            assert TOKEN.search(page), "no CSRF token on the form"
            files = [("files", f"IMG_{n}.jpg", photo) for n in range(args.photos)]
            body, content_type = multipart(fields, files)
            if number == 0:
                response = client.post("/melden", data=body, content_type=content_type)
                assert response.status_code == 303, response.status_code
                stages.totals.clear()
                continue
            before = _times()
            if profile:
                profile.enable()
            response = client.post("/melden", data=body, content_type=content_type)
            if profile:
                profile.disable()
            after = _times()
            assert response.status_code == 303, response.status_code
            for index in range(4):
                request_total[index] += after[index] - before[index]
        photos = args.reports * args.photos
        counted = [sum(row[index] for row in stages.totals.values()) for index in range(4)]
        stages.totals["rest"] = [total - part for total, part in zip(request_total, counted, strict=True)]
        stages.totals["whole request"] = request_total
        print(f"store {args.store}, {args.reports} reports of {args.photos} photos of {len(photo) / 2**20:.1f} MB")
        stages.report(photos)
        del uploads
        if profile:
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
