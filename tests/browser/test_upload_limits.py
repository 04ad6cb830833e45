"""The browser checks the upload limits the form states before a long upload starts."""

from __future__ import annotations

from sqlalchemy import func, select

from meldpunt.extensions import db
from meldpunt.models import Report
from tests import filemakers

REPORT_TEXT = "Achter de loods aan de Polderweg staan 's nachts busjes met de motor aan en het ruikt sterk."


def test_files_over_the_total_are_stopped_before_sending_and_the_text_stays(browser, live_app, base_url, tmp_path):
    live_app.config["MAX_TOTAL_ATTACHMENT_BYTES"] = 2 * 1024 * 1024
    photos = []
    for n in range(3):
        path = tmp_path / f"IMG_{n}.jpg"
        path.write_bytes(filemakers.jpeg_with_gps() + bytes(900 * 1024))  # about 0.9 MB each
        photos.append(str(path))
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(f"{base_url}/melden")
    hint = page.locator("#files-hint").inner_text()
    assert "samen hooguit 2 MB" in hint
    page.get_by_label("Wat heeft u gezien of gehoord?").fill(REPORT_TEXT)
    page.set_input_files("#files", photos)
    message = page.locator("#files").evaluate("input => input.validationMessage")
    assert message == "Alle bestanden samen mogen niet groter zijn dan 2 MB."
    # Outside test: the browser's bubble vanishes; the message also stays under the field.
    note = page.locator("#files-check")
    assert note.is_visible() and note.inner_text() == message
    assert "files-check" in (page.locator("#files").get_attribute("aria-describedby") or "")
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_timeout(500)
    assert posts == [] and page.url == f"{base_url}/melden"  # nothing was sent
    assert page.get_by_label("Wat heeft u gezien of gehoord?").input_value() == REPORT_TEXT
    with live_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0
    # Two of the three fit: the form goes.
    page.set_input_files("#files", photos[:2])
    assert page.locator("#files").evaluate("input => input.validationMessage") == ""
    assert not page.locator("#files-check").is_visible()
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url("**/melden/bedankt")
    context.close()
