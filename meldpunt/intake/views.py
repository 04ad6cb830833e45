"""Reporter views. Thin: parse the form, call one service, render.

CSRF for these forms is checked by the form itself (not the global guard),
so an expired token shows a message on the form with everything kept,
instead of an error page that loses the report.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import triage
from meldpunt import counters, crypto, storage
from meldpunt.error_targets import field_anchor, form_problems
from meldpunt.extensions import csrf, db, limiter
from meldpunt.intake import followup, form_page, reports, submission_keys, thanks_page, uploads
from meldpunt.intake.forms import AddInformationForm, ReceiptForm, ReportForm, clean_campaign
from meldpunt.intake.identifying import find_contact_details
from meldpunt.labels import OUTCOME_LABELS, REPORTER_OUTCOME_TEXT, REPORTER_STATUS_TEXT
from meldpunt.plaintext import clean_text
from meldpunt.ratelimit_key import fitting_limits

bp = Blueprint("public", __name__)
log = logging.getLogger(__name__)

# Every window fits within the hourly salt of the client key (ratelimit_key.py):
# a "per day" window would silently be reset every hour.
SUBMIT_LIMIT = fitting_limits("10 per 10 minutes;20 per hour")
LOOKUP_LIMIT = fitting_limits("10 per 10 minutes;20 per hour")
_RECEIPT_KEY = "receipt"
_FOLLOWUP_KEY = "followup_report"
# When the reporter last used the follow-up page. The cookie itself is a browser-session
# cookie (gone when the browser closes, which matters on a shared device); this time
# gives the same 15-minute idle limit on the server side.
_FOLLOWUP_SEEN = "followup_seen"


# The reporter's error summary: the one helper, with the reporter's word for an expired form.
EXPIRED = (
    "text",
    _l(
        "Uw formulier was te lang open en is verlopen. Uw tekst staat er nog: "
        "druk nogmaals op de knop om te versturen."
    ),
)


def _form_problems(form, upload_state: uploads.UploadState | None) -> list[dict]:
    """Errors for the summary at the top of the form, upload rejections last."""
    rejected = upload_state.rejected if upload_state else []
    return form_problems(
        form,
        expired=EXPIRED,
        extra=[{"field": "files", "message": f"{r.filename}: {r.reason}"} for r in rejected],
    )


def _bad_input_problems(form) -> list[dict]:
    """A field sent as a file part (or a body that is no form at all): refused as bad input.

    No browser sends this; the message is calm all the same, and the form is shown
    again with what did arrive, so a person who does see it loses nothing else.
    """
    message = _(
        "Een deel van het formulier kwam niet goed bij ons aan: een tekstvak werd als bestand "
        "verstuurd. Er is niets opgeslagen. Controleer het formulier en verstuur het opnieuw."
    )
    name = form.first_misplaced_field
    if not name or form[name].type in {"HiddenField", "CSRFTokenField", "SelectMultipleField"}:
        # Not a field the person sees: point at the form's main field instead.
        name = "text" if "text" in form else "code"
    form[name].errors = [message]
    return [{"field": field_anchor(form[name]), "message": message}]


@bp.before_request
def _refuse_cross_site_posts():
    """Forms here may only be sent from our own pages.

    The reporter's forms work without a session cookie of their own, so the browser's
    word on where a POST comes from is the check: ``Sec-Fetch-Site`` (every current
    browser sends it) and, when it is a real origin, ``Origin``. Our pages send no
    referrer, so a same-origin form may arrive with ``Origin: null``; that passes.
    Without this, another site could log a visitor into a report of its choosing
    with an answer already typed in (a cross-site POST to /opvolgen).
    """
    if request.method != "POST":
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if fetch_site == "cross-site" or (origin and origin != "null" and urlsplit(origin).netloc != request.host):
        abort(403)
    return None


@bp.get("/")
def home():
    return render_template("public/home.html")


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for it on every first visit; a 404 there only fills logs.
    return send_from_directory(current_app.static_folder or "static", "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=7 * 24 * 3600)


def _stored_or_received_files(response) -> bool:
    """Which POSTs to /melden count against the reporter's limit: a stored report (the
    redirect to the thank-you page) and any request that brought files (they are kept as
    pending uploads). A language switch, a form with a mistake or the anonymity question
    store nothing: counting them locked out reporters who switched language a few times
    or corrected their form, on a shared connection sooner still (outside test). The
    limit is still checked before every POST."""
    if response.status_code == 303:
        return True
    return any(upload.filename for upload in request.files.getlist("files"))


@bp.route("/melden", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(SUBMIT_LIMIT, methods=["POST"], deduct_when=_stored_or_received_files)
def report_form():
    if request.method != "POST":
        if request.method == "GET":  # HEAD (uptime monitors) is answered but not counted
            counters.count_view(counters.FORM_VIEW)
        return form_page.empty_form_page()

    form = ReportForm()

    # The form's one-time key travels back into every re-shown form (errors, the anonymity
    # check), so the report is recognised when the same form is sent once more.
    g.submission_key = request.form.get("submission_key") or submission_keys.new_key()
    if form.misplaced:
        return render_template(
            "public/form.html", form=form, files=[], problems=_bad_input_problems(form), contact_found=[]
        ), 400
    if _switch_language():
        # The language switch sent the form: the same form again in the new language,
        # everything typed and every file kept, nothing checked or stored.
        upload_state = uploads.collect(form)
        form.upload_token.data = upload_state.token
        return render_template(
            "public/form.html", form=form, files=upload_state.files,
            problems=_form_problems(form, upload_state), contact_found=[],
        )
    key_hash = submission_keys.key_hash(request.form.get("submission_key"))
    # A form sent again is recognised before its files are cleaned once more; without
    # files the unique key column recognises it at the commit (AlreadySubmitted below),
    # which saves a query on every ordinary submission.
    sends_files = any(upload.filename for upload in request.files.getlist("files"))
    if sends_files and submission_keys.already_used(key_hash):
        return render_template("public/thanks_gone.html", resent=True)

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

    # Anonymous, but contact fields filled in (typed before choosing "anoniem", or a page
    # without script where the fields stay visible): never dropped silently. The reporter
    # chooses (contact_choice, buttons on the notice); until then everything typed stays.
    contact_choice = request.form.get("contact_choice")
    if form.is_anonymous and contact_choice == "keep":
        form.anonymity.data = "contact"
    elif form.is_anonymous and contact_choice == "drop":
        for field in (form.name, form.email, form.phone):
            field.data, field.raw_data = "", []  # raw_data too: validators look at it
    valid = form.validate() and not upload_state.rejected
    contact_typed = _contact_fields_typed(form) if form.is_anonymous else []
    if valid and contact_typed:
        return render_template(
            "public/form.html",
            form=form,
            files=upload_state.files,
            problems=[],
            contact_found=[],
            contact_typed=contact_typed,
        )
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
        danger_now=form.danger_answer,
        campaign_code=clean_campaign(form.campaign.data),
        heard_via=form.heard_via.data or None,
        anonymous=form.is_anonymous,
        name="" if form.is_anonymous else form.name.data or "",
        email="" if form.is_anonymous else form.email.data or "",
        phone="" if form.is_anonymous else form.phone.data or "",
        share_identity=form.share_identity.data == "ja",
        wants_email_notice=form.email_notice.data == "ja",
        language=_page_language(),
        pending_token=upload_state.pending_token,
        pending_ids=upload_state.file_ids,
        submission_key_hash=key_hash,
    )
    try:
        submitted = reports.submit_report(new)
    except reports.AlreadySubmitted:
        return render_template("public/thanks_gone.html", resent=True)
    except reports.SubmissionFailed as failure:
        return render_template(
            "public/form.html",
            form=form,
            files=upload_state.files,
            problems=[],
            contact_found=[],
            failure_reference=failure.reference,
        ), 503

    # The session cookie is signed, not encrypted: anyone with the cookie (a shared
    # computer, a proxy log) could read what it holds. The receipt code opens the
    # report, so it travels only encrypted, for the one redirect to the thank-you page.
    session[_RECEIPT_KEY] = crypto.encrypt_json(
        {
            "code": submitted.receipt_code,
            # Theme advice only for a confident suggestion (Submitted.advice_theme): a guess
            # must never tell a reporter what their report is about, let alone that it does
            # not matter. None gives the general advice.
            "theme": submitted.advice_theme,
            "urgency": submitted.urgency if submitted.triage_ok else None,
            "danger_now": submitted.danger_now,
            "reporter_type": submitted.reporter_type,
            "files": submitted.files,
            # Inside the encrypted value, so it cannot be stretched by editing the cookie.
            "until": time.time() + thanks_page.reopen_seconds(),
        }
    ).decode("ascii")
    return redirect(url_for("public.thanks"), code=303)


def _switch_language() -> bool:
    """The header's language buttons on a form page send the form with ``switch_language``
    (base.html): remember the new language and render this request in it."""
    code = request.form.get("switch_language")
    if code not in current_app.config["AVAILABLE_LANGUAGES"]:
        return False
    session["lang"] = code
    refresh()  # the locale of this request was already chosen (and cached) before
    return True


def _page_language() -> str:
    locale = get_locale()
    return locale.language if locale else "nl"


def _contact_fields_typed(form: ReportForm) -> list[str]:
    """What the reporter typed in the contact fields, for the anonymous-or-not choice."""
    return [value.strip() for value in (form.name.data, form.email.data, form.phone.data)
            if isinstance(value, str) and value.strip()]


def _advice_template(theme: str | None) -> str:
    """The handelingsperspectief for a theme; general advice when there is no (confident) theme."""
    if theme in triage.THEMES:
        return f"public/perspectief/{theme}.html"
    return "public/perspectief/_algemeen.html"


@bp.get("/melden/bedankt")
def thanks():
    # The code stays (encrypted) in this browser session for thanks_page.reopen_seconds(), so a
    # reload shows it again; after that, or after the reporter's button, it is gone.
    sealed = session.get(_RECEIPT_KEY)
    receipt = None
    if isinstance(sealed, str):
        try:
            receipt = crypto.decrypt_json(sealed.encode("ascii"))
        except (crypto.InvalidToken, UnicodeError, ValueError):
            receipt = None
    until = receipt.get("until") if isinstance(receipt, dict) else None
    if not isinstance(receipt, dict) or not receipt.get("code") or not isinstance(until, int | float) \
            or time.time() > until:
        session.pop(_RECEIPT_KEY, None)
        return render_template("public/thanks_gone.html")
    return thanks_page.thanks_page(receipt, _advice_template(receipt.get("theme")))


@bp.post("/melden/bedankt")
@csrf.exempt
def thanks_saved():
    """"Ik heb de code bewaard": the code leaves this browser session at once.

    No CSRF token: the thank-you page is shared between reporters (thanks_page.py), and
    this only ever removes something. Cross-site posts are refused before this
    (_refuse_cross_site_posts).
    """
    session.pop(_RECEIPT_KEY, None)
    return redirect(url_for("public.home"), code=303)


@bp.route("/opvolgen", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(LOOKUP_LIMIT, methods=["POST"])
def followup_login():
    form = ReceiptForm()
    problems = []
    if request.method == "POST" and form.misplaced:
        return render_template(
            "public/followup_login.html", form=form, problems=_bad_input_problems(form), carried=False
        ), 400
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
                session.permanent = False
                session[_FOLLOWUP_KEY] = report.id
                session[_FOLLOWUP_SEEN] = time.time()
                followup.record_login(report)
                if form.carries_answer:
                    return _restore_answer(report, form)
                return redirect(url_for("public.followup_report"), code=303)
            # One neutral message for every wrong code: no hint about what was wrong.
            # Set on the field too, so the message is repeated there (WCAG 3.3.1).
            form.code.errors = [
                _("Met deze code kunnen we geen melding openen. Controleer de code en probeer het opnieuw.")
            ]
        problems = _form_problems(form, None)
    return render_template(
        "public/followup_login.html", form=form, problems=problems, carried=form.carries_answer
    ), (422 if problems else 200)


def _session_expired_with_answer():
    """A follow-up answer sent after the session expired: ask for the code again, keep the answer.

    The text goes back into the code form as a hidden field (in the page, never in
    the URL or the cookie), files stay as pending uploads under their token.
    """
    answer = AddInformationForm()
    if answer.misplaced:
        form = ReceiptForm(formdata=None)
        return render_template(
            "public/followup_login.html", form=form, problems=_bad_input_problems(form), carried=False
        ), 400
    upload_state = uploads.collect(answer)
    form = ReceiptForm(formdata=None)
    form.carried_text.data = answer.text.data or ""
    form.upload_token.data = upload_state.token if upload_state.files else ""
    return render_template("public/followup_login.html", form=form, problems=[], carried=form.carries_answer)


def _restore_answer(report, login: ReceiptForm):
    """After the code was entered again: the carried answer stands ready in the answer box."""
    # The session was just renewed: drop the CSRF token Flask-WTF cached for this request
    # (made from the old session), so the answer form gets one the new session accepts.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    form = AddInformationForm(formdata=None)
    form.text.data = login.carried_text.data or ""
    token = login.upload_token.data or ""
    files = storage.list_pending(token) if storage.is_valid_token(token) else []
    form.upload_token.data = token if files else ""
    return _render_followup(report, form, files=files, problems=[], restored=True)


def _render_followup(report, form, files, problems, status=200, added=False, restored=False, contact_found=()):
    return render_template(
        "public/followup_report.html",
        report=report,
        status_text=REPORTER_STATUS_TEXT.get(report.status, ""),
        outcome_text=OUTCOME_LABELS.get(report.outcome or "", ""),
        thread=followup.thread(report),
        own=followup.own_report(report),
        closing_text=REPORTER_OUTCOME_TEXT.get(report.outcome or "", "") if report.is_closed else "",
        form=form,
        files=files,
        problems=problems,
        added=added,
        restored=restored,
        contact_found=list(contact_found),
        # Said on the page (no script needed): how long the page stays open without use.
        idle_minutes=int(current_app.permanent_session_lifetime.total_seconds() // 60),
    ), status


def _followup_report():
    report_id = session.get(_FOLLOWUP_KEY)
    if report_id is None:
        return None
    seen = session.get(_FOLLOWUP_SEEN)
    idle_limit = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(seen, int | float) or time.time() - seen > idle_limit:
        session.pop(_FOLLOWUP_KEY, None)
        session.pop(_FOLLOWUP_SEEN, None)
        return None
    session[_FOLLOWUP_SEEN] = time.time()
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
        if request.method == "POST":
            # The session expired while the reporter was writing: do not lose the answer.
            return _session_expired_with_answer()
        return redirect(url_for("public.followup_login"), code=303)
    form = AddInformationForm()
    problems: list[dict] = []
    files: list = []
    added = False
    status = 200
    if request.method == "POST" and form.misplaced:
        return _render_followup(report, form, files, _bad_input_problems(form), status=400)
    if request.method == "POST":
        upload_state = uploads.collect(form)
        form.upload_token.data = upload_state.token
        files = upload_state.files
        if _switch_language():  # as on the report form: the answer comes back in the new language
            return _render_followup(report, form, files, _form_problems(form, upload_state))
        valid = form.validate() and not upload_state.rejected
        # Empty once cleaned (only markup or spaces) counts as empty: that is what would be stored.
        if valid and not clean_text(form.text.data) and not files:
            form.text.errors = [_("Schrijf iets of voeg een bestand toe.")]
            valid = False
        # The same check as on the report form: an anonymous reporter who writes their own
        # phone number or e-mail address into an answer is asked first; text and files stay.
        found = find_contact_details(form.text.data or "") if valid and report.anonymous else []
        if found and form.confirm_anyway.data != "1":
            return _render_followup(report, form, files, [], contact_found=found)
        if valid:
            try:
                followup.add_information(
                    report.id, form.text.data or "", upload_state.pending_token, upload_state.file_ids
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
    return _render_followup(report, form, files, problems, status=status, added=added)


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
    # The period the retention purge really uses (retention.py), not a number in the text.
    return render_template("public/privacy.html", retention_days=int(current_app.config["RETENTION_DAYS"]))


@bp.get("/toegankelijkheid")
def accessibility():
    return render_template("public/toegankelijkheid.html",
                           accessibility_contact=current_app.config["ACCESSIBILITY_CONTACT"])


@bp.get("/taal/<code>")
def choose_language(code: str):
    """The visible language switch: remembered in the session cookie only."""
    if code not in current_app.config["AVAILABLE_LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(local_path(request.args.get("next")) or url_for("public.home"), code=303)


def local_path(target: str | None) -> str | None:
    r"""``target`` if it is a path on this site, else None: never a way to another host.

    Browsers are lenient: they drop tabs and newlines inside a URL and read a
    backslash as a slash, so ``/%09/evil.example`` or ``/\evil.example`` would
    lead away. Anything with a control character, whitespace or a backslash is
    refused outright; what is left must parse as a path without scheme or host.
    """
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    # "///host" parses as an empty host with path "/host", but browsers read it as //host.
    if parts.scheme or parts.netloc or target.startswith("//") or not parts.path.startswith("/"):
        return None
    return target
