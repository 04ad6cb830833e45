"""Small HTTP edges that monitors and browsers hit: HEAD on the form, the favicon."""

from __future__ import annotations

from sqlalchemy import func, select


def _form_views(app) -> int:
    from meldpunt import counters
    from meldpunt.extensions import db
    from meldpunt.models import DailyCounter

    with app.app_context():
        counters.flush_local()  # views are added up in the process and written in batches
        return db.session.scalar(select(func.coalesce(func.sum(DailyCounter.count), 0))
                                 .where(DailyCounter.name == "form_view")) or 0


def test_head_on_the_form_answers_200_and_counts_no_view(app, client):
    before = _form_views(app)
    response = client.head("/melden")
    assert response.status_code == 200
    assert _form_views(app) == before
    assert client.get("/melden").status_code == 200
    assert _form_views(app) == before + 1


def test_the_favicon_is_served_from_our_own_host(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
