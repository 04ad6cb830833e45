"""The "there is a new message for you" e-mail to a reporter, in the reporter's language.

Its strings are reporter-visible, so they live here, in a module of the reporter
catalogue (babel-reporter.cfg): every reporter language must translate them. They used
to sit in the back office's messages module, whose strings only English translates, so a
Polish (Romanian, Turkish, Arabic) reporter got the Dutch text.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _


def notice_text(language: str | None) -> tuple[str, str]:
    """Subject and body of the notice e-mail: no content at all, in ``language`` if offered."""
    offered = current_app.config["AVAILABLE_LANGUAGES"]
    with force_locale(language if language in offered else "nl"):
        subject = _("Er staat een nieuw bericht voor u klaar")
        body = _(
            "Goedendag,\n\n"
            "Er staat een nieuw bericht voor u klaar bij %(name)s. U leest het op %(url)s "
            "met de code die u kreeg toen u uw melding deed.\n\n"
            "In deze e-mail staat bewust geen inhoud.\n",
            name=current_app.config["MUNICIPALITY_NAME"],
            url=current_app.config["BASE_URL"].rstrip("/") + "/opvolgen",
        )
    return subject, body
