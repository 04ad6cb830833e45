"""Related reports on several place keys: mixed spellings match, common words and other houses do not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from meldpunt import places
from meldpunt.casework import related
from meldpunt.extensions import db
from meldpunt.jobs import retention
from meldpunt.models import Report, ReportPlaceKey, utcnow
from tests.backoffice.conftest import new_report
from tests.conftest import make_app
from tests.helpers import soup
from tests.test_migrations import _drop, _fresh_database

TEXT = "Altijd gesloten gordijnen, maar er komen de hele dag mensen kort binnen."


@pytest.mark.parametrize(
    ("location", "postcode", "expected"),
    [
        ("Kapsalon Figaro, Dorpsstraat 12", None, ["a:dorpsstraat 12", "w:figaro", "n:kapsalon figaro"]),
        ("kapsalon figaro in Dorpsstraat", None, ["w:figaro", "n:kapsalon figaro"]),
        ("Dorpsstr. 12a", None, ["a:dorpsstraat 12a"]),
        ("Kapper Figaro aan de Dorpsstraat 12", None, ["a:dorpsstraat 12", "w:figaro", "n:kapper figaro"]),
        ("dorpsstraat 12 A, Utrecht", "3311 ab", ["a:dorpsstraat 12a", "p:3311ab 12a"]),
        ("Dorpsstraat 12, 3311 AB Utrecht", None, ["a:dorpsstraat 12", "p:3311ab 12"]),
        ("Achterom bij nr 12a", "3311AB", ["p:3311ab 12a"]),
        ("Burgemeester de Withstraat 5-2", None, ["a:burgemeester withstraat 5"]),
        ("In de loods achter Polderweg 14", None, ["a:polderweg 14"]),
        ("Café 't Hoekje, 's-Hertogenbosch", None, ["w:hoekje", "n:cafe hoekje"]),
        # No key: a street without a number, or only words that say nothing about one place.
        ("in de Dorpsstraat", None, []),
        ("Bij de grote loods naast het station", None, []),
        ("", "3311AB", []),
    ],
)
def test_place_keys(location, postcode, expected):
    assert places.keys(location, postcode) == expected


def related_ids(app, report_id: int) -> list[int]:
    with app.app_context():
        found = related.find_related(db.session.get(Report, report_id))
        return [r.report_id for r in found]


def test_mixed_spellings_of_one_place_are_related_and_ranked(app, staff_client):
    base, _ = new_report(app, TEXT, location="Kapsalon Figaro, Dorpsstraat 12")
    name_only, _ = new_report(app, TEXT, location="Kapsalon Figaro")
    name_and_street, _ = new_report(app, TEXT, location="kapsalon figaro in Dorpsstraat")
    abbreviated, _ = new_report(app, TEXT, location="Dorpsstr. 12")
    with_town, _ = new_report(app, TEXT, location="dorpsstraat 12, Utrecht")
    other_words, _ = new_report(app, TEXT, location="Kapper Figaro aan de Dorpsstraat 12")
    # Not the same place: another house, another letter, another salon on the street, a street alone.
    new_report(app, TEXT, location="Kapsalon Bella, Dorpsstraat 14")
    new_report(app, TEXT, location="Dorpsstraat 12a")
    new_report(app, TEXT, location="Kapsalon Utrecht, Kerkstraat 3")
    new_report(app, TEXT, location="Dorpsstraat")

    ids = related_ids(app, base)
    assert set(ids) == {name_only, name_and_street, abbreviated, with_town, other_words}
    # Most shared keys first (address + name word: 2; name word + whole name: 2; address only: 1), newest first.
    assert ids == [other_words, name_and_street, name_only, with_town, abbreviated]
    with app.app_context():
        shared = {r.report_id: r.shared_keys for r in related.find_related(db.session.get(Report, base))}
    assert shared == {other_words: 2, name_and_street: 2, name_only: 2, with_town: 1, abbreviated: 1}
    # And the other way round: the name alone finds the full address.
    assert base in related_ids(app, name_and_street) and name_only in related_ids(app, name_and_street)
    assert base in related_ids(app, abbreviated) and with_town in related_ids(app, abbreviated)

    client, _ = staff_client("triage")
    page = soup(client.get(f"/beheer/melding/{base}"))
    assert [int(a.text) for a in page.select("#verwant tbody th a")] == ids
    reasons = {
        int(row.select_one("th a").text): row.select("td")[3].get_text(strip=True)
        for row in page.select("#verwant tbody tr")
    }
    assert reasons[abbreviated] == "zelfde adres of naam"


def test_postcode_and_house_number(app):
    base, _ = new_report(app, TEXT, location="Dorpsstraat 12", postcode="3311 AB")
    by_postcode, _ = new_report(app, TEXT, location="Achter de winkel, nr 12", postcode="3311AB")
    in_text, _ = new_report(app, TEXT, location="3311 AB 12")
    new_report(app, TEXT, location="Achter de winkel, nr 14", postcode="3311AB")  # another number
    new_report(app, TEXT, location="Molenweg 12", postcode="3312 CD")  # another postcode
    assert set(related_ids(app, base)) == {by_postcode, in_text}
    with app.app_context():
        found = {r.report_id: r.reasons for r in related.find_related(db.session.get(Report, base))}
    assert found[by_postcode] == ["postcode_huisnummer"]


def test_no_match_on_common_words_or_towns(app):
    first, _ = new_report(app, TEXT, location="Snackbar bij het station, Utrecht")
    new_report(app, TEXT, location="Café bij het station")
    new_report(app, TEXT, location="Kerkstraat 3, Utrecht")
    new_report(app, TEXT, location="de woning naast de garage")
    second, _ = new_report(app, TEXT, location="Dorpsstraat 12, Utrecht")
    assert related_ids(app, first) == []
    assert related_ids(app, second) == []


def test_a_name_many_reports_share_is_not_used(app, monkeypatch):
    monkeypatch.setattr(related, "COMMON_KEY_REPORTS", 3)
    base, _ = new_report(app, TEXT, location="Kapsalon Figaro")
    same_salon, _ = new_report(app, TEXT, location="kapsalon figaro in Dorpsstraat")
    for _ in range(3):
        new_report(app, TEXT, location="Figaro")
    # "figaro" is now in five reports: only the whole name ("kapsalon figaro", two reports) still counts.
    assert related_ids(app, base) == [same_salon]


def test_keys_are_stored_at_intake_and_purged_with_the_location(app):
    now = utcnow()
    old, _ = new_report(
        app, TEXT, location="Kapsalon Figaro, Dorpsstraat 12", postcode="3311AB",
        set_status="afgerond", set_closed_at=now - timedelta(days=400),
    )
    current, _ = new_report(app, TEXT, location="Dorpsstraat 12")
    with app.app_context():
        stored = set(db.session.scalars(select(ReportPlaceKey.key).where(ReportPlaceKey.report_id == old)))
        assert stored == {"a:dorpsstraat 12", "p:3311ab 12", "w:figaro", "n:kapsalon figaro"}
    assert related_ids(app, current) == [old]
    with app.app_context():
        summary = retention.purge(now, 365)
        assert summary.report_count == 1
        assert db.session.scalar(select(ReportPlaceKey.key).where(ReportPlaceKey.report_id == old)) is None
        assert db.session.scalar(select(ReportPlaceKey.key).where(ReportPlaceKey.report_id == current)) is not None
        purged = db.session.get(Report, old)
        assert purged.location is None and related.find_related(purged) == []
    assert related_ids(app, current) == []


def test_reports_without_stored_keys_are_still_found(app):
    """Bulk-loaded rows (the demo seeder) have no key rows: the report's own key still finds them."""
    base, _ = new_report(app, TEXT, location="Dorpsstraat 12")
    bulk, _ = new_report(app, TEXT, location="Dorpsstraat 12")
    bare, _ = new_report(app, TEXT, location="Polderweg")
    bare_too, _ = new_report(app, TEXT, location="Polderweg")
    with app.app_context():
        db.session.execute(ReportPlaceKey.__table__.delete().where(ReportPlaceKey.report_id == bulk))
        db.session.commit()
    assert related_ids(app, base) == [bulk]
    # A bare street has no key of its own, so it matches nothing (not even the same words).
    assert related_ids(app, bare) == [] and related_ids(app, bare_too) == []


def test_migration_fills_place_keys_for_stored_reports(tmp_path):
    url, cleanup = _fresh_database(tmp_path)
    try:
        app = make_app(tmp_path, url)
        with app.app_context():
            from flask_migrate import downgrade, upgrade

            upgrade(revision="0005_merge")
            engine = create_engine(url)
            with engine.begin() as conn:
                for n, (location, postcode, purged) in enumerate(
                    [("Kapsalon Figaro, Dorpsstraat 12", "3311AB", None), ("Polderweg", None, None),
                     (None, None, utcnow())]
                ):
                    conn.execute(
                        text(
                            "INSERT INTO report (created_at, receipt_hash, text, location, postcode, place_type, "
                            "reporter_type, ongoing, language, anonymous, share_identity, wants_email_notice, "
                            "status, theme, urgency, urgency_rank, route, review, has_attachments, "
                            "unread_for_staff, purged_at) VALUES (:now, :hash, 'tekst', :location, :postcode, "
                            "'woning', 'bewoner', 'ja', 'nl', true, false, false, 'nieuw', 'hennep', 'normaal', 2, "
                            "'politie', false, false, false, :purged)"
                        ),
                        {"now": utcnow(), "hash": f"h{n}", "location": location, "postcode": postcode,
                         "purged": purged},
                    )
            upgrade(revision="0006_routing")
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT report_id, key FROM report_place_key ORDER BY key")).all()
            assert sorted(key for _, key in rows) == sorted(
                ["a:dorpsstraat 12", "p:3311ab 12", "w:figaro", "n:kapsalon figaro"]
            )
            assert len({report_id for report_id, _ in rows}) == 1
            downgrade(revision="0005_merge")
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM report")).scalar() == 3
            engine.dispose()
            db.engine.dispose()
    finally:
        _drop(cleanup)
