"""The thank-you page, rendered once per language and kind of advice, then reused.

After the report itself, rendering this page (the base layout, the advice for the
theme, some forty translated strings, the number isolation over the whole page) was
the largest cost of a submission. Everything on it follows from the language, the
address and five values of the receipt (theme, urgency, danger answer, reporter
type, number of files), except the receipt code. So the page is rendered once per combination with a
placeholder where the code goes, kept in a small per-process cache, and the code is
put in for each reporter, in its groups (formatting.receipt_code), as the template shows it.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections import OrderedDict
from typing import Any

from flask import current_app, render_template, request
from flask_babel import get_locale

from meldpunt.formatting import receipt_code

# Languages times themes times the few urgencies and answers that occur; the least
# recently used page goes first.
MAX_PAGES = 256
# Letters only: no number isolation, phone or code pattern and no escaping touches it.
_CODE_PLACEHOLDER = "receiptcode" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(24))
# The placeholder as the template shows it (one group, no dash), replaced as a whole by
# the reporter's code in groups.
_PLACEHOLDER_MARKUP = str(receipt_code(_CODE_PLACEHOLDER))
_lock = threading.Lock()


def reopen_seconds() -> int:
    """How long the same browser session may open the thank-you page again (views.thanks).

    Phones reload a tab after the reporter switched apps (to write the code down); after
    this time, or after "Ik heb de code bewaard", the code is gone from the device for
    good. It is the session's own lifetime (15 minutes): the signed session cookie is
    refused after that anyway, so a longer promise could not be kept.
    """
    return int(current_app.permanent_session_lifetime.total_seconds())


def render(receipt: dict[str, Any], advice_template: str) -> str:
    return render_template(
        "public/thanks.html",
        receipt=receipt,
        advice_template=advice_template,
        reopen_minutes=reopen_seconds() // 60,
    )


def thanks_page(receipt: dict[str, Any], advice_template: str) -> str:
    """The thank-you page for ``receipt`` (code, theme, urgency, danger_now, reporter_type, files)."""
    app = current_app
    if app.debug or app.config.get("TEMPLATES_AUTO_RELOAD"):
        return render(receipt, advice_template)
    shape = {key: receipt.get(key) for key in ("theme", "urgency", "danger_now", "reporter_type", "files")}
    cache_key = (str(get_locale()), request.full_path, advice_template, tuple(sorted(shape.items(), key=str)))
    pages: OrderedDict[tuple, str] = app.extensions.setdefault("meldpunt_thanks_pages", OrderedDict())
    with _lock:
        page = pages.get(cache_key)
        if page is not None:
            pages.move_to_end(cache_key)
    if page is None:
        page = render({**shape, "code": _CODE_PLACEHOLDER}, advice_template)
        if page.count(_PLACEHOLDER_MARKUP) != 1:
            return render(receipt, advice_template)  # the template changed shape: no reuse
        with _lock:
            pages[cache_key] = page
            while len(pages) > MAX_PAGES:
                pages.popitem(last=False)
    return page.replace(_PLACEHOLDER_MARKUP, str(receipt_code(str(receipt["code"]))), 1)
