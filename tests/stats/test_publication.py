"""Publications: quarters and years, frozen once published, small categories merged, a
table under the threshold not shown, and no small count derivable from ALL published
tables of ALL releases together."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import StatPublication, StatRollupState
from meldpunt.stats import disclosure, publication, rollup
from meldpunt.stats.cells import Cell
from meldpunt.stats.disclosure import PubRow, PubTable
from tests.stats.helpers import add_report, recoverable_cells, seeded_random, small_ones, utc

# --- the rule, on its own -----------------------------------------------------------------


def test_small_categories_are_merged_and_a_small_merged_row_takes_the_smallest_other():
    order = ["a", "b", "c", "d"]
    rows = disclosure.merge_small({"a": 30, "b": 3, "c": 0, "d": 1}, order)
    # b (3) and d (1) together are 4, still small: the smallest shown category (a) joins them.
    assert rows == (PubRow(("c",), 0), PubRow(("a", "b", "d"), 34, ("b", "d")))
    rows = disclosure.merge_small({"a": 30, "b": 3, "c": 9, "d": 2}, order)
    assert rows == (PubRow(("a",), 30), PubRow(("c",), 9), PubRow(("b", "d"), 5, ("b", "d")))
    assert all(r.value == 0 or r.value >= 5 for r in rows)


def test_a_table_under_the_threshold_is_not_shown_and_one_that_cannot_be_protected_is_withheld():
    assert disclosure.protect_table({"a": 10, "b": 9}, ["a", "b"], 19, 20, lambda t: True).status == "too_few"
    shown = disclosure.protect_table({"a": 15, "b": 9}, ["a", "b"], 24, 20, lambda t: True)
    assert shown.status == "shown" and [r.value for r in shown.rows] == [15, 9]
    # Two categories, one small: merging leaves one row, the total: withheld whole.
    assert disclosure.protect_table({"a": 21, "b": 3}, ["a", "b"], 24, 20, lambda t: True).status == "withheld"
    # A table the audit never accepts is withheld, never "published anyway".
    assert disclosure.protect_table({"a": 15, "b": 9, "c": 7}, ["a", "b", "c"], 31, 20, lambda t: False).status == (
        "withheld"
    )


def test_postcode_areas_are_merged_into_ranges_of_neighbours_that_reach_the_threshold():
    counts = {"3311": 25, "3312": 4, "3313": 9, "3314": 8, "3320": 1, "": 3}
    rows = disclosure.area_ranges(counts, 20)
    assert [r.codes for r in rows] == [("3311",), ("3312", "3313", "3314", "3320", "")]
    assert all(r.value >= 20 for r in rows)
    assert sum(r.value for r in rows) == sum(counts.values())


def test_the_audit_finds_what_differencing_across_quarter_and_year_gives_away():
    system = disclosure.System()
    q_cells = lambda q: (lambda code: [(q, code)])  # noqa: E731
    year_cells = lambda code: [(q, code) for q in range(1, 5)]  # noqa: E731
    codes = ["a", "b"]
    # Q1 too few (15, not shown); Q2-Q4 show a = 6; the year shows a = 21: Q1 a = 3.
    system.add_table(PubTable("too_few", 15), codes, q_cells(1), 5)
    for q in (2, 3, 4):
        system.add_table(PubTable("shown", 40, (PubRow(("a",), 6), PubRow(("b",), 34))), codes, q_cells(q), 5)
    system.add_table(PubTable("shown", 135, (PubRow(("a",), 21), PubRow(("b",), 114))), codes, year_cells, 5)
    targets = [(q, c) for q in range(1, 5) for c in codes]
    assert disclosure.pinned_small(system, targets) == {(1, "a"): 3}
    # A merged row of two small members adding up to 8: both are 4 to a reader who knows the rule.
    rule = disclosure.System()
    rule.add_table(PubTable("shown", 30, (PubRow(("a",), 22), PubRow(("b", "c"), 8, ("b", "c")))), ["a", "b", "c"],
                   q_cells(1), 5)
    assert disclosure.pinned_small(rule, [(1, "b"), (1, "c")]) == {(1, "b"): 4, (1, "c"): 4}


# --- publishing, frozen -------------------------------------------------------------------------


def _quarter_of_reports(year: int, quarter: int, count: int, rng, themes: dict[str, int] | None = None):
    themes = themes or {"hennep": 40, "drugshandel": 20, "witwassen": 15, "fraude": 10, "mensenhandel": 4,
                        "afpersing": 3, "integriteit": 2, "geen_ondermijning": 6}
    names, weights = zip(*themes.items(), strict=True)
    first = date(year, 3 * quarter - 2, 1)
    for _ in range(count):
        day = first + timedelta(days=rng.randrange(89))
        created = utc(day.year, day.month, day.day, rng.randrange(8, 22))
        closed = rng.random() < 0.8
        add_report(
            created,
            theme=rng.choices(names, weights)[0],
            reporter_type=rng.choices(["bewoner", "ondernemer", "professional", "onbekend"], [70, 12, 15, 3])[0],
            postcode_area=rng.choices(["3311", "3312", "3313", "3314", "3315", "3398"], [40, 25, 15, 10, 6, 1])[0],
            status="afgerond" if closed else "nieuw",
            outcome=rng.choices(["controle_uitgevoerd", "bestuurlijke_maatregel", "geen_vervolg_mogelijk"],
                                [30, 5, 65])[0] if closed else None,
            first_action_at=created + timedelta(hours=rng.randrange(1, 80)) if closed else None,
            closed_at=created + timedelta(days=rng.randrange(1, 40)) if closed else None,
        )


def _seed_two_years(app, sizes=((15, 40, 60, 55), (70, 18, 45, 90))) -> None:
    rng = seeded_random(5)
    with app.app_context():
        for year, per_quarter in zip((2024, 2025), sizes, strict=True):
            for q, n in enumerate(per_quarter, start=1):
                _quarter_of_reports(year, q, n, rng)
        db.session.commit()


def test_the_rollup_publishes_finished_quarters_and_years_once_and_freezes_them(app):
    _seed_two_years(app)
    with app.app_context():
        first = rollup.rebuild_all(now=utc(2025, 11, 2))
        kinds = [(p.period.kind, p.period.start) for p in publication.published()]
        # 2024 Q1..Q4 and the year, 2025 Q1..Q3; not the running fourth quarter.
        assert len(kinds) == 8 and first.published == 8
        assert ("jaar", date(2024, 1, 1)) in kinds and ("kwartaal", date(2025, 10, 1)) not in kinds
        q1 = publication.latest_quarters(8)[-1]
        assert q1.period.start == date(2024, 1, 1) and q1.received == 15
        assert q1.tables["theme_group"].status == "too_few"
        token = db.session.get(StatRollupState, 1).token
        before = {row.id: row.payload for row in db.session.scalars(select(StatPublication))}
        # Nothing new: nothing published, the cache key stays.
        quiet = rollup.rollup(now=utc(2025, 11, 2, 0, 30))
        assert quiet.published == 0 and db.session.get(StatRollupState, 1).token == token
        # A report added into a published quarter (a late correction) changes nothing published.
        add_report(utc(2024, 5, 3), theme="afpersing")
        db.session.commit()
        rollup.rebuild_all(now=utc(2025, 11, 3))
        after = {row.id: row.payload for row in db.session.scalars(select(StatPublication))}
        assert after == before
        # A late report in a published quarter of 2025: the year, published later, adds up its
        # four frozen quarters, so comparing the year with them reveals nothing about it.
        add_report(utc(2025, 5, 6), theme="mensenhandel", reporter_type="ondernemer")
        db.session.commit()
        rollup.rebuild_all(now=utc(2026, 1, 5))
        year = publication.year_publication(2025)
        quarters = publication.published("kwartaal", 2025)
        assert len(quarters) == 4
        assert year.received == sum(q.received for q in quarters) == 70 + 18 + 45 + 90
        assert year.basis["theme_group"] == {
            code: sum(q.basis["theme_group"][code] for q in quarters) for code in year.basis["theme_group"]
        }


# --- the attack on everything published -----------------------------------------------------------

SHOWN_CELL = "shown"


def _attack(publications) -> dict:
    """A reader with every published table of every release (and the merge rule) who tries to pin,
    with an integer program, the count of any category in any quarter (or area in any year)."""
    cells: dict = {}
    equations: list = []
    targets = []

    def base(key):
        if key not in cells:
            cells[key] = Cell(None, "unpublished")
            targets.append(key)
        return key

    for n, pub in enumerate(publications):
        year, kind = pub.period.start.year, pub.period.kind
        quarters = [pub.period.quarter] if kind == "kwartaal" else [1, 2, 3, 4]
        for dimension, table in pub.tables.items():
            if dimension == publication.AREA:
                codes = sorted({c for r in table.rows for c in r.codes})
                cell_of = lambda code, year=year: [base(("area", year, code))]  # noqa: E731
            else:
                codes = list(publication.TABLES[dimension][0])
                cell_of = lambda code, qs=quarters, d=dimension, y=year: [  # noqa: E731
                    base((d, y, q, code)) for q in qs
                ]
            total_key = ("total", n, dimension)
            cells[total_key] = Cell(table.total)
            equations.append((total_key, [c for code in codes for c in cell_of(code)]))
            if table.status != "shown":
                continue
            for r, row in enumerate(table.rows):
                key = ("row", n, dimension, r)
                cells[key] = Cell(row.value)
                equations.append((key, [c for code in row.codes for c in cell_of(code)]))
                for code in row.small:
                    small_key = ("small", n, dimension, code)
                    cells[small_key] = Cell(None, "small")
                    equations.append((small_key, cell_of(code)))
    return small_ones(recoverable_cells(cells, equations, targets=targets))


def test_no_small_count_can_be_derived_from_all_published_tables_of_all_releases(app):
    _seed_two_years(app)
    with app.app_context():
        rollup.rebuild_all(now=utc(2026, 2, 2))
        pubs = publication.published()
        assert len(pubs) == 10  # eight quarters and two years
        statuses = {t.status for p in pubs for t in p.tables.values()}
        assert "shown" in statuses and "too_few" in statuses
        assert any(r.merged for p in pubs for t in p.tables.values() for r in t.rows)
        assert _attack(pubs) == {}
        # Every published count is 0 or at least 5, and no payload holds a small number.
        for row in db.session.scalars(select(StatPublication)):
            raw = json.loads(row.payload)
            for table in raw["tables"].values():
                assert all(r["value"] == 0 or r["value"] >= 5 for r in table["rows"])


def test_without_the_audit_the_same_attack_finds_small_counts(app, monkeypatch):
    """The attack can fail: with merging alone (no audit against earlier releases) the
    year table next to its quarters gives small counts away."""
    _seed_two_years(app)
    monkeypatch.setattr(disclosure, "pinned_small", lambda *args, **kwargs: {})
    with app.app_context():
        rollup.rebuild_all(now=utc(2026, 2, 2))
        assert _attack(publication.published()) != {}


@pytest.mark.parametrize("limit", [20, 40])
def test_the_threshold_is_configurable(app, limit):
    app.config["STATS_PUBLICATION_THRESHOLD"] = limit
    _seed_two_years(app, sizes=((30, 30, 30, 30), (30, 30, 30, 30)))
    with app.app_context():
        rollup.rebuild_all(now=utc(2025, 4, 2))
        q = publication.latest_quarters(1)[0]
        assert q.threshold == limit
        assert q.tables["theme_group"].status == ("too_few" if limit == 40 else q.tables["theme_group"].status)
        assert q.received == 30
