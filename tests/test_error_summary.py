"""The one error-summary helper (meldpunt/error_targets.py), for reporter and staff pages alike."""

from __future__ import annotations

from types import SimpleNamespace

from meldpunt.error_targets import add_problem, form_problems


def _field(id_: str, errors=()):
    return SimpleNamespace(id=id_, type="StringField", errors=list(errors))


def _form(**fields):
    errors = {name: list(field.errors) for name, field in fields.items() if field.errors}
    return SimpleNamespace(errors=errors, **fields)


def test_every_error_links_to_its_field_in_form_order_and_extra_items_come_last():
    first = _form(text=_field("text", ["Vul dit veld in."]), location=_field("location"))
    second = _form(reason=_field("contact-reason", ["Te kort.", "Nog iets."]))
    found = form_problems(first, None, second, expired=("text", "verlopen"),
                          extra=[{"field": "files", "message": "a.exe: niet toegestaan"}])
    assert found == [
        {"field": "text", "message": "Vul dit veld in."},
        {"field": "contact-reason", "message": "Te kort."},
        {"field": "contact-reason", "message": "Nog iets."},
        {"field": "files", "message": "a.exe: niet toegestaan"},
    ]


def test_an_expired_form_gets_the_page_s_own_message_on_the_page_s_own_field():
    form = SimpleNamespace(errors={"csrf_token": ["The CSRF token has expired."]})
    assert form_problems(form, expired=("inhoud", "Het formulier was verlopen.")) == [
        {"field": "inhoud", "message": "Het formulier was verlopen."}
    ]


def test_a_radio_group_links_to_its_chosen_option():
    options = [SimpleNamespace(id="kind-0", checked=False), SimpleNamespace(id="kind-1", checked=True)]
    radio = type("Radio", (), {"id": "kind", "type": "RadioField", "__iter__": lambda self: iter(options)})()
    form = SimpleNamespace(errors={"kind": ["Kies er een."]}, kind=radio)
    assert form_problems(form, expired=("x", "y")) == [{"field": "kind-1", "message": "Kies er een."}]


def test_add_problem_keeps_earlier_errors():
    form = _form(route=_field("route", ["Eerste."]))
    add_problem(form, "route", "Tweede.")
    assert form.route.errors == ["Eerste.", "Tweede."]
