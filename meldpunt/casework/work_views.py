"""Back-office views for the day's work: take and assign, the one decision panel, bulk
actions, message templates and partner feedback. Thin: parse, call one service, render."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meldpunt.casework import (
    assignment,
    bulk,
    decision_panel,
    partner_feedback,
    queue,
    queue_args,
    templates_service,
)
from meldpunt.casework.forms import (
    AssignForm,
    BulkForm,
    DecisionPanelForm,
    PartnerFeedbackForm,
    TakeForm,
    TemplateForm,
)
from meldpunt.casework.views import _assignee_choices, _render_report, _report_or_404, panel_form_for
from meldpunt.labels import ROUTE_LABELS, THEME_LABELS
from meldpunt.models import StaffUser
from meldpunt.staff import access
from meldpunt.staff.blueprint import add_problem, bp, problems


def _user() -> StaffUser:
    return current_user._get_current_object()


def _report_url(report_id: int, args: dict[str, str], anchor: str = "") -> str:
    return (
        url_for("backoffice.report", report_id=report_id)
        + queue_args.query_string(args)
        + (f"#{anchor}" if anchor else "")
    )


@bp.post("/melding/<int:report_id>/oppakken")
@access.requires(access.REPORT_WORK)
def report_take(report_id: int):
    found = _report_or_404(report_id)
    if TakeForm(prefix="take").validate_on_submit():
        assignment.take(found.id, _user())
        flash(_("U werkt nu aan deze melding."), "success")
    return redirect(_report_url(found.id, queue_args.kept(request.args)), code=303)


_ASSIGN_MESSAGES = {"not_assignable": _l("Deze medewerker kan geen meldingen behandelen.")}


@bp.post("/melding/<int:report_id>/toewijzen")
@access.requires(access.ASSIGN)
def report_assign(report_id: int):
    found = _report_or_404(report_id)
    form = AssignForm(prefix="assign")
    form.assignee.choices = _assignee_choices()
    if not form.validate_on_submit():
        return _render_report(found, 422, assign=form)
    # Optional() lets whitespace through without checking the choices: only digits are an account.
    chosen = (form.assignee.data or "").strip()
    if chosen and not chosen.isdigit():
        add_problem(form, "assignee", _("Kies een medewerker uit de lijst."))
        return _render_report(found, 422, assign=form)
    try:
        assignment.assign(found.id, _user(), int(chosen) if chosen else None)
    except assignment.AssignmentError as error:
        add_problem(form, "assignee", str(_ASSIGN_MESSAGES.get(str(error), error)))
        return _render_report(found, 422, assign=form)
    flash(_("De melding is toegewezen."), "success")
    return redirect(_report_url(found.id, queue_args.kept(request.args)), code=303)


_PANEL_MESSAGES = {
    "unknown_code": _l("Kies een thema, urgentie en route uit de lijst."),
    "outcome_required": _l("Kies een resultaat om de melding af te ronden."),
    "transition_not_allowed": _l("Deze statuswijziging kan niet vanuit de huidige status."),
    "unknown_status": _l("Kies een status."),
    "unknown_route": _l("Kies een partner."),
    "already_forwarded": _l("Deze melding is al naar deze partner doorgestuurd."),
    "closed": _l("Een afgesloten melding kan niet worden doorgestuurd. Heropen hem eerst."),
    "not_allowed": _l("Alleen coördinatoren kunnen doorsturen."),
    "route_fixed_theme": _l(
        "Meldingen met het thema %(theme)s gaan altijd naar de route %(required)s. Kies die route of een ander thema."
    ),
    "route_acute": _l(
        "Acute meldingen gaan altijd eerst naar de route %(required)s. Kies die route of een andere urgentie."
    ),
    "route_reserved_route": _l(
        "De route %(route)s is alleen voor meldingen met een eigen vast thema. Kies een andere route of het "
        "thema dat erbij hoort."
    ),
}


def _panel_message(error: decision_panel.PanelError, form: DecisionPanelForm) -> str:
    """The message for a refused panel, naming the theme and routes that were chosen."""
    message = str(_PANEL_MESSAGES.get(error.code, error.code))
    if not error.code.startswith("route_"):
        return message
    return message % {
        "theme": THEME_LABELS.get(form.theme.data, form.theme.data),
        "route": ROUTE_LABELS.get(form.route.data, form.route.data),
        "required": ROUTE_LABELS.get(error.required or "", error.required or ""),
    }


@bp.post("/melding/<int:report_id>/besluit")
@access.requires(access.REPORT_WORK)
def report_panel(report_id: int):
    """The one decision panel: triage, status and forwarding in one submit, then the next report."""
    found = _report_or_404(report_id)
    user = _user()
    form = panel_form_for(found, DecisionPanelForm(prefix="panel"))
    if not form.validate_on_submit():
        return _render_report(found, 422, panel=form)
    args = queue_args.kept(request.args)
    _form, view_filters, _valid = queue_args.parse(request.args, user.id)
    position = (found.urgency_rank, found.created_at, found.id)
    try:
        result = decision_panel.apply(
            found.id, user, form.theme.data, form.urgency.data, form.route.data,
            status=form.status.data or None, outcome=form.outcome.data or None,
            forward_to=form.forward_to.data or None,
        )
    except decision_panel.PanelError as error:
        add_problem(form, error.part, _panel_message(error, form))
        return _render_report(found, 422, panel=form)
    if result.forwarded is not None and not result.forwarded.notified:
        flash(_("Melding %(id)s is opgeslagen en doorgestuurd, maar voor deze partner is geen e-mailadres "
                "ingesteld. Laat het de partner zelf weten.", id=found.id), "warning")
    else:
        flash(_("Melding %(id)s is opgeslagen.", id=found.id), "success")
    following = queue.neighbour(view_filters, *position) or queue.first_other(view_filters, found.id)
    if following is None:
        return redirect(url_for("backoffice.home") + queue_args.query_string(args), code=303)
    return redirect(_report_url(following, args), code=303)


_BULK_MESSAGES = {
    "nothing_chosen": _l("Kies eerst een of meer meldingen."),
    "too_many": _l("Kies hooguit 200 meldingen tegelijk."),
    "outcome_required": _l("Kies een resultaat om de meldingen af te sluiten."),
    "transition_not_allowed": _l("Een van de gekozen meldingen kan niet worden afgesloten vanuit zijn status."),
    "not_assignable": _l("Deze medewerker kan geen meldingen behandelen."),
    "unknown_report": _l("Een van de gekozen meldingen bestaat niet meer."),
    "unknown_action": _l("Kies een actie."),
}


@bp.post("/bulk")
@access.requires(access.BULK)
def queue_bulk():
    form = BulkForm(prefix="bulk")
    form.assignee.choices = _assignee_choices()
    args = queue_args.kept(request.args)
    back = url_for("backoffice.home") + queue_args.query_string(args)
    # isascii: "²" is a digit to Python but not a number int() can read.
    ids = [int(v) for v in request.form.getlist("melding") if v.isascii() and v.isdigit() and len(v) < 10]
    # After a refusal the queue shows the same reports ticked and the same choices made:
    # kept in the (signed) session for the one page view that follows.
    kept = {"ids": ids[: bulk.MAX_BULK], "action": form.action.data, "assignee": form.assignee.data,
            "outcome": form.outcome.data}
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors) or _("Kies een actie."), "error")
        session["bulk_kept"] = kept
        return redirect(back, code=303)
    try:
        changed = bulk.apply(_user(), ids, form.action.data, assignee_id=int(form.assignee.data or 0) or None,
                             outcome=form.outcome.data or None)
    except bulk.BulkError as error:
        flash(str(_BULK_MESSAGES.get(str(error), error)), "error")
        session["bulk_kept"] = kept
        return redirect(back, code=303)
    flash(_("%(n)s meldingen gewijzigd.", n=changed), "success")
    return redirect(back, code=303)


# --- message templates ----------------------------------------------------------------


@bp.route("/sjablonen", methods=["GET", "POST"])
@access.requires(access.TEMPLATES)
def message_templates():
    """The templates and one form: a new template, or (``?bewerken=<id>``) changing one."""
    editing = None
    wanted = request.args.get("bewerken", "")
    if wanted:
        editing = next((t for t in templates_service.all_templates() if str(t.id) == wanted), None)
        if editing is None:
            abort(404)
    data = {"theme": editing.theme, "title": editing.title, "body": editing.body} if editing else None
    form = TemplateForm(prefix="template", data=data)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                templates_service.save(_user(), form.theme.data, form.title.data, form.body.data,
                                       template_id=editing.id if editing else None)
            except ValueError:
                add_problem(form, "body", _("Vul dit veld in."))
            else:
                flash(_("Het sjabloon is opgeslagen."), "success")
                return redirect(url_for("backoffice.message_templates"), code=303)
        status = 422
    return render_template(
        "backoffice/templates.html", form=form, templates=templates_service.all_templates(),
        theme_labels=THEME_LABELS, problems=problems(form), delete_form=TakeForm(prefix="delete"),
        editing=editing,
    ), status


@bp.post("/sjablonen/<int:template_id>/verwijderen")
@access.requires(access.TEMPLATES)
def message_template_delete(template_id: int):
    if TakeForm(prefix="delete").validate_on_submit():
        try:
            templates_service.delete(_user(), template_id)
        except LookupError:
            abort(404)
        flash(_("Het sjabloon is verwijderd."), "success")
    return redirect(url_for("backoffice.message_templates"), code=303)


# --- partner feedback -----------------------------------------------------------------

_FEEDBACK_MESSAGES = {
    "empty": _l("Kies wat er met de melding is gedaan of stel een vraag."),
    "unknown_outcome": _l("Kies een resultaat uit de lijst."),
}


@bp.post("/partner/melding/<int:report_id>/terugkoppeling")
@access.requires(access.PARTNER)
def partner_feedback_post(report_id: int):
    from meldpunt.casework.views import render_partner_report

    user = _user()
    found = _report_or_404(report_id)
    if not access.can_view_report(user, found):
        abort(404)
    form = PartnerFeedbackForm(prefix="feedback")
    if not form.validate_on_submit():
        return render_partner_report(found, form, 422)
    try:
        partner_feedback.record(found.id, user, form.outcome.data or None, form.question.data)
    except partner_feedback.FeedbackError as error:
        add_problem(form, "outcome", str(_FEEDBACK_MESSAGES.get(str(error), error)))
        return render_partner_report(found, form, 422)
    flash(_("Dank u wel. Het meldpunt ziet uw terugkoppeling in de werkvoorraad."), "success")
    return redirect(url_for("backoffice.partner_report", report_id=found.id) + "#terugkoppeling", code=303)


