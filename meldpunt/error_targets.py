"""The error summary of a form, and where each of its links takes the keyboard focus.

``form_problems`` is the one helper that turns form errors into the summary at
the top of a page (reporter and staff pages alike); each item links to its field.

A summary link points at ``#<id>``; following it moves focus to that element
only when it can take focus. A radio group's id belongs to its ``<fieldset>``,
which cannot, so the link would leave a keyboard or screen-reader user at the
top of the page. For radio groups we link to the chosen option, or the first
one, the way the GOV.UK and NL Design System error summaries do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def field_anchor(field: Any) -> str:
    """The element id an error-summary link for ``field`` should point at."""
    if getattr(field, "type", None) == "RadioField":
        options = list(field)
        chosen = [option for option in options if option.checked]
        if chosen or options:
            return (chosen or options)[0].id
    return field.id


def named(field: Any, message: str) -> str:
    """``message`` introduced by the field's label ("Bericht aan de melder: Vul dit veld in."),
    so a summary with two "Vul dit veld in." says which field each one is about."""
    label = getattr(getattr(field, "label", None), "text", "")
    label = str(label).strip() if label else ""
    if not label or str(message).startswith(label):
        return str(message)
    return f"{label}: {message}"


def form_problems(*forms: Any, expired: tuple[str, Any], extra: Iterable[dict[str, str]] = (),
                  name_fields: bool = False) -> list[dict[str, str]]:
    """Errors of one or more forms (``None`` skipped) for the error summary, each linking to its field.

    ``expired`` is the (field, message) shown instead of a CSRF error: what a person
    should do about an expired form differs per page. ``extra`` items go last.
    ``name_fields`` puts each field's label before its message (the back office, whose
    pages carry several forms with the same short messages).
    """
    found = []
    for form in forms:
        if form is None:
            continue
        for name, messages in form.errors.items():
            if name == "csrf_token":
                found.append({"field": expired[0], "message": str(expired[1])})
                continue
            field = getattr(form, name, None)
            anchor = field_anchor(field) if field is not None else name
            found.extend({"field": anchor, "message": named(field, message) if name_fields else message}
                         for message in messages)
    found.extend(extra)
    return found


def add_problem(form: Any, field: str, message: str) -> None:
    """Add an error a service found to a form field, so the summary and the field show it."""
    getattr(form, field).errors = [*getattr(form, field).errors, message]
