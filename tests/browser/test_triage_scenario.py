"""Issue 15, measure: one worker works through 30 demo reports in a real browser.

Take (keyboard), confirm or correct, forward, next. The counts per report go to
test-artifacts/browser/<test>/counts.json (bench/triage_scenario_bench.py prints the
same figures against a served app). Target for a report that only needs confirming and
forwarding: at most 2 page loads and 5 actions. The shortcuts do nothing while focus
is in a field.
"""

from __future__ import annotations

import json

from sqlalchemy import select, update

from bench.triage_scenario import work_through
from meldpunt.extensions import db
from meldpunt.models import AuditEvent, Forward, Report
from tests.browser.test_staff_flow import Staff, sign_in, staff_context

REPORTS = 30


def _seed(app) -> None:
    from meldpunt import demo

    with app.app_context():
        demo.seed_reports(REPORTS, seed=15)
        # All of them waiting for a first look, as on a busy morning.
        db.session.execute(update(Report).values(status="nieuw", outcome=None, closed_at=None, needs_action=True,
                                                 first_action_at=None, first_opened_at=None))
        db.session.commit()


def test_one_worker_works_through_thirty_reports(browser, live_app, base_url, artifacts):
    _seed(live_app)
    worker = Staff(live_app, "coordinator", "werker@gemeente.example")
    context = staff_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base_url, worker)
    counts = work_through(page, base_url, REPORTS)
    summary = counts.summary()
    (artifacts / "counts.json").write_text(json.dumps({"summary": summary, "per_report": counts.per_report},
                                                      indent=1), encoding="utf-8")
    assert counts.reports == REPORTS, summary
    assert summary["confirm_forward_worst_page_loads"] <= 2, summary
    assert summary["confirm_forward_worst_actions"] <= 5, summary
    with live_app.app_context():
        reports = list(db.session.scalars(select(Report)))
        assert all(r.status in ("doorgestuurd", "niet_ontvankelijk") for r in reports)
        assert all(r.assignee_id is not None for r in reports)
        forwarded = db.session.scalar(select(db.func.count(Forward.id)))
        assert forwarded == sum(1 for r in reports if r.status == "doorgestuurd")
        decisions = select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "triage.decision")
        assert db.session.scalar(decisions) == REPORTS
    # Nothing left in the default queue.
    page.goto(f"{base_url}/beheer")
    assert page.locator("table.queue tbody tr").count() == 0
    context.close()


def test_shortcuts_are_inactive_while_typing(browser, live_app, base_url):
    _seed(live_app)
    worker = Staff(live_app, "triage", "typist@gemeente.example")
    context = staff_context(browser)
    page = context.new_page()
    sign_in(page, base_url, worker)
    page.locator("table.queue th[scope=row] a").first.click()
    page.wait_for_url("**/beheer/melding/**")
    url = page.url
    box = page.locator("#message-message")
    box.click()
    page.keyboard.type("job")  # j, o and b: next, take and confirm, if they were active
    page.wait_for_timeout(300)
    assert page.url == url
    assert box.input_value() == "job"
    with live_app.app_context():
        assert db.session.scalar(select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "report.assign")) == 0
    # Outside a field, "j" goes to the next report.
    page.locator("h1").click()
    with page.expect_navigation():
        page.keyboard.press("j")
    assert page.url != url
    context.close()
