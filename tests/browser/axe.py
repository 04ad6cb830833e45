"""Running axe-core in a page and keeping what matters for WCAG 2.1 AA."""

from __future__ import annotations

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def run_axe(page, axe_source: str, best_practice: bool = False) -> list[dict]:
    """axe-core violations on the current page: of the WCAG 2.1 A/AA rules those of impact
    serious or critical; with ``best_practice`` also axe's best-practice rules (landmarks,
    heading order, unique ids and the like), at every impact."""
    page.add_script_tag(content=axe_source)
    tags = WCAG_TAGS + (["best-practice"] if best_practice else [])
    result = page.evaluate(
        "async tags => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical") or (best_practice and "best-practice" in v["tags"])
    ]
