"""Reporter views. Thin: parse the form, call one service, render.

CSRF for these forms is checked by the form itself (not the global guard),
so an expired token shows a message on the form with everything kept,
instead of an error page that loses the report.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from meldpunt import counters, followup, reports
from meldpunt.extensions import csrf, db, limiter
from meldpunt.labels import OUTCOME_LABELS, REPORTER_STATUS_TEXT
from meldpunt.plaintext import find_contact_details
from meldpunt.public import uploads
from meldpunt.public.forms import AddInformationForm, ReceiptForm, ReportForm, clean_campaign

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)

SUBMIT_LIMIT = "10 per 10 minutes;30 per day"
LOOKUP_LIMIT = "10 per 10 minutes;40 per day"
_RECEIPT_KEY = "receipt"
_FOLLOWUP_KEY = "followup_report"


def _form_problems(form, upload_state: uploads.UploadState | None) -> list[dict]:
    """Errors for the summary at the top of the form, each linking to its field."""
    problems = []
    for name, messages in form.errors.items():
        if name == "csrf_token":
            problems.append(
                {
                    "field": "text",
                    "message": _(
                        "Uw formulier was te lang open en is verlopen. Uw tekst staat er nog: "
                        "druk nogmaals op de knop om te versturen."
                    ),
                }
            )
            continue
        for message in messages:
            problems.append({"field": name, "message": message})
    if upload_state:
        for rejection in upload_state.rejected:
            problems.append(
                {"field": "files", "message": f"{rejection.filename}: {rejection.reason}"}
            )
    return problems


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.route("/melden", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def report_form():
    form = ReportForm()
    if request.method == "GET":
        form.campaign.data = clean_campaign(request.args.get("c"))
        try:
            counters.increment(counters.FORM_VIEW)
            db.session.commit()
        except Exception as exc:
            # A lost count must never hide the form (e.g. while the database restarts).
            db.session.rollback()
            log.warning("form view not counted: %s", type(exc).__name__)
        return render_template("public/form.html", form=form, problems=[], files=[], contact_found=[])

    upload_state = uploads.collect(form)
    form.upload_token.data = upload_state.token
    if form.website.data:
        # A bot filled the hidden field. Say nothing useful, store nothing.
        return render_template(
            "public/form.html",
            form=form,
            files=upload_state.files,
            problems=[{"field": "text", "message": _("Uw melding kon niet worden verwerkt.")}],
            contact_found=[],
        ), 400

    valid = form.validate() and not upload_state.rejected
    if not valid:
        return render_template(
            "public/form.html",
            form=form,
            files=upload_state.files,
            problems=_form_problems(form, upload_state),
            contact_found=[],
        ), 422

    found = find_contact_details(form.text.data) if form.is_anonymous else []
    if found and form.confirm_anyway.data != "1":
        return render_template(
            "public/form.html",
            form=form,
            files=upload_state.files,
            problems=[],
            contact_found=found,
        )

    new = reports.NewReport(
        text=form.text.data,
        location=form.location.data or "",
        postcode=form.postcode.data or "",
        place_type=form.place_type.data,
        reporter_type=form.reporter_type.data,
        occurred=form.occurred.data or "",
        ongoing=form.ongoing.data,
        campaign_code=clean_campaign(form.campaign.data),
        heard_via=form.heard_via.data or None,
        anonymous=form.is_anonymous,
        name="" if form.is_anonymous else form.name.data or "",
        email="" if form.is_anonymous else form.email.data or "",
        phone="" if form.is_anonymous else form.phone.data or "",
        share_identity=form.share_identity.data == "ja",
        wants_email_notice=form.email_notice.data == "ja",
        pending_token=upload_state.token,
        pending_ids=upload_state.file_ids,
    )
    try:
        submitted = reports.submit_report(new)
    except reports.SubmissionFailed as failure:
        return render_template(
            "public/form.html",
            form=form,
            files=upload_state.files,
            problems=[],
            contact_found=[],
            failure_reference=failure.reference,
        ), 503

    session[_RECEIPT_KEY] = {
        "code": submitted.receipt_code,
        "theme": submitted.theme,
        "urgency": submitted.urgency,
        "reporter_type": submitted.reporter_type,
    }
    return redirect(url_for("public.thanks"), code=303)


@bp.get("/melden/bedankt")
def thanks():
    # The code is shown once: taken out of the session as it is displayed.
    receipt = session.pop(_RECEIPT_KEY, None)
    if not receipt:
        return render_template("public/thanks_gone.html")
    return render_template("public/thanks.html", receipt=receipt)


@bp.route("/opvolgen", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(LOOKUP_LIMIT, methods=["POST"])
def followup_login():
    form = ReceiptForm()
    problems = []
    if request.method == "POST":
        if form.validate():
            report = followup.find_by_code(form.code.data)
            if report is not None:
                # A fresh session for the report (nothing from before carries over),
                # except the language the reporter chose.
                language = session.get("lang")
                session.clear()
                if language:
                    session["lang"] = language
                session.permanent = True
                session[_FOLLOWUP_KEY] = report.id
                followup.record_login(report)
                return redirect(url_for("public.followup_report"), code=303)
            # One neutral message for every wrong code: no hint about what was wrong.
            problems = [
                {
                    "field": "code",
                    "message": _(
                        "Met deze code kunnen we geen melding openen. Controleer de code en "
                        "probeer het opnieuw."
                    ),
                }
            ]
        else:
            problems = _form_problems(form, None)
    return render_template("public/followup_login.html", form=form, problems=problems), (
        422 if problems else 200
    )


def _followup_report():
    report_id = session.get(_FOLLOWUP_KEY)
    if report_id is None:
        return None
    report = db.session.get(followup.Report, report_id)
    if report is None or report.purged_at is not None:
        session.pop(_FOLLOWUP_KEY, None)
        return None
    return report


@bp.route("/opvolgen/melding", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def followup_report():
    report = _followup_report()
    if report is None:
        return redirect(url_for("public.followup_login"), code=303)
    form = AddInformationForm()
    problems: list[dict] = []
    files: list = []
    added = False
    status = 200
    if request.method == "POST":
        upload_state = uploads.collect(form)
        form.upload_token.data = upload_state.token
        files = upload_state.files
        valid = form.validate() and not upload_state.rejected
        if valid and not (form.text.data or "").strip() and not files:
            form.text.errors = [_("Schrijf iets of voeg een bestand toe.")]
            valid = False
        if valid:
            try:
                followup.add_information(
                    report.id, form.text.data or "", upload_state.token, upload_state.file_ids
                )
            except reports.SubmissionFailed as failure:
                problems = [
                    {
                        "field": "text",
                        "message": _(
                            "Het opslaan is niet gelukt (kenmerk %(ref)s). Er is niets bewaard; uw "
                            "tekst staat er nog. Probeer het over een paar minuten opnieuw.",
                            ref=failure.reference,
                        ),
                    }
                ]
                status = 503
            else:
                session["followup_added"] = True
                return redirect(url_for("public.followup_report"), code=303)
        else:
            problems = _form_problems(form, upload_state)
            status = 422
    added = session.pop("followup_added", False)
    return render_template(
        "public/followup_report.html",
        report=report,
        status_text=REPORTER_STATUS_TEXT.get(report.status, ""),
        outcome_text=OUTCOME_LABELS.get(report.outcome or "", ""),
        thread=followup.thread(report),
        form=form,
        files=files,
        problems=problems,
        added=added,
    ), status


@bp.post("/opvolgen/sluiten")
def followup_logout():
    session.clear()
    return redirect(url_for("public.followup_login"), code=303)


@bp.get("/gezond")
@limiter.exempt
def health():
    """Liveness check for the load balancer: no database, no template, no session."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/toegankelijkheid")
def accessibility():
    return render_template("public/toegankelijkheid.html")


@bp.get("/taal/<code>")
def choose_language(code: str):
    """The visible language switch: remembered in the session cookie only."""
    from flask import current_app

    if code not in current_app.config["AVAILABLE_LANGUAGES"]:
        abort(404)
    session["lang"] = code
    target = request.args.get("next", "/")
    # Only local paths: never redirect to another host.
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    return redirect(target, code=303)
