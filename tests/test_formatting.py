"""One date format everywhere staff and reporters read a moment: "7 dec 2026 05:46"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale

from meldpunt.formatting import format_age, format_date_local, format_datetime_local


def test_one_format_in_amsterdam_time(app):
    moment = datetime(2026, 12, 7, 4, 46, tzinfo=UTC)  # 05:46 in Amsterdam (winter time)
    with app.test_request_context("/"):
        with force_locale("nl"):
            # Isolated in a <bdi> that takes its direction from its own text (issue 19).
            assert format_datetime_local(moment) == "<bdi>7 dec 2026 05:46</bdi>"
            # The old style arguments no longer pick another format.
            assert format_datetime_local(moment, "short") == format_datetime_local(moment, "long")
            assert format_date_local(moment) == "<bdi>7 dec 2026</bdi>"
            assert format_age(moment - timedelta(days=3, hours=2), moment) == "3 dagen"
        with force_locale("en"):
            assert format_datetime_local(moment) == "<bdi>7 Dec 2026 05:46</bdi>"


def test_templates_use_only_the_helper():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "strftime" not in text and "|datetimeformat" not in text, template
