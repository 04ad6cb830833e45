"""Back-office views. Thin: read the request, call one service, render."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from meldpunt import contact_details, crypto, storage
from meldpunt.casework import (
    assignment,
    forwarding,
    notes,
    queue,
    queue_args,
    related,
    reporter_contact,
    staff_messages,
    triage_decisions,
    workflow,
)
from meldpunt.casework.forms import (
    AssignForm,
    BulkForm,
    ContactForm,
    DecisionPanelForm,
    LinkForm,
    MessageForm,
    NoteForm,
    TakeForm,
    UnlinkForm,
)
from meldpunt.extensions import db
from meldpunt.labels import ROUTE_LABELS, STATUS_LABELS
from meldpunt.models import Attachment, Report, StaffUser, utcnow
from meldpunt.plaintext import sanitise
from meldpunt.staff import access, audit
from meldpunt.staff.blueprint import add_problem, bp, page_number, problems

AUDIT_PAGE = 100
_SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")


def _user() -> StaffUser:
    return current_user._get_current_object()


@bp.url_value_preprocessor
def _ids_in_range(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Ids in URLs are 32-bit database integers: a larger one is no row (and PostgreSQL
    would refuse the query, a server error instead of a 404)."""
    for value in (values or {}).values():
        if isinstance(value, int) and value > 2**31 - 1:
            abort(404)


def _report_or_404(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None or report.purged_at is not None:
        abort(404)
    return report


def _back(report_id: int, anchor: str = "") -> Any:
    return redirect(url_for("backoffice.report", report_id=report_id) + (f"#{anchor}" if anchor else ""), code=303)


# --- landing and queue -------------------------------------------------------------


@bp.get("/")
@access.requires(access.PUBLIC)
def home_with_slash():
    # People type or bookmark "/beheer/": send them to the one landing URL (was a 404).
    # Public because it only redirects; the landing page itself checks the session.
    return redirect(url_for("backoffice.home"), code=308)


@bp.get("")
@access.requires(access.HOME)
def home():
    role = current_user.role
    if access.allowed(role, access.QUEUE):
        return _queue()
    if access.allowed(role, access.PARTNER):
        return redirect(url_for("backoffice.partner_inbox"), code=303)
    # communicatie: statistics only, never report content.
    return render_template("backoffice/landing.html")


def _plain_labels() -> dict[str, dict[str, str]]:
    from meldpunt import labels

    return {
        name: {code: str(label) for code, label in mapping.items()}
        for name, mapping in (
            ("urgency", labels.URGENCY_LABELS),
            ("theme", labels.THEME_LABELS),
            ("route", labels.ROUTE_LABELS),
            ("status", labels.STATUS_LABELS),
        )
    }


def _audit_queue(filters: queue.QueueFilters, page: int, valid: bool) -> None:
    """The queue shows the start of every listed report's text, so looking at it is
    audited: with the filters applied, and whether a search was done, never its words."""
    details: dict[str, Any] = {}
    for item in dataclasses.fields(filters):
        value = getattr(filters, item.name)
        if item.name == "query" or value is None or (item.name == "assignee_id" and filters.view != "mijn"):
            continue
        details[item.name] = value.isoformat() if isinstance(value, date) else value
    details["search"] = bool(filters.query)
    details["page"] = page
    if not valid:
        details["invalid_filters"] = True
    audit.record_access(audit.QUEUE_VIEW, _user(), details=details)


def _queue():
    user = _user()
    form, filters, valid = queue_args.parse(request.args, user.id)
    result = queue.fetch(filters, page=page_number())
    # The page shown: a page past the last one shows the last one (queue.fetch).
    _audit_queue(filters, result.page, valid)
    args = queue_args.kept(request.args) if valid else {}
    may_bulk = access.allowed(user.role, access.BULK)
    bulk_form = None
    kept = session.pop("bulk_kept", None) or {}
    if may_bulk:
        choices = {k: v for k, v in kept.items() if k != "ids" and isinstance(v, str)}
        bulk_form = BulkForm(prefix="bulk", data=choices)
        bulk_form.assignee.choices = _assignee_choices()
    rows = result.acute + result.rows
    return render_template(
        "backoffice/queue.html",
        form=form,
        result=result,
        # Resolved once per page: the acute panel can hold hundreds of rows.
        plain=_plain_labels(),
        report_url=url_for("backoffice.report", report_id=0)[:-1],
        report_query=queue_args.query_string(args),
        problems=problems(form) if not valid else [],
        page_args=args,
        view=filters.view or "",
        view_counts={"nieuw": queue.view_count("nieuw")},
        names=_staff_names({row.assignee_id for row in rows}),
        now=utcnow(),
        bulk_form=bulk_form,
        ticked={i for i in kept.get("ids", []) if isinstance(i, int)},
        filters_open=any(k not in ("weergave", "q") for k in args) or not valid,
    ), (200 if valid else 422)


def _assignee_choices() -> list[tuple[str, str]]:
    return [("", _("Niemand")), *((str(u.id), u.email) for u in assignment.assignable_staff())]


# --- one report ---------------------------------------------------------------------


def _staff_names(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_(ids))).all())


def _attachment_names(report: Report) -> dict[int, str]:
    names = {}
    for attachment in report.attachments:
        try:
            names[attachment.id] = (
                crypto.decrypt(attachment.name_encrypted).decode("utf-8") if attachment.name_encrypted else ""
            )
        except crypto.InvalidToken:
            names[attachment.id] = ""
        names[attachment.id] = names[attachment.id] or _("bestand %(n)s", n=attachment.id)
    return names


def _neutral_names(report: Report) -> dict[int, str]:
    """Names a partner sees when the reporter did not agree to be known: the original
    name can name the reporter ("IMG_Anna_Kowalska_paszport.jpg"); the extension stays."""
    originals = _attachment_names(report)
    names = {}
    for number, attachment in enumerate(report.attachments, start=1):
        suffix = PurePosixPath(originals.get(attachment.id, "")).suffix.lower()
        names[attachment.id] = _("bijlage-%(n)s", n=number) + (suffix if _SAFE_SUFFIX.fullmatch(suffix) else "")
    return names


def names_for(user: StaffUser, report: Report) -> dict[int, str]:
    """Attachment names as this user may see them: partners get neutral ones unless consented."""
    if access.is_partner(user) and not access.partner_sees_identity(report):
        return _neutral_names(report)
    return _attachment_names(report)


def _masked_for_partner(text: str) -> str:
    marks = {"phone": _("[telefoonnummer verwijderd]"), "email": _("[e-mailadres verwijderd]")}
    return contact_details.mask_contact_details(text, lambda kind: marks[kind])


def panel_form_for(
    report: Report, form: DecisionPanelForm | None = None, feedback: list | None = None
) -> DecisionPanelForm:
    """The decision panel with this report's choices (and its current values on a GET);
    ``feedback``: the report's partner feedback when the caller has read it already."""
    if form is None:
        from meldpunt.casework import partner_feedback

        # A partner's reported outcome is the likely one when closing: offered, not applied.
        if feedback is None:
            feedback = partner_feedback.for_report(report.id)
        told = [f.outcome for f in feedback if f.outcome]
        form = DecisionPanelForm(
            prefix="panel",
            data={"theme": report.theme, "urgency": report.urgency, "route": report.route,
                  "outcome": told[-1] if told else ""},
        )
    current = STATUS_LABELS[report.status]
    form.status.choices = [
        ("", _("Niet wijzigen (%(status)s)", status=current)),
        *((s, STATUS_LABELS[s]) for s in workflow.next_statuses(report.status)),
    ]
    form.forward_to.choices = [
        ("", _("Niet doorsturen")),
        *((r, ROUTE_LABELS[r]) for r in forwarding.forwardable_routes()),
    ]
    return form


def _assign_form(report: Report) -> AssignForm:
    form = AssignForm(prefix="assign")
    form.assignee.choices = _assignee_choices()
    if request.method == "GET":
        form.assignee.data = str(report.assignee_id or "")
    return form


def _language_name(code: str | None) -> str:
    """The report's language by name, in the staff member's language (Babel's CLDR names)."""
    from babel import Locale, UnknownLocaleError
    from flask_babel import get_locale

    try:
        return Locale.parse(code or "").get_display_name(get_locale()) or (code or "")
    except (ValueError, TypeError, UnknownLocaleError):
        return code or ""


def _render_report(report: Report, code: int = 200, revealed=None, viewed: bool = False, **forms: Any):
    """The report page. Every rendering shows the full text, so every rendering is an
    audited view: also a form shown again after a mistake. ``viewed`` is set by the
    plain GET, whose view ``workflow.mark_opened`` already recorded."""
    user = _user()
    note_form = forms.get("note") or NoteForm(prefix="note")
    message_form = forms.get("message") or MessageForm(prefix="message")
    contact_form = forms.get("contact_form") or ContactForm(prefix="contact")
    link_form = forms.get("link") or LinkForm(prefix="link")
    _form, view_filters, _valid = queue_args.parse(request.args, user.id)
    back_args = queue_args.kept(request.args) if _valid else {}
    position = (report.urgency_rank, report.created_at, report.id)
    decisions = triage_decisions.decisions_for(report.id)
    report_notes = notes.notes_for(report.id)
    forwards = forwarding.forwards_for(report.id)
    names = _staff_names(
        {d.staff_id for d in decisions}
        | {e.staff_id for e in report.status_events}
        | {n.staff_id for n in report_notes}
        | {m.staff_id for m in report.messages}
        | {f.staff_id for f in forwards}
        | {report.assignee_id}
    )
    from meldpunt.casework import partner_feedback, templates_service

    feedback = partner_feedback.for_report(report.id)
    panel_form = forms.get("panel") or panel_form_for(report, feedback=feedback)
    templates = templates_service.for_theme(report.theme)
    chosen = request.args.get("sjabloon", "")
    if request.method == "GET" and chosen.isdigit() and not message_form.message.data:
        picked = next((t for t in templates if t.id == int(chosen)), None)
        if picked is not None:
            message_form.message.data = picked.body
    all_problems = problems(*(f for f in forms.values() if f is not None))
    page = render_template(
        "backoffice/report.html",
        report=report,
        language_name=_language_name(report.language),
        suggestion=report.suggestion,
        decisions=decisions,
        notes=report_notes,
        forwards=forwards,
        related=related.find_related(report),
        attachment_names=_attachment_names(report),
        names=names,
        has_contact=reporter_contact.has_contact(report),
        contact=revealed,
        may_reveal=access.may_reveal_contact(user),
        may_forward=access.allowed(user.role, access.FORWARD),
        may_export=access.may_export_signal(user, report),
        partner_emails=current_app.config.get("PARTNER_EMAILS", {}),
        note_form=note_form,
        message_form=message_form,
        contact_form=contact_form,
        link_form=link_form,
        unlink_form=UnlinkForm(prefix="unlink"),
        panel_form=panel_form,
        take_form=TakeForm(prefix="take"),
        assign_form=_assign_form(report) if access.allowed(user.role, access.ASSIGN) else None,
        taken_by_colleague=report.assignee_id is not None and report.assignee_id != user.id,
        next_id=queue.neighbour(view_filters, *position),
        previous_id=queue.neighbour(view_filters, *position, backwards=True),
        back_query=queue_args.query_string(back_args),
        feedback=feedback,
        # What the reporter or a partner added since staff last acted on the report.
        new_messages={m.id for m in report.messages
                      if m.sender == "reporter" and workflow.is_new(report, m.created_at)},
        new_feedback={f.id for f in feedback if workflow.is_new(report, f.created_at, from_partner=True)},
        has_news=workflow.has_news(report),
        read_form=TakeForm(prefix="read"),
        may_work=access.allowed(user.role, access.REPORT_WORK),
        templates=templates,
        problems=all_problems,
    )
    if not viewed:
        details: dict[str, Any] = {"form": sorted(name for name, form in forms.items() if form is not None)}
        if revealed is not None:
            details["contact_shown"] = True
        audit.record_access(audit.REPORT_VIEW, user, "report", report.id, details)
    return page, code


@bp.get("/melding/<int:report_id>")
@access.requires(access.REPORT_VIEW)
def report(report_id: int):
    found = _report_or_404(report_id)
    workflow.mark_opened(found, _user())
    return _render_report(found, viewed=True)


# The report's forms post to these URLs; a form shown again after a mistake leaves the
# browser on one. Reloading it, or switching the language (which returns to the page's
# URL), is a GET: it goes back to the report instead of "405 Method Not Allowed".
_FORM_PATHS = "besluit, contactgegevens, notitie, bericht, koppelen, ontkoppelen, gelezen, toewijzen, oppakken"


@bp.get(f"/melding/<int:report_id>/<any({_FORM_PATHS}):action>")
@access.requires(access.REPORT_VIEW)
def report_form_get(report_id: int, action: str):
    anchor = {"contactgegevens": "melder", "notitie": "notities", "bericht": "berichten",
              "koppelen": "verwant", "ontkoppelen": "verwant", "toewijzen": "behandelaar",
              "oppakken": "behandelaar", "gelezen": ""}.get(action, action)
    target = url_for("backoffice.report", report_id=report_id) + queue_args.query_string(
        queue_args.kept(request.args))
    return redirect(target + (f"#{anchor}" if anchor else ""), code=303)


@bp.post("/melding/<int:report_id>/gelezen")
@access.requires(access.REPORT_WORK)
def report_read(report_id: int):
    """"Gelezen - geen actie nodig": the reporter's or partner's news leaves the queue (audited)."""
    found = _report_or_404(report_id)
    if TakeForm(prefix="read").validate_on_submit() and workflow.acknowledge(found.id, _user()):
        flash(_("De nieuwe informatie is als gelezen gemarkeerd."), "success")
    return redirect(url_for("backoffice.report", report_id=found.id) + queue_args.query_string(
        queue_args.kept(request.args)), code=303)


@bp.post("/melding/<int:report_id>/notitie")
@access.requires(access.REPORT_WORK)
def report_note(report_id: int):
    found = _report_or_404(report_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit() or not sanitise(form.note.data).strip():
        if not form.errors:
            add_problem(form, "note", _("Vul dit veld in."))
        return _render_report(found, 422, note=form)
    notes.add_note(found.id, _user(), form.note.data)
    flash(_("De notitie is opgeslagen."), "success")
    return _back(found.id, "notities")


@bp.post("/melding/<int:report_id>/bericht")
@access.requires(access.REPORT_WORK)
def report_message(report_id: int):
    found = _report_or_404(report_id)
    form = MessageForm(prefix="message")
    chosen = request.form.get("sjabloon", "")
    if chosen:
        # "Invoegen" without JavaScript: keep what was typed, add the template after it, send nothing.
        from meldpunt.casework import templates_service

        picked = next((t for t in templates_service.for_theme(found.theme) if str(t.id) == chosen), None)
        if picked is not None:
            typed = (form.message.data or "").rstrip()
            form.message.data = f"{typed}\n\n{picked.body}" if typed else picked.body
        return _render_report(found, 200, message=form)
    if not form.validate_on_submit() or not sanitise(form.message.data).strip():
        if not form.errors:
            add_problem(form, "message", _("Vul dit veld in."))
        return _render_report(found, 422, message=form)
    unowned = found.assignee_id is None
    staff_messages.send_message(found.id, _user(), form.message.data)
    if unowned and found.assignee_id == _user().id:
        # Outside test: the handler and status changed without a word on the page.
        flash(_("Het bericht staat klaar voor de melder. U bent nu de behandelaar van deze melding."), "success")
    else:
        flash(_("Het bericht staat klaar voor de melder."), "success")
    return _back(found.id, "berichten")


_LINK_MESSAGES = {
    "same_report": _l("Een melding kan niet aan zichzelf worden gekoppeld."),
    "unknown_report": _l("Er is geen melding met dit nummer."),
    "already_linked": _l("Deze meldingen zijn al gekoppeld."),
}


@bp.post("/melding/<int:report_id>/koppelen")
@access.requires(access.REPORT_WORK)
def report_link(report_id: int):
    found = _report_or_404(report_id)
    form = LinkForm(prefix="link")
    if not form.validate_on_submit():
        return _render_report(found, 422, link=form)
    try:
        related.link(found.id, form.other_id.data, _user())
    except related.LinkError as error:
        add_problem(form, "other_id", str(_LINK_MESSAGES[str(error)]))
        return _render_report(found, 422, link=form)
    flash(_("De meldingen zijn gekoppeld."), "success")
    return _back(found.id, "verwant")


@bp.post("/melding/<int:report_id>/ontkoppelen")
@access.requires(access.REPORT_WORK)
def report_unlink(report_id: int):
    found = _report_or_404(report_id)
    form = UnlinkForm(prefix="unlink")
    if form.validate_on_submit():
        related.unlink(found.id, form.other_id.data, _user())
        flash(_("De koppeling is verwijderd."), "success")
    return _back(found.id, "verwant")


_CONTACT_MESSAGES = {
    "reason_required": _l("Geef een reden van minstens 5 tekens."),
    "no_contact": _l("Deze melder heeft geen contactgegevens achtergelaten."),
}


@bp.post("/melding/<int:report_id>/contactgegevens")
@access.requires(access.CONTACT_VIEW)
def report_contact(report_id: int):
    found = _report_or_404(report_id)
    form = ContactForm(prefix="contact")
    if not form.validate_on_submit():
        return _render_report(found, 422, contact_form=form)
    try:
        shown = reporter_contact.reveal(found, _user(), form.reason.data)
    except reporter_contact.ContactError as error:
        add_problem(form, "reason", str(_CONTACT_MESSAGES[str(error)]))
        return _render_report(found, 422, contact_form=form)
    return _render_report(found, 200, revealed=shown)


def _signal_or_404(report_id: int) -> tuple[Report, dict | None]:
    """The signal, or None when identity was asked for without a reason (``?reden=``)."""
    found = _report_or_404(report_id)
    if not access.may_export_signal(_user(), found):
        abort(404)
    reason = request.args.get("reden")
    try:
        return found, forwarding.riec_signal(found, _user(), identity_reason=reason)
    except forwarding.IdentityReasonError:
        return found, None


def _identity_offer(report: Report) -> bool:
    """Staff (not the RIEC partner) may add a consenting reporter's identity, with a reason."""
    user = _user()
    return access.partner_sees_identity(report) and not access.is_partner(user) and access.may_reveal_contact(user)


@bp.get("/melding/<int:report_id>/riec.json")
@access.requires(access.SIGNAL_EXPORT)
def riec_json(report_id: int):
    found, signal = _signal_or_404(report_id)
    if signal is None:
        return Response(json.dumps({"error": "reden_nodig"}), status=422, mimetype="application/json")
    body = json.dumps(signal, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="signaal-MOM-{found.id}.json"'},
    )


@bp.get("/melding/<int:report_id>/riec")
@access.requires(access.SIGNAL_EXPORT)
def riec_print(report_id: int):
    found, signal = _signal_or_404(report_id)
    problem = None
    if signal is None:
        problem = _("Geef een reden van minstens 5 tekens om de gegevens van de melder mee te nemen.")
        found, signal = found, forwarding.riec_signal(found, _user())
    return render_template("backoffice/riec_print.html", report=found, signal=signal,
                           identity_offer=_identity_offer(found) and not signal["melder"], problem=problem,
                           reason=request.args.get("reden", "")), 422 if problem else 200


@bp.get("/bijlage/<int:attachment_id>")
@access.requires(access.ATTACHMENT)
def attachment(attachment_id: int):
    """Attachments only through here, after the access check: never from a public path."""
    import io

    from flask import send_file

    found = db.session.get(Attachment, attachment_id)
    if found is None or not access.can_view_report(_user(), found.report) or found.report.purged_at is not None:
        abort(404)
    data = storage.read_attachment(found.storage_name)
    inline = found.kind == "image" and request.args.get("download") != "1"
    name = names_for(_user(), found.report).get(found.id, "bestand")
    audit.record_access(
        audit.ATTACHMENT_DOWNLOAD, _user(), "attachment", found.id, {"report_id": found.report_id, "inline": inline}
    )
    response = send_file(
        io.BytesIO(data),
        mimetype=found.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=name,
        max_age=0,
    )
    # Whatever the file holds, it runs nothing in our origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


# --- partners ------------------------------------------------------------------------


@bp.get("/partner")
@access.requires(access.PARTNER)
def partner_inbox():
    only_unread = request.args.get("weergave") == "aanvulling"
    rows, total, page = forwarding.partner_inbox(current_user.route, page=page_number(), only_unread=only_unread)
    return render_template(
        "backoffice/partner_inbox.html",
        rows=rows,
        total=total,
        page=page,
        only_unread=only_unread,
        unread_count=forwarding.partner_unread_count(current_user.route),
    )


@bp.get("/partner/melding/<int:report_id>")
@access.requires(access.PARTNER)
def partner_report(report_id: int):
    user = _user()
    found = _report_or_404(report_id)
    if not access.can_view_report(user, found):
        abort(404)
    # Opening it is reading the reporter's additions for the route (the view is audited,
    # and says so when it cleared the "Nieuwe aanvulling" marker).
    new_since = forwarding.mark_seen_by_partner(found, user)
    workflow.mark_opened(found, user, {"partner_news_seen": True} if new_since else None)
    return render_partner_report(found, None, new_since=new_since)


def render_partner_report(found: Report, form: Any, code: int = 200, new_since: datetime | None = None):
    """The partner's page: the report, what the reporter added later (text and files,
    never the reporter's identity unless consented), and the feedback form."""
    from meldpunt.casework import partner_feedback
    from meldpunt.casework.forms import PartnerFeedbackForm

    user = _user()
    form = form or PartnerFeedbackForm(prefix="feedback")
    additions = [m for m in found.messages if m.sender == "reporter"]
    # The meldpunt's questions stay in the thread so an answer ("tweede verdieping") can be
    # read; partners never see staff notes (those are not messages).
    thread = [m for m in found.messages if m.sender in ("reporter", "staff")] if additions else []
    # A reporter's later words may hold a phone number or e-mail address (the reporter
    # cannot take them back): partners read them masked unless the reporter consented.
    # The meldpunt's own questions are masked the same way (they may quote the reporter).
    consented = access.partner_sees_identity(found)
    # Staff may address a named reporter by name ("Beste heer Jansen"), which no mask
    # catches: when the reporter gave a name and did not share it, partners read only that
    # a question was asked, not its words.
    questions_shown = consented or bool(found.anonymous)
    return render_template(
        "backoffice/partner_report.html",
        report=found,
        contact=reporter_contact.shared_with_partner(found, user),
        attachment_names=names_for(user, found),
        addition_texts={m.id: m.body if consented else _masked_for_partner(m.body or "") for m in thread},
        forward=next((f for f in forwarding.forwards_for(found.id) if f.route == user.route), None),
        may_export=access.may_export_signal(user, found),
        additions=additions,
        thread=thread,
        # The reporter's additions this visit cleared the "Nieuwe aanvulling" marker for.
        new_additions={m.id for m in additions if new_since is not None and m.created_at > new_since},
        questions_shown=questions_shown,
        feedback=[f for f in partner_feedback.for_report(found.id) if f.route == user.route],
        feedback_form=form,
        problems=problems(form) if code != 200 else [],
    ), code


# --- coordination and administration -------------------------------------------------


@bp.route("/routering", methods=["GET", "POST"])
@access.requires(access.ROUTING)
def routing():
    """Theme routes and partner notice addresses; coordinators and admins change them here (audited)."""
    import triage
    from meldpunt.casework import routing_form, routing_settings

    form = routing_form.make_form(routing_settings.overview())
    general: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        try:
            changes = routing_settings.save(
                _user(), routing_form.theme_values(form), routing_form.partner_values(form)
            )
        except routing_settings.SettingsError as error:
            general = [
                _("De routering zou dan niet meer aan de afspraken voldoen: %(problem)s", problem=code)
                for code in routing_form.add_problems(form, error.problems)
            ]
        except triage.RoutingError as error:
            general = [_("Het routeringsbestand is ongeldig; laat dat eerst herstellen: %(error)s", error=str(error))]
        else:
            if changes:
                flash(_("De routering is opgeslagen. Nieuwe meldingen krijgen de nieuwe instelling."), "success")
            else:
                flash(_("Er is niets gewijzigd."), "success")
            return redirect(url_for("backoffice.routing"), code=303)
    all_problems = problems(form) + [{"field": "routering", "message": message} for message in general]
    return render_template(
        "backoffice/routing.html",
        overview=routing_settings.overview(),
        form=form,
        problems=all_problems,
    ), (422 if request.method == "POST" else 200)
