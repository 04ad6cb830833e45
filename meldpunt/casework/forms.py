"""Casework forms. Labels and messages in Dutch through Babel."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from meldpunt.labels import (
    OUTCOME_LABELS,
    REPORTER_TYPE_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    THEME_LABELS,
    URGENCY_LABELS,
)

REQUIRED = _l("Vul dit veld in.")
# Report numbers are 32-bit integers in the database; a larger number is no report
# (and PostgreSQL would refuse the query: a server error instead of a form error).
MAX_REPORT_ID = 2**31 - 1


# Reports are dated between the meldpunt's start and the near future; a date far outside
# (year 1 or 9999) is a typing slip, and date arithmetic on it would overflow.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def _plausible_date(form, field) -> None:
    if field.data is not None and not EARLIEST_DATE <= field.data <= LATEST_DATE:
        raise ValidationError(_l("Vul een datum in tussen 2000 en 2099, bijvoorbeeld 2026-03-31."))


def _with_empty(labels: dict, empty) -> list:
    return [("", empty), *labels.items()]


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Interne notitie"), validators=[DataRequired(REQUIRED), Length(max=5000)])


class MessageForm(FlaskForm):
    message = TextAreaField(_l("Bericht aan de melder"), validators=[DataRequired(REQUIRED), Length(max=5000)])


class ContactForm(FlaskForm):
    reason = StringField(
        _l("Waarom heeft u de contactgegevens nodig?"),
        validators=[
            DataRequired(REQUIRED),
            Length(min=5, max=300, message=_l("Geef een reden van minstens 5 tekens.")),
        ],
    )


class LinkForm(FlaskForm):
    other_id = IntegerField(
        _l("Nummer van de melding"), validators=[InputRequired(REQUIRED), NumberRange(min=1, max=MAX_REPORT_ID)]
    )


class UnlinkForm(FlaskForm):
    other_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_REPORT_ID)])


class QueueFilterForm(FlaskForm):
    """GET filters of the queue; no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Zoeken in de tekst"), validators=[Optional(), Length(max=200)])
    weergave = SelectField(
        _l("Weergave"),
        choices=[
            ("", _l("Te behandelen")),
            ("nieuw", _l("Nieuw")),
            ("mijn", _l("Mijn meldingen")),
            ("acuut", _l("Acuut")),
            ("wacht_op_melder", _l("Wacht op melder")),
            ("nieuwe_info", _l("Nieuwe info")),
        ],
        validators=[Optional()],
    )
    status = SelectField(
        _l("Status"),
        choices=[
            ("open", _l("Te behandelen (nieuw, in behandeling of nieuwe informatie)")),
            ("alle", _l("Alle")),
            *STATUS_LABELS.items(),
        ],
        default="open",
        validators=[Optional()],
    )
    theme = SelectField(_l("Thema"), choices=_with_empty(THEME_LABELS, _l("Alle thema's")), validators=[Optional()])
    urgency = SelectField(_l("Urgentie"), choices=_with_empty(URGENCY_LABELS, _l("Alle")), validators=[Optional()])
    route = SelectField(_l("Route"), choices=_with_empty(ROUTE_LABELS, _l("Alle routes")), validators=[Optional()])
    review = SelectField(
        _l("Controle nodig"),
        choices=[("", _l("Maakt niet uit")), ("ja", _l("Ja, triage onzeker")), ("nee", _l("Nee"))],
        validators=[Optional()],
    )
    van = DateField(_l("Gemeld vanaf"), validators=[Optional(), _plausible_date])
    tot = DateField(_l("Gemeld tot en met"), validators=[Optional(), _plausible_date])
    postcode = StringField(
        _l("Postcodegebied (4 cijfers)"),
        validators=[Optional(), Regexp(r"^\d{4}$", message=_l("Vul de 4 cijfers van de postcode in."))],
    )
    bijlagen = SelectField(
        _l("Bijlagen"),
        choices=[("", _l("Maakt niet uit")), ("ja", _l("Met bijlagen")), ("nee", _l("Zonder bijlagen"))],
        validators=[Optional()],
    )
    melder = SelectField(
        _l("Soort melder"), choices=_with_empty(REPORTER_TYPE_LABELS, _l("Alle")), validators=[Optional()]
    )


class DecisionPanelForm(FlaskForm):
    """Triage, status and (coordinators) forwarding in one submit; choices set per report."""

    theme = SelectField(_l("Thema"), choices=list(THEME_LABELS.items()), validators=[InputRequired()])
    urgency = SelectField(_l("Urgentie"), choices=list(URGENCY_LABELS.items()), validators=[InputRequired()])
    route = SelectField(_l("Route"), choices=list(ROUTE_LABELS.items()), validators=[InputRequired()])
    status = SelectField(_l("Status"), validators=[Optional()])
    outcome = SelectField(
        _l("Resultaat (bij afronden)"), choices=_with_empty(OUTCOME_LABELS, _l("Geen")), validators=[Optional()]
    )
    forward_to = SelectField(_l("Doorsturen naar"), validators=[Optional()])


class TakeForm(FlaskForm):
    """"Oppakken": no fields but the CSRF token."""


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Toewijzen aan"), validators=[Optional()])


class BulkForm(FlaskForm):
    """Bulk actions from the queue: the ticked reports and what to do with them."""

    action = SelectField(
        _l("Actie voor de gekozen meldingen"),
        choices=[
            ("", _l("Kies een actie")),
            ("toewijzen", _l("Toewijzen")),
            ("niet_ontvankelijk", _l("Afsluiten als niet-ontvankelijk")),
        ],
        validators=[DataRequired(_l("Kies een actie."))],
    )
    assignee = SelectField(_l("Toewijzen aan"), validators=[Optional()])
    outcome = SelectField(
        _l("Resultaat bij afsluiten"), choices=_with_empty(OUTCOME_LABELS, _l("Kies een resultaat")),
        validators=[Optional()],
    )


class PartnerFeedbackForm(FlaskForm):
    outcome = SelectField(
        _l("Wat is er met de melding gedaan?"),
        choices=_with_empty(OUTCOME_LABELS, _l("Nog niets te melden")),
        validators=[Optional()],
    )
    question = TextAreaField(
        _l("Vraag aan het meldpunt (niet verplicht)"), validators=[Optional(), Length(max=3000)]
    )


class TemplateForm(FlaskForm):
    theme = SelectField(_l("Thema"), choices=list(THEME_LABELS.items()), validators=[InputRequired()])
    title = StringField(_l("Naam van het sjabloon"), validators=[DataRequired(REQUIRED), Length(max=120)])
    body = TextAreaField(_l("Tekst"), validators=[DataRequired(REQUIRED), Length(max=5000)])
