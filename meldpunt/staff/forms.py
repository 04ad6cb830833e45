"""Staff forms: sign-in, TOTP set-up and account administration. Dutch through Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

REQUIRED = _l("Vul dit veld in.")


class LoginForm(FlaskForm):
    email = StringField(_l("E-mailadres"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(REQUIRED), Length(max=200)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code uit uw authenticator-app"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("De code bestaat uit 6 cijfers.")),
        ],
    )


class SetupForm(CodeForm):
    new_password = PasswordField(_l("Nieuw wachtwoord"), validators=[Optional(), Length(max=200)])
    repeat_password = PasswordField(_l("Herhaal het nieuwe wachtwoord"), validators=[Optional(), Length(max=200)])


class UserForm(FlaskForm):
    active = BooleanField(_l("Actief"))
