"""Where a link in an error summary should take the keyboard focus.

A summary link points at ``#<id>``; following it moves focus to that element
only when it can take focus. A radio group's id belongs to its ``<fieldset>``,
which cannot, so the link would leave a keyboard or screen-reader user at the
top of the page. For radio groups we link to the chosen option, or the first
one, the way the GOV.UK and NL Design System error summaries do.
"""

from __future__ import annotations

from typing import Any


def field_anchor(field: Any) -> str:
    """The element id an error-summary link for ``field`` should point at."""
    if getattr(field, "type", None) == "RadioField":
        options = list(field)
        chosen = [option for option in options if option.checked]
        if chosen or options:
            return (chosen or options)[0].id
    return field.id
