"""A reporter sends a report with a photo, with and without JavaScript, and follows it up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from meldpunt import storage
from meldpunt.extensions import db
from meldpunt.models import Attachment, Report
from tests import filemakers
from tests.browser.axe import run_axe

REPORT_TEXT = (
    "Achter de loods aan de Polderweg staan 's nachts busjes met de motor aan. Ik ruik een "
    "scherpe anijslucht en zag blauwe vaten en jerrycans naar binnen gaan."
)


def fill_and_send(page, base_url: str, photo: Path) -> None:
    page.goto(f"{base_url}/melden")
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(REPORT_TEXT)
    page.get_by_label("Waar is het?", exact=False).fill("Polderweg 3")
    page.get_by_label("Een bedrijfspand, winkel of loods").check()
    page.set_input_files("#files", str(photo))
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url("**/melden/bedankt")
    page.wait_for_selector(".receipt-code")


@pytest.mark.parametrize("javascript", [False, True], ids=["zonder-js", "met-js"])
def test_report_with_photo_and_follow_up(browser, live_app, base_url, artifacts, tmp_path, javascript):
    photo = tmp_path / "IMG_0420.jpg"
    photo.write_bytes(filemakers.jpeg_with_gps())
    context = browser.new_context(java_script_enabled=javascript, locale="nl-NL")
    page = context.new_page()
    requested_hosts: set[str] = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))

    fill_and_send(page, base_url, photo)
    page.screenshot(path=str(artifacts / "1-bedankt.png"), full_page=True)
    code = page.locator(".receipt-code strong").inner_text().strip()
    assert len(code) == 19

    with live_app.app_context():
        report = db.session.scalar(select(Report))
        assert report.text == REPORT_TEXT
        attachment = db.session.scalar(select(Attachment))
        assert b"SnitchCam" not in storage.read_attachment(attachment.storage_name)

    # Follow up with the code, add an answer with a second file.
    page.goto(f"{base_url}/opvolgen")
    page.get_by_label("Uw meldcode").fill(code.lower())
    page.get_by_role("button", name="Melding openen").click()
    page.wait_for_url("**/opvolgen/melding")
    page.get_by_label("Wat wilt u toevoegen of antwoorden?").fill("Vannacht weer, rond 02.00 uur.")
    note = tmp_path / "aantekeningen.txt"
    note.write_text("kenteken begint met V, wit busje", encoding="utf-8")
    page.set_input_files("#files", str(note))
    page.get_by_role("button", name="Versturen").click()
    page.wait_for_selector("text=Uw aanvulling is bewaard")
    page.screenshot(path=str(artifacts / "2-aanvulling.png"), full_page=True)
    with live_app.app_context():
        report = db.session.scalar(select(Report))
        assert report.messages[-1].body == "Vannacht weer, rond 02.00 uur."
        assert len(report.attachments) == 2
    assert requested_hosts == {base_url.split("/")[2]}
    context.close()


def test_reporter_pages_have_no_serious_accessibility_violations(browser, live_app, base_url, axe_source, artifacts):
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    problems = {}
    pages = ["/", "/melden", "/opvolgen", "/privacy", "/toegankelijkheid"]
    for path in pages:
        page.goto(base_url + path)
        problems[path] = run_axe(page, axe_source)
    # The form with errors, and the thank-you page.
    page.goto(base_url + "/melden")
    page.get_by_role("button", name="Melding versturen").click()
    problems["/melden (fouten)"] = run_axe(page, axe_source)
    page.screenshot(path=str(artifacts / "formulier-fouten.png"), full_page=True)
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(REPORT_TEXT)
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url("**/melden/bedankt")
    problems["/melden/bedankt"] = run_axe(page, axe_source)
    context.close()
    assert {path: found for path, found in problems.items() if found} == {}
