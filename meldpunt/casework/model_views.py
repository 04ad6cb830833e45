"""/beheer/triagemodel: the triage model in use, the last retraining comparison, earlier versions.

Admins only. The page shows aggregate figures, never a report text. Going back to
an earlier promoted version (or the packaged model) is one audited action
(``retrain.restore``); promoting a new candidate only happens through
``flask triage-retrain``, after its comparison.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

import triage
from meldpunt import triage_model
from meldpunt.casework import retrain
from meldpunt.staff import access
from meldpunt.staff.blueprint import bp

SET_LABELS = {
    "frozen": _l("Vaste testset (nooit gebruikt om te leren)"),
    "holdout": _l("Nieuwste besluiten van medewerkers (achtergehouden)"),
}
METRIC_LABELS = {
    "acute_recall": _l("Acute meldingen herkend (recall acuut)"),
    "theme_accuracy": _l("Thema goed"),
    "route_accuracy": _l("Route goed"),
}


class RestoreForm(FlaskForm):
    # Empty: the packaged model.
    model_id = HiddenField()


@bp.route("/triagemodel", methods=["GET", "POST"])
@access.requires(access.TRIAGE_MODEL)
def triage_model_page():
    form = RestoreForm()
    if form.validate_on_submit():
        raw = (form.model_id.data or "").strip()
        # isascii: "²".isdigit() is True but int("²") fails (a 500 instead of a message)
        model_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
        try:
            version = retrain.restore(model_id, current_user._get_current_object())
        except retrain.RetrainError:
            flash(_("Alleen een model dat eerder in gebruik is genomen, kan terugkomen."), "error")
        else:
            flash(_("De triage gebruikt nu model %(version)s voor nieuwe meldingen.", version=version), "success")
        return redirect(url_for("backoffice.triage_model_page"), code=303)
    active_id = triage_model.active_model_id()
    return render_template(
        "backoffice/triage_model.html",
        form=form,
        active_id=active_id,
        current_version=triage_model.current_version(),
        packaged_version=triage.get_engine().version,
        last=retrain.last_comparison(),
        history=retrain.history(),
        set_labels=SET_LABELS,
        metric_labels=METRIC_LABELS,
    )
