"""The shape the issue asked for, kept: small modules and no import circle.

No module in ``meldpunt/`` or ``triage/`` is longer than 800 lines, and the graph of
module-level imports between their modules has no cycle. Imports inside a function
(deferred on purpose, e.g. a CLI command's) and imports for type checkers only are
not edges; neither is the implicit execution of a parent package's ``__init__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("meldpunt", "triage")
MAX_LINES = 800


def module_files() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking_only(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _module_level(body: list[ast.stmt]):
    """Statements run when the module is imported: not inside functions or classes, nor
    under ``if TYPE_CHECKING`` (never run)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) or _type_checking_only(node):
            continue
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                yield from _module_level([n for n in inner if isinstance(n, ast.stmt)] +
                                         [s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body])


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                child = f"{target}.{alias.name}"
                if child in modules:
                    found.add(child)
                elif target in modules:
                    found.add(target)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_module_is_longer_than_800_lines():
    long = {
        name: n
        for name, path in module_files().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these along their jobs: {long}"


def test_no_import_cycle_between_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle_and_reads_the_real_graph():
    # The check above must be able to fail: a made-up circle is found ...
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    # ... and the real graph has the edges we know of (absolute, relative and package imports).
    graph = import_graph()
    assert "meldpunt.stats.publication" in graph["meldpunt.stats.rollup"]
    assert "meldpunt.stats.aggregates" in graph["meldpunt.stats.figures"]
    assert "triage.routing" in graph["triage"]
    assert "meldpunt.staff.blueprint" in graph["meldpunt.casework.views"]


# Which report-path packages each may import at module level (docs/adr/0005): the shared
# ground (the rest of meldpunt/) and triage/ are open to all of them.
ALLOWED = {
    "meldpunt.intake": set(),
    "meldpunt.staff": set(),
    "meldpunt.casework": {"meldpunt.staff"},
    "meldpunt.stats": {"meldpunt.staff"},  # the staff guard, roles and audit log
    "meldpunt.jobs": {"meldpunt.intake", "meldpunt.casework", "meldpunt.staff", "meldpunt.stats"},
}


def _package(name: str) -> str | None:
    return next((p for p in ALLOWED if name == p or name.startswith(p + ".")), None)


def test_the_packages_follow_the_path_of_a_report():
    """triage never imports the app; the shared ground imports no report-path package;
    each package imports only those below it."""
    wrong = []
    for name, targets in import_graph().items():
        if name.startswith("triage"):
            wrong += [(name, t) for t in targets if t.startswith("meldpunt")]
            continue
        own = _package(name)
        allowed = ALLOWED[own] if own else set()
        for target in targets:
            theirs = _package(target)
            if theirs and theirs != own and theirs not in allowed:
                wrong.append((name, target))
    assert not wrong, wrong


def _view_modules() -> dict[str, Path]:
    return {name: path for name, path in module_files().items() if name.rpartition(".")[2].endswith("views")}


def transaction_calls(path: Path) -> list[str]:
    """Calls of ``commit``/``rollback`` on anything (``db.session.commit()``, ``session.rollback()``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}:{node.lineno} {ast.unparse(node.func)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
    ]


def test_views_never_commit_or_roll_back():
    """Services own their unit of work (meldpunt/transactions.py); a view parses, calls, renders."""
    views = _view_modules()
    assert {"meldpunt.intake.views", "meldpunt.casework.views", "meldpunt.staff.views",
            "meldpunt.staff.auth_views", "meldpunt.jobs.views", "meldpunt.stats.views"} <= set(views)
    found = [call for path in views.values() for call in transaction_calls(path)]
    assert not found, found


def test_the_commit_check_can_fail(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("def page():\n    db.session.commit()\n    other.rollback()\n", encoding="utf-8")
    assert transaction_calls(sample) == ["views.py:2 db.session.commit", "views.py:3 other.rollback"]
