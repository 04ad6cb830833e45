"""Reporter-facing forms. Every message is Dutch first, through Babel."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from meldpunt.labels import (
    HEARD_VIA_LABELS,
    ONGOING_LABELS,
    PLACE_TYPE_LABELS,
    REPORTER_TYPE_LABELS,
    choices,
)
from meldpunt.plaintext import is_valid_postcode

TEXT_MIN, TEXT_MAX = 20, 10_000
_PHONE_CHARS = re.compile(r"^[0-9+()\s-]{8,20}$")
CAMPAIGN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def clean_campaign(value: str | None) -> str | None:
    """A campaign code from ``?c=``: short and plain, or nothing at all."""
    if value and CAMPAIGN_PATTERN.match(value):
        return value.lower()
    return None


class AttachmentFieldsMixin:
    files = MultipleFileField(_l("Foto's of documenten toevoegen (niet verplicht)"))
    # Token of the uploads kept from an earlier attempt (storage.py).
    upload_token = HiddenField()
    keep_files = SelectMultipleField(choices=[], validate_choice=False)


class ReportForm(AttachmentFieldsMixin, FlaskForm):
    text = TextAreaField(
        _l("Wat heeft u gezien of gehoord?"),
        validators=[
            InputRequired(message=_l("Vertel in een paar zinnen wat u heeft gezien of gehoord.")),
            Length(
                min=TEXT_MIN,
                max=TEXT_MAX,
                message=_l(
                    "Uw beschrijving moet tussen %(min)d en %(max)d tekens lang zijn.",
                    min=TEXT_MIN,
                    max=TEXT_MAX,
                ),
            ),
        ],
    )
    location = StringField(
        _l("Waar is het? (adres, naam van een bedrijf of een omschrijving)"),
        validators=[Optional(), Length(max=300, message=_l("Gebruik hier hooguit 300 tekens."))],
    )
    postcode = StringField(
        _l("Postcode (als u die weet)"),
        validators=[Optional(), Length(max=10)],
    )
    place_type = RadioField(
        _l("Wat voor plek is het?"), choices=choices(PLACE_TYPE_LABELS), default="onbekend"
    )
    occurred = StringField(
        _l("Wanneer zag of hoorde u het?"),
        validators=[Optional(), Length(max=200, message=_l("Gebruik hier hooguit 200 tekens."))],
    )
    ongoing = RadioField(
        _l("Gebeurt het nu nog?"), choices=choices(ONGOING_LABELS), default="onbekend"
    )
    reporter_type = RadioField(
        _l("Hoe kwam u dit tegen?"), choices=choices(REPORTER_TYPE_LABELS), default="onbekend"
    )
    heard_via = SelectField(
        _l("Hoe kent u het meldpunt? (niet verplicht)"), choices=choices(HEARD_VIA_LABELS), default=""
    )
    campaign = HiddenField()

    anonymity = RadioField(
        _l("Wilt u anoniem melden?"),
        choices=[
            ("anoniem", _l("Ja, ik meld anoniem")),
            ("contact", _l("Nee, ik geef mijn contactgegevens")),
        ],
        default="anoniem",
    )
    name = StringField(_l("Naam"), validators=[Optional(), Length(max=120)])
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            Optional(),
            Length(max=254),
            Email(message=_l("Dit e-mailadres klopt niet. Controleer het nog eens."), check_deliverability=False),
        ],
    )
    phone = TelField(_l("Telefoonnummer"), validators=[Optional(), Length(max=20)])
    share_identity = RadioField(
        _l("Mogen wij uw naam en contactgegevens doorgeven aan de politie of een andere partner?"),
        choices=[("nee", _l("Nee")), ("ja", _l("Ja"))],
        default="nee",
    )
    email_notice = RadioField(
        _l("Wilt u een e-mail krijgen als er een nieuw bericht voor u is?"),
        choices=[("nee", _l("Nee")), ("ja", _l("Ja"))],
        default="nee",
    )
    # Set by the "send as it is" button on the anonymity warning.
    confirm_anyway = HiddenField(default="")
    # Honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Laat dit veld leeg"))

    def validate_postcode(self, field: StringField) -> None:
        if field.data and not is_valid_postcode(field.data):
            raise ValidationError(_l("Een postcode bestaat uit 4 cijfers en 2 letters, zoals 1234 AB."))

    def validate_phone(self, field: TelField) -> None:
        if field.data and not _PHONE_CHARS.match(field.data.strip()):
            raise ValidationError(_l("Dit telefoonnummer klopt niet. Gebruik alleen cijfers, spaties of +."))

    def validate_anonymity(self, field: RadioField) -> None:
        if field.data == "contact" and not ((self.email.data or "").strip() or (self.phone.data or "").strip()):
            raise ValidationError(
                _l(
                    "U koos voor melden met contactgegevens. Vul een e-mailadres of "
                    "telefoonnummer in, of kies voor anoniem melden."
                )
            )

    @property
    def is_anonymous(self) -> bool:
        return self.anonymity.data != "contact"


class ReceiptForm(FlaskForm):
    code = StringField(
        _l("Uw meldcode"),
        validators=[InputRequired(message=_l("Vul de meldcode in die u kreeg na het melden."))],
    )


class AddInformationForm(AttachmentFieldsMixin, FlaskForm):
    text = TextAreaField(
        _l("Wat wilt u toevoegen of antwoorden?"),
        validators=[Optional(), Length(max=TEXT_MAX, message=_l("Gebruik hooguit %(max)d tekens.", max=TEXT_MAX))],
    )
