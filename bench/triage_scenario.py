"""One triage worker's day in a real browser: work through reports one after another.

Shared by the browser test (tests/browser/test_triage_scenario.py, which asserts the
targets) and ``bench/triage_scenario_bench.py`` (which prints the figures). For each
report, starting from the first one in the default queue: take it (the ``o`` key),
correct the urgency of every fourth one, forward it to its suggested partner (or close
it as not admissible when it is not for the meldpunt), save with the panel's button,
which opens the next report in the view. Page loads, clicks, keystrokes and choices in
a select list are counted per report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_FORWARDABLE = {"doorverwijzen"}


@dataclass
class Counts:
    reports: int = 0
    page_loads: int = 0
    clicks: int = 0
    keystrokes: int = 0
    selections: int = 0
    per_report: list[dict] = field(default_factory=list)

    @property
    def actions(self) -> int:
        return self.clicks + self.keystrokes + self.selections

    def summary(self) -> dict:
        n = max(1, self.reports)
        worst_confirm = max((r["page_loads"] for r in self.per_report if r["kind"] == "confirm+forward"), default=0)
        worst_confirm_actions = max(
            (r["actions"] for r in self.per_report if r["kind"] == "confirm+forward"), default=0)
        return {
            "reports": self.reports,
            "page_loads_per_report": round(self.page_loads / n, 2),
            "clicks_per_report": round(self.clicks / n, 2),
            "keystrokes_per_report": round(self.keystrokes / n, 2),
            "selections_per_report": round(self.selections / n, 2),
            "actions_per_report": round(self.actions / n, 2),
            "confirm_forward_worst_page_loads": worst_confirm,
            "confirm_forward_worst_actions": worst_confirm_actions,
        }


def work_through(page, base_url: str, count: int) -> Counts:
    """Start on the queue; returns the counts. The page must be signed in."""
    counts = Counts()
    loads = {"n": 0}

    def on_load(frame) -> None:
        if frame == page.main_frame:
            loads["n"] += 1

    page.on("framenavigated", on_load)
    page.goto(f"{base_url}/beheer")
    first = page.locator("table.queue th[scope=row] a").first
    first.click()
    page.wait_for_url("**/beheer/melding/**")
    # Opening the first report from the queue is the day's start, not part of any report.
    loads["n"] = 1
    done: set[int] = set()
    for index in range(count):
        start_loads = loads["n"]
        clicks = keys = picks = 0
        report_id = int(page.url.split("/beheer/melding/", 1)[1].split("?", 1)[0].split("#", 1)[0])
        assert report_id not in done, f"report {report_id} came back"
        done.add(report_id)
        # Take it: one keystroke (a fresh page has no field focused).
        with page.expect_navigation():
            page.keyboard.press("o")
        keys += 1
        panel = page.locator("#besluit")
        route = panel.locator("select[name=panel-route]").input_value()
        kind = "confirm+forward"
        current = panel.locator("select[name=panel-urgency]").input_value()
        # Every fourth report gets its urgency corrected; never an acute one downwards: its
        # route (politie first) would then break the fixed rules and need changing as well.
        if index % 4 == 3 and current != "acuut":
            panel.locator("select[name=panel-urgency]").select_option("hoog" if current != "hoog" else "normaal")
            picks += 1
            kind = "correct+forward"
        if route in NOT_FORWARDABLE:
            panel.locator("select[name=panel-status]").select_option("niet_ontvankelijk")
            panel.locator("select[name=panel-outcome]").select_option("doorverwezen")
            picks += 2
            kind = "close"
        else:
            panel.locator("select[name=panel-forward_to]").select_option(route)
            picks += 1
        with page.expect_navigation():
            panel.get_by_role("button", name="Opslaan en volgende").click()
        clicks += 1
        if page.url.split("?", 1)[0].endswith("/besluit"):  # the panel refused the decision
            summary = page.locator(".error-summary, .field-error").all_inner_texts()
            raise AssertionError(f"report {report_id} ({kind}, route {route}): decision refused: {summary}")
        # The page load that brings the next report belongs to that report, not to this one.
        used = loads["n"] - start_loads - 1
        counts.per_report.append({"report": report_id, "kind": kind, "page_loads": used + 1,
                                  "actions": clicks + keys + picks})
        counts.reports += 1
        counts.page_loads += used + 1
        counts.clicks += clicks
        counts.keystrokes += keys
        counts.selections += picks
        if "/beheer/melding/" not in page.url:
            break  # the view is empty: back on the queue
    page.remove_listener("framenavigated", on_load)
    return counts
