"""Absurd input in back-office URLs gets a clear answer, never a server error."""

from __future__ import annotations

import pytest

from tests.backoffice.conftest import new_report, soup

NINES = "9" * 30


@pytest.mark.parametrize("query", ["van=0001-01-01", "tot=9999-12-31", "van=1999-12-31&tot=0001-01-01"])
def test_dates_outside_any_report_give_a_message_at_the_field(app, staff_client, query):
    new_report(app)
    client, _ = staff_client("coordinator")
    response = client.get(f"/beheer?{query}")
    assert response.status_code in (200, 422)
    assert "Vul een datum in tussen 2000 en 2099" in response.get_data(as_text=True)


def test_a_plausible_date_filter_still_works(app, staff_client):
    new_report(app)
    client, _ = staff_client("coordinator")
    response = client.get("/beheer?van=2000-01-01&tot=2099-12-31")
    assert response.status_code == 200
    assert "Vul een datum in tussen" not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", [NINES, "-5", "abc", "1e9", "0"])
def test_audit_page_numbers_of_any_size_show_a_page(staff_client, page):
    client, _ = staff_client("admin")
    response = client.get(f"/beheer/audit?pagina={page}")
    assert response.status_code == 200
    assert soup(response).find("main") is not None


@pytest.mark.parametrize("page", [NINES, "-1", "x"])
def test_partner_inbox_page_numbers_of_any_size_show_a_page(app, staff_client, page):
    client, _ = staff_client("partner", route="politie")
    response = client.get(f"/beheer/partner?pagina={page}")
    assert response.status_code == 200


def _file_part(name: str):
    import io

    return (io.BytesIO(b"x"), "a.txt")


def test_a_field_sent_as_a_file_on_the_sign_in_page_is_bad_input(app):
    from tests.helpers import csrf_token

    client = app.test_client()
    token = csrf_token(client, "/beheer/login")
    response = client.post(
        "/beheer/login",
        data={"csrf_token": token, "password": "x", "email": _file_part("email")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("form", ["notitie", "bericht"])
def test_a_field_sent_as_a_file_on_a_staff_form_is_bad_input(app, staff_client, form):
    from tests.helpers import csrf_token

    client, _ = staff_client("coordinator")
    report_id, _ = new_report(app)
    token = csrf_token(client, f"/beheer/melding/{report_id}")
    response = client.post(
        f"/beheer/melding/{report_id}/{form}",
        data={"csrf_token": token, "text": _file_part("text"), "body": _file_part("body")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
