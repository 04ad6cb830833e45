"""Cost of classifying with a promoted triage model (stored in the database) in the app.

Prints, per report: ``triage.classify`` alone (the baseline, same run), the app's
``triage_model.classify`` with no promoted model (packaged model + one query for the
active model), and with a promoted model loaded from the database (cached per
process), as ratios to the baseline; and the one-off cost of loading a promoted file.

    python bench/triage_model_bench.py [--reports 2000]

Runs on a throw-away SQLite database in a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = [
    "Bij de loods aan de Industrieweg staan de ramen afgeplakt en ik hoor dag en nacht gezoem.",
    "De kapsalon op de hoek heeft nooit klanten maar de eigenaar rijdt in een dure auto.",
    "Er wonen twaalf arbeiders in een huis met drie kamers en ze worden om vijf uur opgehaald.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=2000)
    args = parser.parse_args()

    from flask_migrate import upgrade

    import triage
    from meldpunt import create_app, routing, triage_model
    from meldpunt.extensions import db
    from meldpunt.models import TriageModel

    folder = Path(tempfile.mkdtemp(prefix="triage-model-bench-"))
    app = create_app({"DATA_DIR": str(folder), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                      "RATELIMIT_ENABLED": False})
    reports = [{"text": TEXTS[i % len(TEXTS)]} for i in range(args.reports)]
    with app.app_context():
        upgrade()
        table = routing.current_table()
        for report in reports[:50]:  # warm up
            triage.classify(report, routing=table)

        def timed(call) -> float:
            start = time.perf_counter()
            for report in reports:
                call(report)
            return (time.perf_counter() - start) / len(reports)

        base = timed(lambda r: triage.classify(r, routing=table))
        packaged = timed(lambda r: triage_model.classify(r, table))
        blob = (Path(triage.__file__).parent / "data" / "model.npz").read_bytes()
        model = TriageModel(version="bench", compared_with="bench", promoted=True, actor="bench", trained_on={},
                            metrics={}, reasons=[], artifact=blob, artifact_sha256="0" * 64, artifact_size=len(blob))
        db.session.add(model)
        db.session.flush()
        triage_model.activate(model)
        db.session.commit()
        start = time.perf_counter()
        triage_model.classify(reports[0], table)
        first = time.perf_counter() - start
        promoted = timed(lambda r: triage_model.classify(r, table))
    print(f"reports: {args.reports}")
    print(f"triage.classify (baseline)           {base * 1e3:7.3f} ms/report")
    print(f"app, packaged model                  {packaged * 1e3:7.3f} ms/report  (x{packaged / base:.2f})")
    print(f"app, promoted model from the database {promoted * 1e3:6.3f} ms/report  (x{promoted / base:.2f})")
    print(f"first report after a promotion (loads the file once per process): {first * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
