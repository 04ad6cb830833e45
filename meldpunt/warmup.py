"""Loading what the reporter's path needs when a worker starts, not in a reporter's request.

A fresh gunicorn worker (at start and after every ``max_requests`` recycle) otherwise
loads the triage model, configures the database mappers, compiles the form,
thank-you and advice templates and renders the empty form during its first report: about 0.3 s of CPU that the
first reporter waits for, and that the worker spends while others queue behind it.
Nothing here touches the database or the network.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.orm import configure_mappers

import triage

log = logging.getLogger(__name__)

# The pages of a report's path: the form, the thank-you page with every advice.
_TEMPLATES = ("public/form.html", "public/thanks.html", "public/thanks_gone.html")


def warm_up(app: Flask) -> None:
    """Load the packaged triage model, configure the mappers and compile the reporter templates."""
    with app.app_context():
        triage.get_engine()
        configure_mappers()
        names = list(_TEMPLATES)
        names += [name for name in app.jinja_env.list_templates() if name.startswith("public/perspectief/")]
        for name in names:
            app.jinja_env.get_template(name)
    # The empty form in the default language, into the page cache the first visitor reads.
    with app.test_request_context("/melden"):
        from meldpunt.intake import form_page

        form_page.empty_form_page()
