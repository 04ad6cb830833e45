"""/beheer/taken: admins see every job's last run; coordinators see long-open reports."""

from __future__ import annotations

from datetime import timedelta

from meldpunt.jobs import scheduler as jobs
from meldpunt.models import utcnow
from tests.helpers import soup
from tests.jobs.conftest import report_at, signed_in


def test_status_page_shows_each_job_to_admins_only(jobs_app):
    now = utcnow()
    stale_id, _code = report_at(jobs_app, now - timedelta(days=200), location="Havenkade 9")
    with jobs_app.app_context():
        jobs.tick(now=now, instance="test")

    admin = signed_in(jobs_app, "admin")
    response = admin.get("/beheer/taken")
    assert response.status_code == 200
    page = soup(response)
    rows = {row["data-job"]: row for row in page.select("#taken tr[data-job]")}
    assert set(rows) == {job.name for job in jobs.JOBS}
    outbox = rows["outbox"].get_text(" ", strip=True)
    assert "E-mail versturen" in outbox and "gelukt" in outbox and "verstuurd: 0" in outbox
    reminders = rows["reminders"].get_text(" ", strip=True)
    assert "elke 5 minuten" in reminders
    assert "elke dag" in rows["retention"].get_text(" ", strip=True)
    assert "lang openstaande meldingen: 1" in rows["retention"].get_text(" ", strip=True)
    # A scheduler claimed something just now: no warning that it is not running.
    assert "Draait het plannerproces nog" not in page.get_text()
    assert page.select_one('nav a[href="/beheer/taken"]') is not None
    stale = page.select_one("#lang-open").get_text(" ", strip=True)
    assert str(stale_id) in stale and "Havenkade" not in page.get_text()

    for role in ("coordinator", "triage", "communicatie"):
        client = signed_in(jobs_app, role)
        assert client.get("/beheer/taken").status_code == 403, role
    anonymous = jobs_app.test_client().get("/beheer/taken")
    assert anonymous.status_code in (302, 303) and anonymous.headers["Location"].endswith(
        "/beheer/login"
    )


def test_status_page_warns_when_no_scheduler_runs(jobs_app):
    admin = signed_in(jobs_app, "admin")
    text = soup(admin.get("/beheer/taken")).get_text(" ", strip=True)
    assert "nog nooit een taak uitgevoerd" in text
    assert text.count("nog nooit") >= len(jobs.JOBS)


def test_failed_run_is_visible(jobs_app):
    with jobs_app.app_context():
        from meldpunt.extensions import db
        from meldpunt.models import JobOccurrence

        now = utcnow()
        db.session.add(
            JobOccurrence(
                job="rollup",
                due_at=now,
                claimed_by="x",
                claimed_at=now,
                finished_at=now,
                outcome="error",
                summary="error=OperationalError at=rollup.py:42",
            )
        )
        db.session.commit()
    admin = signed_in(jobs_app, "admin")
    row = (
        soup(admin.get("/beheer/taken"))
        .select_one('tr[data-job="rollup"]')
        .get_text(" ", strip=True)
    )
    assert "mislukt" in row and "fout: OperationalError" in row


def test_coordinators_see_the_long_open_reports(jobs_app):
    now = utcnow()
    stale_id, _code = report_at(jobs_app, now - timedelta(days=120))
    fresh_id, _code = report_at(jobs_app, now - timedelta(days=3))
    coordinator = signed_in(jobs_app, "coordinator")
    response = coordinator.get("/beheer/lang-open")
    assert response.status_code == 200
    page = soup(response)
    assert page.select("#taken") == []
    assert page.select_one('nav a[href="/beheer/lang-open"]') is not None
    assert page.select_one('nav a[href="/beheer/taken"]') is None
    links = [a["href"] for a in page.select("#lang-open a")]
    assert links == [f"/beheer/melding/{stale_id}"]
    listed = [
        row.select_one("td").get_text(strip=True) for row in page.select("#lang-open tbody tr")
    ]
    assert listed == [str(stale_id)] and str(fresh_id) not in listed
    assert signed_in(jobs_app, "triage").get("/beheer/lang-open").status_code == 403
