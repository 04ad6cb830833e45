"""Status of the scheduled jobs (admins) and reports open too long (coordinators).

Both pages hang on the back-office blueprint, so its ``before_request`` runs
the one role check (``meldpunt.staff.access``) before either view.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from meldpunt.jobs import retention
from meldpunt.jobs import scheduler as jobs
from meldpunt.models import utcnow
from meldpunt.staff import access
from meldpunt.staff.blueprint import bp

# Dutch labels for the counts in a job summary (jobs.format_summary).
SUMMARY_LABELS = {
    "sent": _l("verstuurd"),
    "failed": _l("mislukt, later opnieuw"),
    "acute": _l("acute meldingen herinnerd"),
    "new": _l("nieuwe meldingen herinnerd"),
    "emails": _l("e-mails klaargezet"),
    "no_recipients": _l("geen e-mailadres voor herinneringen (MELDPUNT_COORDINATOR_EMAILS)"),
    "purged": _l("meldingen geschoond"),
    "files": _l("bestanden verwijderd"),
    "strays": _l("losse bestanden verwijderd"),
    "outbox_pruned": _l("oude e-mails verwijderd"),
    "job_records_pruned": _l("oude taakregels verwijderd"),
    "stale_open": _l("lang openstaande meldingen"),
    "removed": _l("verwijderd"),
    "days": _l("dagen herberekend"),
    "rows": _l("regels geschreven"),
    "full": _l("volledig opnieuw"),
    "published": _l("jaren met cijfers klaargezet"),
    "smtp_error": _l("fout bij de mailserver"),
    "error": _l("fout"),
    "at": _l("plaats"),
    "views": _l("formulierweergaven geteld"),
}
OUTCOME_LABELS = {
    "ok": _l("gelukt"),
    "error": _l("mislukt"),
    "running": _l("bezig"),
    "stalled": _l("vastgelopen of afgebroken"),
}
# No claim for this long means no scheduler process is running.
SCHEDULER_SILENT_AFTER = timedelta(minutes=5)


def _stale_reports(now):
    days = int(current_app.config["STALE_OPEN_DAYS"])
    return days, retention.stale_open_reports(now, days), retention.count_stale_open(now, days)


@bp.get("/taken")
@access.requires(access.JOBS)
def jobs_status():
    now = utcnow()
    days, stale, stale_total = _stale_reports(now)
    last_activity = jobs.last_activity()
    return render_template(
        "backoffice/jobs.html",
        jobs=jobs.status(now),
        summary_parts=jobs.parse_summary,
        summary_labels=SUMMARY_LABELS,
        outcome_labels=OUTCOME_LABELS,
        last_activity=last_activity,
        scheduler_silent=last_activity is None or now - last_activity > SCHEDULER_SILENT_AFTER,
        undeliverable=jobs.undeliverable_count(),
        outbox_backlog=jobs.outbox_backlog(),
        stale=stale,
        stale_total=stale_total,
        stale_days=days,
    )


@bp.get("/lang-open")
@access.requires(access.STALE_REPORTS)
def stale_reports():
    now = utcnow()
    days, stale, stale_total = _stale_reports(now)
    return render_template(
        "backoffice/jobs.html", jobs=None, stale=stale, stale_total=stale_total, stale_days=days
    )


@bp.get("/e-mail")
@access.requires(access.JOBS)
def mail_sink():
    """The demo's sent e-mail (meldpunt/mailsink.py): only with the sink on, never in production."""
    from flask import abort

    from meldpunt import mailsink

    config = current_app.config
    if not config.get("MAIL_SINK_ENABLED") or config.get("ENV") == "production":
        abort(404)
    return render_template("backoffice/mail_sink.html", messages=mailsink.messages(config["MAIL_SINK_DIR"]))
