"""The 112 message after "Is er nu iemand in gevaar?" shows at once, also without JavaScript."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import Report
from tests.browser.axe import run_axe

TEXT = "Bij de kapperszaak op de hoek komen nooit klanten, maar de eigenaar betaalt alles contant."


@pytest.mark.parametrize("javascript", [False, True], ids=["zonder-js", "met-js"])
def test_yes_shows_the_112_message_at_once(browser, live_app, base_url, artifacts, javascript):
    context = browser.new_context(java_script_enabled=javascript, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{base_url}/melden")
    message = page.locator("#danger-112")
    assert message.count() == 1
    assert not message.is_visible(), "hidden until someone answers yes"

    question = page.get_by_role("group", name="Is er nu iemand in gevaar?")
    question.get_by_label("Nee").check()
    assert not message.is_visible()
    question.get_by_label("Ja", exact=True).check()
    assert message.is_visible()
    assert "Bel nu 112" in message.inner_text()
    page.screenshot(path=str(artifacts / "danger-ja.png"), full_page=True)
    question.get_by_label("Weet ik niet").check()
    assert not message.is_visible()
    question.get_by_label("Ja", exact=True).check()

    # Send it: the thank-you page repeats the message; the report is stored as acute.
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(TEXT)
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url("**/melden/bedankt")
    alert = page.locator(".notice--danger[role=alert]")
    assert alert.is_visible() and "U gaf aan dat er nu iemand in gevaar is" in alert.inner_text()
    with live_app.app_context():
        report = db.session.scalar(select(Report))
        assert report.danger_now is True and report.urgency == "acuut"
    context.close()


def test_the_question_with_its_message_passes_axe(browser, base_url, axe_source):
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{base_url}/melden")
    page.get_by_role("group", name="Is er nu iemand in gevaar?").get_by_label("Ja", exact=True).check()
    assert page.locator("#danger-112").is_visible()
    assert run_axe(page, axe_source) == []
    # Narrow screen (320 px, WCAG 1.4.10): the message wraps, nothing scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= 320")
    context.close()


def _figures(acute, theme, route, n):
    return {"n": n, "acute_recall": acute, "theme_accuracy": theme, "route_accuracy": route,
            "acute_precision": 0.8, "acute_support": 5}


def test_triage_model_page_passes_axe(browser, live_app, base_url, axe_source, artifacts):
    """The admins' page with a promoted model in use and a refused candidate after it."""
    from meldpunt import triage_model
    from meldpunt.casework import retrain
    from meldpunt.models import TriageModel
    from tests.browser.test_staff_flow import Staff, sign_in

    packaged = triage_model.DEFAULT_LEXICON_FILE.parent / "model.npz"
    with live_app.app_context():
        good = TriageModel(version="hybrid-2-aaaaaaaaaa", compared_with="hybrid-2-0000000000", promoted=True,
                           actor="cli triage-retrain", trained_on={"decisions_trained": 40, "decisions_held_out": 10},
                           metrics={}, reasons=[], artifact=packaged.read_bytes(), artifact_sha256="0" * 64,
                           artifact_size=packaged.stat().st_size)
        db.session.add(good)
        db.session.flush()
        triage_model.activate(good)
        metrics = {"frozen": {"candidate": _figures(0.9, 0.88, 0.9, 400), "current": _figures(0.95, 0.9, 0.9, 400)},
                   "holdout": {"candidate": _figures(1.0, 0.95, 0.9, 10), "current": _figures(1.0, 0.9, 0.9, 10)}}
        metrics["checks"] = retrain.compare(metrics)
        db.session.add(TriageModel(version="hybrid-2-bbbbbbbbbb", compared_with=good.version, promoted=False,
                                   actor="cli triage-retrain", trained_on={"decisions_trained": 48,
                                                                           "decisions_held_out": 12},
                                   metrics=metrics, reasons=[c for c in metrics["checks"] if not c["ok"]]))
        db.session.commit()
    admin = Staff(live_app, "admin", "beheerder@gemeente.example")
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    sign_in(page, base_url, admin)
    page.get_by_role("link", name="Triagemodel").click()
    page.wait_for_url("**/beheer/triagemodel")
    assert "zou dalen van" in page.locator("#besluit").inner_text()
    page.screenshot(path=str(artifacts / "triagemodel.png"), full_page=True)
    assert run_axe(page, axe_source) == []
    context.close()
