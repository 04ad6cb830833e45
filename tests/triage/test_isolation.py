"""triage/ is pure Python: never Flask or meldpunt, no scikit-learn at classify time."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "triage"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_module_imports_flask_or_meldpunt():
    for path in PACKAGE.rglob("*.py"):
        forbidden = imported_modules(path) & {"flask", "meldpunt", "werkzeug", "jinja2"}
        assert not forbidden, f"{path.name} imports {forbidden}"


def test_classifying_loads_neither_flask_nor_sklearn():
    code = (
        "import sys, json, triage\n"
        "triage.classify({'text': 'wietlucht en afgeplakte ramen'})\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code],  # noqa: S603 - fixed code
                          capture_output=True, text=True,
                          check=True, cwd=PACKAGE.parent)
    loaded = set(json.loads(proc.stdout))
    assert not loaded & {"flask", "meldpunt", "sklearn", "scipy"}
