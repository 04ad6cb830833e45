"""axe-core on the pages issue 15 added or changed, in their less common states: the
decision panel with an error, a colleague's report, the partner page with the reporter's
additions and the feedback form (also with an error), and the templates page."""

from __future__ import annotations

from meldpunt.extensions import db
from tests.backoffice.conftest import make_account
from tests.browser.axe import run_axe
from tests.browser.test_staff_flow import Staff, sign_in, staff_context


def _world(app):
    from meldpunt.casework import assignment, forwarding, staff_messages, templates_service
    from meldpunt.intake import followup, reports
    from meldpunt.models import StaffUser

    colleague = Staff(app, "triage", "collega@gemeente.example")
    with app.app_context():
        made = reports.submit_report(reports.NewReport(text="Wietlucht en afgeplakte ramen bij de loods."))
        other = reports.submit_report(reports.NewReport(text="Busjes met arbeiders, dag en nacht."))
        user = db.session.scalar(db.select(StaffUser).where(StaffUser.email == colleague.email))
        assignment.take(other.report_id, user)
        coordinator = db.session.scalar(db.select(StaffUser).where(StaffUser.role == "coordinator"))
        forwarding.forward(made.report_id, coordinator, "politie")
        staff_messages.send_message(made.report_id, coordinator, "Welk kenteken had de bus?")
        followup.add_information(made.report_id, "Het kenteken was 12-ABC-3.", None, [])
        templates_service.save(coordinator, "hennep", "Tijden", "Op welke dagen ziet u dit?")
        db.session.remove()
    return made.report_id, other.report_id


def test_triage_day_pages_pass_axe(browser, live_app, base_url, axe_source, artifacts):
    coordinator = Staff(live_app, "coordinator", "coordinator@gemeente.example")
    partner = make_account(live_app, "partner", "politie", email="partner@politie.example")
    forwarded, taken = _world(live_app)
    problems: dict[str, list] = {}

    context = staff_context(browser, bypass_csp=True)
    page = context.new_page()
    sign_in(page, base_url, coordinator)
    page.goto(f"{base_url}/beheer/melding/{taken}")
    assert page.locator("#genomen").is_visible()
    problems["melding van collega"] = run_axe(page, axe_source)
    panel = page.locator("#besluit")
    panel.locator("select[name=panel-status]").select_option("afgerond")
    panel.get_by_role("button", name="Opslaan en volgende").click()
    page.wait_for_selector(".error-summary")
    problems["besluit met fout"] = run_axe(page, axe_source)
    page.goto(f"{base_url}/beheer/sjablonen")
    problems["sjablonen"] = run_axe(page, axe_source)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{base_url}/beheer")
    problems["werkvoorraad 320 px"] = run_axe(page, axe_source)
    context.close()

    context = staff_context(browser, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{base_url}/beheer/login")
    page.get_by_label("E-mailadres").fill(partner.email)
    page.get_by_label("Wachtwoord").fill("een-lang-genoeg-wachtwoord")
    page.get_by_role("button", name="Verder").click()
    page.wait_for_url("**/beheer/login/code")
    page.get_by_label("Code", exact=False).fill(partner.code())
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{base_url}/beheer/partner")
    page.goto(f"{base_url}/beheer/partner/melding/{forwarded}")
    assert "12-ABC-3" in page.locator("#aanvullingen").inner_text()
    problems["partner: melding"] = run_axe(page, axe_source)
    page.locator("#terugkoppeling").get_by_role("button", name="Terugkoppeling versturen").click()
    page.wait_for_selector(".error-summary")
    problems["partner: terugkoppeling met fout"] = run_axe(page, axe_source)
    page.screenshot(path=str(artifacts / "partner-fout.png"), full_page=True)
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}
