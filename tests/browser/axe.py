"""Running axe-core in a page and keeping what matters for WCAG 2.1 AA."""

from __future__ import annotations


def run_axe(page, axe_source: str) -> list[dict]:
    """axe-core violations of impact serious or critical on the current page."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
