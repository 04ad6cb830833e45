"""Reporter-facing forms. Every message is Dutch first, through Babel."""

from __future__ import annotations

import re
from functools import lru_cache

from babel import support
from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    EmailField,
    FileField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from meldpunt.labels import (
    HEARD_VIA_LABELS,
    ONGOING_LABELS,
    PLACE_TYPE_LABELS,
    REPORTER_TYPE_LABELS,
    choices,
)
from meldpunt.plaintext import TEXT_MAX, clean_text, is_valid_postcode, visible_length

TEXT_MIN = 20


@lru_cache(maxsize=16)
def _wtforms_translations(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


_PHONE_CHARS = re.compile(r"^[0-9+()\s-]{8,20}$")
CAMPAIGN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def clean_campaign(value: str | None) -> str | None:
    """A campaign code from ``?c=``: short and plain, or nothing at all."""
    if value and CAMPAIGN_PATTERN.match(value):
        return value.lower()
    return None


# Shown for a choice that is not on the form (only a changed or very old page sends one).
_INVALID_CHOICE = _l("Kies een van de mogelijkheden.")
_POSTCODE_MESSAGE = _l("Een postcode bestaat uit 4 cijfers en 2 letters, zoals 1234 AB.")


class OptionalRadioField(RadioField):
    """A radio question the reporter may leave unanswered (no option chosen is no error)."""

    def pre_validate(self, form) -> None:
        value = getattr(self, "data", None)
        if value in (None, ""):
            self.data = None
            return
        super().pre_validate(form)


# "Is er nu iemand in gevaar?": the form's answer -> the stored value and the triage's
# ``danger_now`` (taxonomy.md): True, False, or None for "weet ik niet" / no answer.
DANGER_ANSWERS = {"ja": True, "nee": False, "weet_niet": None}


class ReporterForm(FlaskForm):
    """One message per field: the first problem found, in plain Dutch.

    Every validator carries its own message; without one WTForms would show its
    own wording ("Veld mag niet langer zijn dan 10 karakters"), and a field with
    two problems (too long and the wrong format) would show both at once.
    """

    class Meta:
        def get_translations(self, form):
            """WTForms' own messages, loaded once per language instead of on every request.

            Flask-WTF reads the WTForms catalogue from disk for each request that
            validates a form; every validator here has its own message, so the
            catalogue only covers the odd built-in message and can stay in memory.
            """
            return _wtforms_translations(str(get_locale() or "nl"))

        def wrap_formdata(self, form, formdata):
            """Only the file fields take file parts; nothing but the HTML form counts as input.

            Flask-WTF offers every field the request's files as well as its form
            values, so a text field sent as a multipart file part (any client can
            send one) would reach the validators as a file object. Such a part is
            left out and its field name kept in ``form.misplaced``; the view then
            refuses the request as bad input. A JSON body is not a form either.
            """
            if formdata is None or hasattr(formdata, "getlist"):
                return super().wrap_formdata(form, formdata)  # given by the caller
            # Otherwise Flask-WTF's "take it from the request".
            if not form.is_submitted():
                return None
            if request.is_json:
                form.misplaced.append("json")
            if not (request.form or request.files):
                return None
            file_fields = {field.name for field in form if isinstance(field, FileField)}
            values = MultiDict(request.form.items(multi=True))
            for name, upload in request.files.items(multi=True):
                if name in file_fields:
                    values.add(name, upload)
                else:
                    form.misplaced.append(name)
            return values

    def __init__(self, *args, **kwargs) -> None:
        # Set before the fields are processed: wrap_formdata fills it.
        self.misplaced: list[str] = []
        super().__init__(*args, **kwargs)

    @property
    def first_misplaced_field(self) -> str:
        """The form field to point the bad-input message at (the first one sent wrongly)."""
        names = {field.name for field in self}
        return next((name for name in self.misplaced if name in names), "")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if len(field.errors) > 1:
                field.errors = list(field.errors)[:1]
        return valid


class AttachmentFieldsMixin:
    files = MultipleFileField(_l("Foto's of documenten toevoegen (niet verplicht)"))
    # Token of the uploads kept from an earlier attempt (storage.py).
    upload_token = HiddenField()
    keep_files = SelectMultipleField(choices=[], validate_choice=False)


class ReportForm(AttachmentFieldsMixin, ReporterForm):
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
        validators=[Optional(), Length(max=10, message=_POSTCODE_MESSAGE)],
    )
    place_type = RadioField(
        _l("Wat voor plek is het?"),
        choices=choices(PLACE_TYPE_LABELS),
        default="onbekend",
        invalid_choice_message=_INVALID_CHOICE,
    )
    occurred = StringField(
        _l("Wanneer zag of hoorde u het?"),
        validators=[Optional(), Length(max=200, message=_l("Gebruik hier hooguit 200 tekens."))],
    )
    ongoing = RadioField(
        _l("Gebeurt het nu nog?"),
        choices=choices(ONGOING_LABELS),
        default="onbekend",
        invalid_choice_message=_INVALID_CHOICE,
    )
    danger_now = OptionalRadioField(
        _l("Is er nu iemand in gevaar?"),
        choices=[("ja", _l("Ja")), ("nee", _l("Nee")), ("weet_niet", _l("Weet ik niet"))],
        default=None,
        invalid_choice_message=_INVALID_CHOICE,
    )
    reporter_type = RadioField(
        _l("Hoe kwam u dit tegen?"),
        choices=choices(REPORTER_TYPE_LABELS),
        default="onbekend",
        invalid_choice_message=_INVALID_CHOICE,
    )
    heard_via = SelectField(
        _l("Hoe kent u het meldpunt? (niet verplicht)"),
        choices=choices(HEARD_VIA_LABELS),
        default="",
        invalid_choice_message=_INVALID_CHOICE,
    )
    campaign = HiddenField()

    anonymity = RadioField(
        _l("Wilt u anoniem melden?"),
        choices=[
            ("anoniem", _l("Ja, ik meld anoniem")),
            ("contact", _l("Nee, ik geef mijn contactgegevens")),
        ],
        default="anoniem",
        invalid_choice_message=_INVALID_CHOICE,
    )
    name = StringField(
        _l("Naam"), validators=[Optional(), Length(max=120, message=_l("Gebruik hier hooguit 120 tekens."))]
    )
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            Optional(),
            Length(max=254, message=_l("Dit e-mailadres is te lang. Gebruik hooguit 254 tekens.")),
            Email(message=_l("Dit e-mailadres klopt niet. Controleer het nog eens."), check_deliverability=False),
        ],
    )
    phone = TelField(
        _l("Telefoonnummer"),
        validators=[
            Optional(),
            Length(max=20, message=_l("Dit telefoonnummer is te lang. Gebruik hooguit 20 tekens.")),
        ],
    )
    share_identity = RadioField(
        _l("Mogen wij uw naam en contactgegevens doorgeven aan de politie of een andere partner?"),
        choices=[("nee", _l("Nee")), ("ja", _l("Ja"))],
        default="nee",
        invalid_choice_message=_INVALID_CHOICE,
    )
    email_notice = RadioField(
        _l("Wilt u een e-mail krijgen als er een nieuw bericht voor u is?"),
        choices=[("nee", _l("Nee")), ("ja", _l("Ja"))],
        default="nee",
        invalid_choice_message=_INVALID_CHOICE,
    )
    # Set by the "send as it is" button on the anonymity warning.
    confirm_anyway = HiddenField(default="")
    # Honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Laat dit veld leeg"))

    def validate_text(self, field: TextAreaField) -> None:
        # Checked on the text as it would be stored: markup, spaces and invisible characters do not count.
        data = field.data
        if isinstance(data, str) and len(data) <= TEXT_MAX and visible_length(clean_text(data)) < TEXT_MIN:
            raise ValidationError(
                _l(
                    "Er blijft te weinig tekst over: code en opmaak (zoals HTML) halen wij weg. "
                    "Beschrijf in gewone woorden wat u heeft gezien of gehoord, in minstens %(min)d tekens.",
                    min=TEXT_MIN,
                )
            )

    def validate_postcode(self, field: StringField) -> None:
        if field.data and not is_valid_postcode(field.data):
            raise ValidationError(_POSTCODE_MESSAGE)

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
    def danger_answer(self) -> bool | None:
        """The answer as stored and passed to the triage (``DANGER_ANSWERS``)."""
        return DANGER_ANSWERS.get(self.danger_now.data or "")

    @property
    def is_anonymous(self) -> bool:
        return self.anonymity.data != "contact"


class ReceiptForm(ReporterForm):
    code = StringField(
        _l("Uw meldcode"),
        validators=[InputRequired(message=_l("Vul de meldcode in die u kreeg na het melden."))],
    )
    # An answer (and its uploads) sent from the follow-up page after the session had
    # expired: carried through this form in the page itself, never in the URL, and
    # put back in the answer box once the code has opened the report again.
    carried_text = HiddenField()
    upload_token = HiddenField()

    @property
    def carries_answer(self) -> bool:
        return bool((self.carried_text.data or "").strip() or self.upload_token.data)


class AddInformationForm(AttachmentFieldsMixin, ReporterForm):
    text = TextAreaField(
        _l("Wat wilt u toevoegen of antwoorden?"),
        validators=[Optional(), Length(max=TEXT_MAX, message=_l("Gebruik hooguit %(max)d tekens.", max=TEXT_MAX))],
    )
    # Set by the "send as it is" button on the anonymity warning, as on the report form.
    confirm_anyway = HiddenField(default="")
