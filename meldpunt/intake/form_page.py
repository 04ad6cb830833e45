"""The empty report form, rendered once per language and address, then reused.

Rendering the form (six radio groups through macros, about eighty translated
strings) costs more than everything else a GET does. For a visitor who has not
sent anything yet the page is the same for everyone with the same language and
the same address (the campaign code in ``?c=`` and the language links depend on
it), except for two values: the CSRF token and the form's one-time submission
key. So the page is rendered once with placeholders for those two, kept in a
small per-process cache, and each request fills in its own values. A page with
errors or kept files is always rendered in full.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from meldpunt.intake import submission_keys
from meldpunt.intake.forms import ReportForm, clean_campaign

# Enough for every language times a handful of campaign addresses; odd addresses
# (made-up query strings) push out the least recently used page, nothing more.
MAX_PAGES = 64
# Placeholders that escaping leaves alone and no page text contains.
_CSRF_PLACEHOLDER = "csrf0" + secrets.token_hex(12)
_KEY_PLACEHOLDER = "key0" + secrets.token_hex(12)
_lock = threading.Lock()


def _render(campaign: str | None, csrf_token: str, submission_key: str) -> str:
    form = ReportForm()
    form.campaign.data = campaign
    form.csrf_token.current_token = csrf_token
    g.submission_key = submission_key
    return render_template("public/form.html", form=form, problems=[], files=[], contact_found=[])


def empty_form_page() -> str:
    """The report form for a new visitor, with a fresh CSRF token and submission key."""
    campaign = clean_campaign(request.args.get("c"))
    token, key = generate_csrf(), submission_keys.new_key()
    app = current_app
    if app.debug or app.config.get("TEMPLATES_AUTO_RELOAD"):
        return _render(campaign, token, key)
    pages: OrderedDict[tuple[str, str], str] = app.extensions.setdefault("meldpunt_form_pages", OrderedDict())
    cache_key = (str(get_locale()), request.full_path)
    with _lock:
        page = pages.get(cache_key)
        if page is not None:
            pages.move_to_end(cache_key)
    if page is None:
        page = _render(campaign, _CSRF_PLACEHOLDER, _KEY_PLACEHOLDER)
        if page.count(_CSRF_PLACEHOLDER) != 1 or page.count(_KEY_PLACEHOLDER) != 1:
            return _render(campaign, token, key)  # the template changed shape: no reuse
        with _lock:
            pages[cache_key] = page
            while len(pages) > MAX_PAGES:
                pages.popitem(last=False)
    g.submission_key = key
    return page.replace(_CSRF_PLACEHOLDER, token, 1).replace(_KEY_PLACEHOLDER, key, 1)
