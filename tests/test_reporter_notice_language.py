"""Finding 5 of the outside test: the notice e-mail comes in the language of the reporter.

A reporter who used the form in Polish got "Er staat een nieuw bericht voor u klaar…":
the notice's strings were only in the back office's catalogue (Dutch and English), and
the language used was that of the report's text, not of the form.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from meldpunt.casework import staff_messages
from meldpunt.extensions import db
from meldpunt.models import OutboxMessage, Report, StaffUser
from tests.backoffice.conftest import make_account
from tests.helpers import submit

DUTCH_SUBJECT = "Er staat een nieuw bericht voor u klaar"
# A word every translation of the subject must contain, to tell the languages apart.
SUBJECT_WORD = {"en": "message", "pl": "wiadomość", "ro": "mesaj", "tr": "mesaj", "ar": "رسالة"}


@pytest.mark.parametrize("language", ["nl", "en", "pl", "ro", "tr", "ar"])
def test_the_notice_is_in_the_language_of_the_form(app, client, language):
    client.get(f"/taal/{language}?next=/melden")
    # The text is Dutch: the form's language decides, not the text's.
    response = submit(client, anonymity="contact", email="karel@example.org", email_notice="ja")
    assert response.status_code == 303
    coordinator = make_account(app, "coordinator")
    with app.app_context():
        report = db.session.scalar(select(Report))
        assert report.language == "nl"
        staff_messages.send_message(report.id, db.session.get(StaffUser, coordinator.id), "Welke dag was het?")
        notice = db.session.scalars(select(OutboxMessage)).one()
    if language == "nl":
        assert notice.subject == DUTCH_SUBJECT
        return
    assert notice.subject != DUTCH_SUBJECT
    assert SUBJECT_WORD[language] in notice.subject.lower()
    assert "Goedendag" not in notice.body and "/opvolgen" in notice.body
    assert "Welke dag" not in notice.body  # never the message itself


def test_an_older_report_without_the_form_language_uses_its_text_language(app):
    with app.app_context():
        report = Report(language="pl", contact_encrypted=None)
        assert staff_messages.notice_language(report) == "pl"
