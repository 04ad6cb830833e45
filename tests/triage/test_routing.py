"""Routing tables: the packaged default and municipal override files."""

from __future__ import annotations

import json
import os

import pytest

from triage import RoutingError, classify, route_for
from triage.routing import RoutingCache, load_routing
from triage.taxonomy import ROUTES, THEMES


def write(tmp_path, data, name="routing.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_default_table_matches_the_contract():
    table = load_routing()
    assert set(table.themes) == set(THEMES)
    assert set(table.themes.values()) <= set(ROUTES)
    assert table.themes["witwassen"] == table.themes["vastgoed"] == table.themes["omg"] == "riec"
    assert table.themes["arbeidsuitbuiting"] == "arbeidsinspectie"
    assert table.themes["gokken"] == "kansspelautoriteit"
    assert table.themes["milieu"] == "omgevingsdienst"
    assert table.themes["geen_ondermijning"] == "doorverwijzen"
    assert table.escalate_to_riec and table.acute_route == "politie"
    assert table.fixed_themes == {"integriteit"}
    assert "gemeente_handhaving" not in table.themes.values()


def test_override_merges_per_theme(tmp_path):
    path = write(tmp_path, {"themes": {"vastgoed": "gemeente_handhaving",
                                       "gokken": "gemeente_handhaving"}})
    table = load_routing(path)
    assert table.themes["vastgoed"] == "gemeente_handhaving"
    assert table.themes["gokken"] == "gemeente_handhaving"
    assert table.themes["hennep"] == "politie"  # untouched themes keep the default


def test_route_for_uses_the_override(tmp_path):
    path = write(tmp_path, {"themes": {"vastgoed": "gemeente_handhaving"}})
    assert route_for("vastgoed") == "riec"
    assert route_for("vastgoed", routing_file=path) == "gemeente_handhaving"
    assert route_for("vastgoed", routing_file=os.fspath(path)) == "gemeente_handhaving"


def test_route_for_splits_fraude_by_text():
    assert route_for("fraude", text="valse facturen en btw") == "belastingdienst"
    assert route_for("fraude", text="hij heeft een bijstandsuitkering") == "gemeente_sociaal"
    assert route_for("fraude") == "gemeente_sociaal"


def test_route_for_unknown_theme():
    with pytest.raises(ValueError, match="unknown theme"):
        route_for("drugs")


@pytest.mark.parametrize("data, message", [
    ({"themes": {"vastgoed": "handhaving"}}, "unknown route 'handhaving'"),
    ({"themes": {"drugs": "politie"}}, "unknown theme 'drugs'"),
    ({"routes": {}}, "unknown key"),
    ({"escalate_to_riec": "nee"}, "must be true or false"),
    ({"split": {"fraude": ["belasting"]}}, "unknown route 'belasting'"),
    ({"acute_route": "112"}, "unknown route '112'"),
    ("{not json", "not readable JSON"),
    ("[1, 2]", "must contain a JSON object"),
])
def test_invalid_override_files_fail_clearly(tmp_path, data, message):
    with pytest.raises(RoutingError, match=message):
        load_routing(write(tmp_path, data))


def test_missing_override_file(tmp_path):
    with pytest.raises(RoutingError, match="not found"):
        load_routing(tmp_path / "nope.json")
    with pytest.raises(RoutingError, match="not found"):
        classify({"text": "wietlucht"}, routing_file=tmp_path / "nope.json")


def test_split_can_be_switched_off(tmp_path):
    table = load_routing(write(tmp_path, {"split": {"fraude": None},
                                          "themes": {"fraude": "belastingdienst"}}))
    assert "fraude" not in table.split
    assert table.themes["fraude"] == "belastingdienst"


def test_classify_applies_the_override(tmp_path):
    path = write(tmp_path, {"themes": {"gokken": "gemeente_handhaving"}})
    report = {"text": "In de achterkamer van het koffiehuis staat een gokzuil waar op "
                      "voetbal gewed wordt."}
    assert classify(report).route == "kansspelautoriteit"
    assert classify(report, routing_file=path).route == "gemeente_handhaving"


def test_cache_rereads_an_edited_file(tmp_path):
    cache = RoutingCache()
    path = write(tmp_path, {"themes": {"vastgoed": "gemeente_handhaving"}})
    assert cache.get(path).themes["vastgoed"] == "gemeente_handhaving"
    assert cache.get(path) is cache.get(path)
    path.write_text(json.dumps({"themes": {"vastgoed": "riec"}}))
    os.utime(path, ns=(1, 1_000_000_000_000))  # a different mtime, as an edit gives
    assert cache.get(path).themes["vastgoed"] == "riec"


def test_a_table_built_from_layers_is_used_as_a_value_without_any_file():
    from triage import build_routing

    table = build_routing(("municipality", {"themes": {"gokken": "gemeente_handhaving"}}),
                          ("database", {"themes": {"vastgoed": "gemeente_handhaving"}}))
    report = {"text": "Er staat een gokzuil achterin het café waar jongeren op gokken"}
    assert classify(report, table).route == "gemeente_handhaving"
    assert route_for("vastgoed", table) == "gemeente_handhaving"
    assert route_for("hennep", table) == "politie"  # untouched themes keep the default
    assert "municipality" in table.source and "database" in table.source
    # the packaged default is not changed by building a table from layers
    assert route_for("vastgoed", build_routing()) == "riec"


def test_a_bad_layer_is_refused_with_its_name():
    from triage import build_routing

    with pytest.raises(RoutingError, match="database"):
        build_routing(("database", {"themes": {"vastgoed": "nergens"}}))
