"""The app runs without scikit-learn: only training the triage model needs it (the [train] extra)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_app_imports_and_classifies_a_report_without_sklearn(tmp_path):
    code = f"""
import json, sys
sys.modules["sklearn"] = None  # any import of scikit-learn now fails
from flask_migrate import upgrade
from meldpunt import create_app
from meldpunt.intake import reports

app = create_app({{
    "DATA_DIR": {str(tmp_path)!r},
    "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'db.sqlite3'}",
    "TESTING": True,
}})
with app.app_context():
    upgrade()
    result = reports.classify("Er hangt een sterke wietlucht en de ramen zijn afgeplakt.", "bewoner", "woning", False)
try:
    import sklearn  # noqa: F401
    blocked = False
except ImportError:
    blocked = True
print(json.dumps({{"theme": result.theme, "route": result.route, "blocked": blocked,
                  "loaded": sorted(m for m in sys.modules if m.startswith("sklearn") and sys.modules[m])}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["blocked"] and result["loaded"] == []
    assert (result["theme"], result["route"]) == ("hennep", "politie")
