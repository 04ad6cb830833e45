"""Calm error pages. Errors a person cannot fix get a reference number and a log
line with the error type only: never personal data, addresses or form content."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("meldpunt.errors")


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 429 and request.endpoint == "public.report_form":
            return _rate_limited_report_form(), 429
        messages = {
            400: _("Deze aanvraag konden we niet verwerken."),
            403: _("U heeft geen toegang tot deze pagina."),
            404: _("Deze pagina bestaat niet (meer)."),
            405: _("Deze pagina kan niet op deze manier worden gebruikt."),
            413: _(
                "De bestanden samen zijn te groot. U kunt hooguit %(n)d bestanden van elk "
                "hooguit %(mb)d MB meesturen.",
                n=current_app.config["MAX_ATTACHMENTS"],
                mb=current_app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024),
            ),
            429: _(
                "U heeft in korte tijd veel verzoeken gedaan. Wacht een paar minuten en "
                "probeer het dan opnieuw."
            ),
        }
        message = messages.get(error.code or 500, _("Er ging iets mis."))
        return render_template(_error_template(), code=error.code, message=message), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InternalError)  # PostgreSQL in read-only mode (ReadOnlySqlTransaction)
    def database_unavailable(error: OperationalError | InternalError):
        # The database is down, restarting or read-only: nothing the person did wrong,
        # and nothing to fix but waiting. A calm 503, not a "something broke" 500.
        from meldpunt.extensions import db

        db.session.rollback()
        reference = secrets.token_hex(4).upper()
        log.error("database unavailable %s (ref %s) on %s", type(error.orig).__name__, reference, request.endpoint)
        return render_template(
            _error_template(),
            code=503,
            reference=reference,
            message=_("Dit lukt op dit moment even niet. Probeer het over een paar minuten opnieuw."),
        ), 503

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        reference = secrets.token_hex(4).upper()
        log.error("unhandled %s (ref %s) on %s", type(error).__name__, reference, request.endpoint)
        return render_template(
            _error_template(),
            code=500,
            reference=reference,
            message=_("Er ging bij ons iets mis. Probeer het over een paar minuten opnieuw."),
        ), 500


def _error_template() -> str:
    """Staff get their error page in the staff frame (navigation, their own footer, a way back
    to the work queue); everyone else in the reporter layout. A path that matched no route has
    no blueprint, so the prefix decides then."""
    staff = request.blueprint in {"backoffice", "stats"} or request.path.startswith(("/beheer", "/statistiek"))
    return "backoffice/error.html" if staff else "errors/error.html"


def _rate_limited_report_form():
    """Too many submissions: show the form again with the text kept, not a bare error."""
    from meldpunt.intake.forms import ReportForm

    form = ReportForm()
    problems = [
        {
            "field": "text",
            "message": _(
                "Er zijn in korte tijd veel meldingen verstuurd. Uw tekst staat er nog: "
                "wacht een paar minuten en verstuur dan opnieuw."
            ),
        }
    ]
    return render_template("public/form.html", form=form, problems=problems, files=[], contact_found=[])
