"""export-training writes the newest staff decision per report for `triage train --extra`."""

from __future__ import annotations

import json

from meldpunt.casework import triage_decisions
from meldpunt.extensions import db
from meldpunt.models import StaffUser
from tests.backoffice.conftest import make_account, new_report


def test_export_training_is_readable_by_triage(app, tmp_path):
    from triage.corpus import read_examples

    account = make_account(app, "triage")
    first, _ = new_report(
        app, text="Er staan vaten met een scherpe anijslucht in de schuur.", place_type="buitengebied"
    )
    second, _ = new_report(app, text="Mijn buurjongen heeft ineens dure kleding en wordt opgehaald door een scooter.")
    undecided, _ = new_report(app, text="Hier is nog geen besluit over genomen.")
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        triage_decisions.decide(first, user, "hennep", "normaal", "politie")
        triage_decisions.decide(first, user, "drugslab", "hoog", "politie")  # newest wins
        triage_decisions.decide(second, user, "criminele_uitbuiting", "hoog", "politie")
    out = tmp_path / "extra.jsonl"
    result = app.test_cli_runner().invoke(args=["export-training", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 decisions" in result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    by_text = {line["text"]: line for line in lines}
    lab = by_text["Er staan vaten met een scherpe anijslucht in de schuur."]
    assert lab["place_type"] == "buitengebied" and lab["has_attachments"] is False
    assert lab["gold"] == {
        "theme": "drugslab", "themes_ok": ["drugslab"], "urgency": "hoog", "urgency_ok": ["hoog"],
        "route": "politie", "routes_ok": ["politie"],
    }
    examples = list(read_examples(out))
    assert sorted(e.theme for e in examples) == ["criminele_uitbuiting", "drugslab"]
    assert all(e.urgency == "hoog" and e.route == "politie" for e in examples)
    assert undecided not in {int(line["id"].split("-")[1]) for line in lines}
