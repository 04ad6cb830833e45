"""The queue's filters as they travel in URLs: from the queue to a report and on to the next one.

The report page keeps the queue's query string, so "next" and "previous" (links,
keyboard shortcuts, the decision panel) walk the view the worker came from.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from meldpunt.casework import queue
from meldpunt.casework.forms import QueueFilterForm


def yes_no(value: str | None) -> bool | None:
    return {"ja": True, "nee": False}.get(value or "")


def filters_from_form(form: QueueFilterForm, staff_id: int | None) -> queue.QueueFilters:
    return queue.QueueFilters(
        status=form.status.data or "open",
        theme=form.theme.data or None,
        urgency=form.urgency.data or None,
        route=form.route.data or None,
        review=yes_no(form.review.data),
        date_from=form.van.data,
        date_to=form.tot.data,
        postcode_area=form.postcode.data or None,
        has_attachments=yes_no(form.bijlagen.data),
        reporter_type=form.melder.data or None,
        query=form.q.data or None,
        view=form.weergave.data or None,
        assignee_id=staff_id,
    )


def parse(args: MultiDict, staff_id: int | None) -> tuple[QueueFilterForm, queue.QueueFilters, bool]:
    form = QueueFilterForm(args)
    valid = form.validate()
    return form, (filters_from_form(form, staff_id) if valid else queue.QueueFilters(assignee_id=staff_id)), valid


def kept(args: MultiDict) -> dict[str, str]:
    """The queue arguments worth carrying along (no page number, nothing empty, nothing unknown)."""
    names = {name for name in QueueFilterForm.__dict__ if not name.startswith("_") and name != "Meta"}
    return {name: args[name] for name in sorted(names) if isinstance(args.get(name), str) and args.get(name)}


def query_string(args: dict[str, Any]) -> str:
    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in args.items() if v}
    return ("?" + urlencode(clean)) if clean else ""
