"""The thank-you page is rendered once per language and kind of advice and reused with each
reporter's own receipt code: the reused page is exactly the page a full render gives."""

from __future__ import annotations

import pytest

from meldpunt.intake import thanks_page

RECEIPTS = [
    {"code": "ABCD-EFGH-JKLM-NPQR", "theme": "drugslab", "urgency": "hoog", "danger_now": None,
     "reporter_type": "bewoner"},
    {"code": "WXYZ-2345-6789-ABCD", "theme": "drugslab", "urgency": "hoog", "danger_now": None,
     "reporter_type": "bewoner"},
    {"code": "QRST-UVWX-YZ23-4567", "theme": "mensenhandel", "urgency": "acuut", "danger_now": True,
     "reporter_type": "slachtoffer"},
    {"code": "MNPQ-RSTU-VWXY-Z234", "theme": None, "urgency": None, "danger_now": False,
     "reporter_type": "onbekend"},
]


@pytest.mark.parametrize("language", ["nl", "en", "ar"])
def test_reused_page_is_the_page_a_full_render_gives(app, language):
    from meldpunt.intake.views import _advice_template

    for receipt in RECEIPTS * 2:  # the second round comes from the cache
        with app.test_request_context("/melden/bedankt"):
            from flask import session

            session["lang"] = language
            template = _advice_template(receipt["theme"])
            assert thanks_page.thanks_page(receipt, template) == thanks_page.render(receipt, template)
    assert len(app.extensions["meldpunt_thanks_pages"]) == 3  # two receipts share a page


def test_each_reporter_sees_only_their_own_code(app, client):
    from tests.helpers import receipt_code_from, soup, submit

    codes = []
    for _ in range(2):
        assert submit(client).status_code == 303
        codes.append(receipt_code_from(client))
    assert codes[0] != codes[1] and all(len(code) == 19 for code in codes)
    assert len(app.extensions["meldpunt_thanks_pages"]) == 1
    # A reload shows the reporter's own code again, never the placeholder.
    again = client.get("/melden/bedankt")
    assert "receiptcode" not in again.get_data(as_text=True)
    assert soup(again).select_one(".receipt-code strong").get_text() == codes[1]
