"""flask triage-retrain: learns from staff decisions, promotes only a candidate that is no worse.

The frozen set here is a small file of the test's own (TRIAGE_FROZEN_SET); the real
blind set (triage/data/blind6/) is never read by tests.
"""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from meldpunt.casework import retrain, triage_decisions
from meldpunt.extensions import db
from meldpunt.models import ActiveTriageModel, AuditEvent, StaffUser, TriageModel
from tests.backoffice.conftest import make_account, new_report, sign_in
from tests.backoffice.test_form_properties import consistent, forge_session
from tests.helpers import soup

STREETS = ["Kerkstraat", "Dorpsweg", "Molenlaan", "Havenkade", "Schoolstraat", "Beukenlaan",
           "Stationsweg", "Julianastraat", "Parallelweg", "Zandweg"]
HENNEP_SIGNS = [
    "de ramen zijn afgeplakt en er hangt een sterke wietlucht",
    "ik hoor dag en nacht ventilatoren zoemen en ruik wiet",
    "er staat altijd condens op de ramen en het ruikt naar hennep",
    "de stroommeter is omgebouwd en er brandt de hele nacht fel licht",
    "er worden potgrond en lampen van de growshop naar binnen gedragen",
    "de muren zijn warm en er komt een sterke hennepgeur uit het rooster",
]
FROZEN = [  # clear reports, each with its gold answer
    ("In de woning aan de Lindelaan 4 zijn alle ramen afgeplakt en er hangt een sterke wietlucht.",
     "hennep", "normaal", "politie"),
    ("Bij de schuur op Eikenhof 12 zoemen dag en nacht ventilatoren en het ruikt naar hennep.",
     "hennep", "normaal", "politie"),
    ("Op zolder bij de buren aan de Vijverweg brandt fel licht en de ramen zijn beslagen, wietlucht.",
     "hennep", "normaal", "politie"),
    ("Mijn buurman heeft net een pistool getrokken en dreigt vanavond iemand dood te schieten.",
     "wapens_explosieven", "acuut", "politie"),
    ("Op de achterkamer van het café staan drie gokzuilen waar mensen om geld spelen.",
     "gokken", "normaal", "kansspelautoriteit"),
    ("Er rijden 's nachts vrachtwagens het bos in en dumpen daar asbest en bouwafval.",
     "milieu", "normaal", "omgevingsdienst"),
]


def write_frozen(path, rows=FROZEN) -> str:
    with path.open("w", encoding="utf-8") as out:
        for i, (text, theme, urgency, route) in enumerate(rows, start=1):
            out.write(json.dumps({"id": f"f{i}", "text": text, "lang": "nl",
                                  "gold": {"theme": theme, "urgency": urgency, "route": route}}) + "\n")
    return str(path)


@pytest.fixture
def retrain_app(app_factory, tmp_path):
    return app_factory(TRIAGE_FROZEN_SET=write_frozen(tmp_path / "frozen.jsonl"))


def hennep_texts(count: int) -> list[str]:
    combos = itertools.cycle(itertools.product(STREETS, HENNEP_SIGNS))
    return [f"Bij het pand aan de {street} {n + 3}: {sign}." for n, (street, sign) in
            zip(range(count), combos, strict=False)]


def decide_all(app, decisions) -> None:
    """decisions: [(text, theme, urgency, route)], stored as reports with a staff decision each."""
    account = make_account(app, "triage")
    ids = [(new_report(app, text=text, place_type="woning")[0], theme, urgency, route)
           for text, theme, urgency, route in decisions]
    with app.app_context():
        user = db.session.get(StaffUser, account.id)
        for report_id, theme, urgency, route in ids:
            triage_decisions.decide(report_id, user, theme, urgency, route)


def run_retrain(app):
    result = app.test_cli_runner().invoke(args=["triage-retrain", "--min-holdout", "5"])
    assert result.exit_code == 0, result.output
    return result.output


def test_wrong_decisions_make_a_worse_candidate_that_is_refused(retrain_app):
    # Staff "confirm" hennep reports as illegal dumping: a candidate that learns this gets the
    # frozen set's hennep reports wrong, and must not replace the model in use. The wrong
    # decisions are worded like the frozen hennep reports, so that they outweigh the corpus's
    # own hennep reports (3,652 training reports since issue 12).
    look_alikes = [f"{FROZEN[n % 3][0][:-1]}, ook bij nummer {n + 20}." for n in range(60)]
    decide_all(retrain_app, [(t, "milieu", "laag", "omgevingsdienst")
                             for t in [*hennep_texts(60), *look_alikes]])
    with retrain_app.app_context():
        from meldpunt import triage_model

        before = triage_model.current_version()
        submitted_before = new_report(retrain_app, text=FROZEN[0][0])[0]
    output = run_retrain(retrain_app)
    assert "Not promoted" in output and "theme_accuracy on the frozen set would fall" in output

    with retrain_app.app_context():
        model = db.session.scalar(select(TriageModel))
        assert model is not None and model.promoted is False
        assert model.compared_with == before and model.version != before
        assert model.artifact_size is None  # a refused candidate's file is not kept
        assert model.trained_on["decisions_trained"] == 96 and model.trained_on["decisions_held_out"] == 24
        frozen = model.metrics["frozen"]
        assert frozen["candidate"]["theme_accuracy"] < frozen["current"]["theme_accuracy"]
        assert {"set": "frozen", "metric": "theme_accuracy"}.items() <= model.reasons[0].items()
        # The held-out decisions were never trained on; on them the candidate agrees with staff.
        holdout = model.metrics["holdout"]
        assert holdout["candidate"]["n"] == 24
        assert holdout["candidate"]["theme_accuracy"] > holdout["current"]["theme_accuracy"]
        assert db.session.scalar(select(ActiveTriageModel.model_id)) is None
        assert triage_model.current_version() == before
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == retrain.REFUSE_ACTION))
        assert event is not None and event.object_id == str(model.id)
        assert "frozen.theme_accuracy" in event.details["reasons"]
        # Reports keep being classified by the model in use.
        after_id = new_report(retrain_app, text=FROZEN[0][0])[0]
        from meldpunt.models import Report

        versions = {db.session.get(Report, i).suggestion.model_version for i in (submitted_before, after_id)}
        assert versions == {before}


def test_sound_decisions_make_a_candidate_that_is_promoted_and_used(retrain_app):
    decisions = [(t, "hennep", "normaal", "politie") for t in hennep_texts(12)]
    decide_all(retrain_app, decisions)
    with retrain_app.app_context():
        from meldpunt import triage_model

        before = triage_model.current_version()
    output = run_retrain(retrain_app)
    assert "Promoted" in output, output

    with retrain_app.app_context():
        model = db.session.scalar(select(TriageModel))
        assert model.promoted is True and model.version != before
        assert model.artifact_size and model.artifact_size > 100_000 and len(model.artifact_sha256) == 64
        assert all(check["ok"] for check in model.metrics["checks"])
        assert {c["set"] for c in model.metrics["checks"]} == {"frozen", "holdout"}
        assert db.session.scalar(select(ActiveTriageModel.model_id)) == model.id
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == retrain.PROMOTE_ACTION))
        assert event is not None and event.details["version"] == model.version
        promoted_version = model.version
    # Every new suggestion now comes from the promoted model and says so.
    report_id = new_report(retrain_app, text=FROZEN[1][0])[0]
    with retrain_app.app_context():
        from meldpunt.models import Report

        report = db.session.get(Report, report_id)
        assert report.suggestion.model_version == promoted_version
        assert report.theme == "hennep"

    # Nothing new since: the next candidate is the same model and is not promoted twice.
    output = run_retrain(retrain_app)
    assert "Not promoted" in output and "nothing new to learn from" in output


def test_too_few_decisions_or_no_frozen_set_stops_before_training(retrain_app, app_factory, tmp_path):
    runner = retrain_app.test_cli_runner()
    result = runner.invoke(args=["triage-retrain"])
    assert result.exit_code != 0 and "no staff decisions" in result.output
    decide_all(retrain_app, [(t, "hennep", "normaal", "politie") for t in hennep_texts(4)])
    result = runner.invoke(args=["triage-retrain", "--min-holdout", "5"])
    assert result.exit_code != 0 and "at least 6 are needed" in result.output
    with retrain_app.app_context():
        assert db.session.scalar(select(TriageModel)) is None


def test_missing_frozen_set_stops_with_its_path(app_factory, tmp_path):
    # A checkout without the frozen folder (the blind set is merged separately) must refuse to
    # compare on nothing, and say where it looked.
    missing = str(tmp_path / "blind6" / "*.jsonl")
    app = app_factory(TRIAGE_FROZEN_SET=missing)
    decide_all(app, [(t, "hennep", "normaal", "politie") for t in hennep_texts(8)])
    result = app.test_cli_runner().invoke(args=["triage-retrain"])
    assert result.exit_code != 0
    assert "no frozen evaluation set found at" in result.output and missing in result.output
    with app.app_context():
        assert db.session.scalar(select(TriageModel)) is None


def test_default_frozen_set_is_blind6_not_a_spent_set(app_factory):
    # Earlier blind sets were used for their final figures and became dev/training data.
    assert retrain.DEFAULT_FROZEN_SET.parent.name == "blind6"
    assert retrain.DEFAULT_FROZEN_SET.parent.parent.name == "data"
    with app_factory().app_context():
        assert retrain.frozen_set_pattern() == str(retrain.DEFAULT_FROZEN_SET)


def test_split_holds_out_the_newest_decisions():
    rows = [{"id": i} for i in range(20)]
    train, held = retrain.split_decisions(rows, 0.2, 5)
    assert [r["id"] for r in held] == [15, 16, 17, 18, 19]
    assert [r["id"] for r in train] == list(range(15))
    train, held = retrain.split_decisions(rows, 0.5, 5)
    assert len(held) == 10
    with pytest.raises(retrain.RetrainError):
        retrain.split_decisions(rows[:5], 0.2, 5)


def test_compare_refuses_any_drop_and_skips_what_cannot_be_measured():
    def figures(acute, theme, route):
        return {"acute_recall": acute, "theme_accuracy": theme, "route_accuracy": route}

    same = {"candidate": figures(1.0, 0.9, 0.8), "current": figures(1.0, 0.9, 0.8)}
    assert all(c["ok"] for c in retrain.compare({"frozen": same, "holdout": same}))
    lower_acute = {"candidate": figures(0.95, 0.99, 0.99), "current": figures(1.0, 0.9, 0.8)}
    failed = [c for c in retrain.compare({"frozen": same, "holdout": lower_acute}) if not c["ok"]]
    assert [(c["set"], c["metric"]) for c in failed] == [("holdout", "acute_recall")]
    unmeasured = {"candidate": figures(None, 0.9, 0.8), "current": figures(None, 0.9, 0.8)}
    checks = retrain.compare({"frozen": same, "holdout": unmeasured})
    assert ("holdout", "acute_recall") not in {(c["set"], c["metric"]) for c in checks}


def test_admins_see_the_last_comparison_and_can_go_back(retrain_app):
    decide_all(retrain_app, [(t, "hennep", "normaal", "politie") for t in hennep_texts(12)])
    run_retrain(retrain_app)
    admin, account = sign_in(retrain_app, "admin")
    page = soup(admin.get("/beheer/triagemodel"))
    assert page.select_one('nav a[href="/beheer/triagemodel"]') is not None
    with retrain_app.app_context():
        model = db.session.scalar(select(TriageModel))
        version, model_id = model.version, model.id
    assert version in page.select_one("#in-gebruik").get_text()
    rows = page.select("#vergelijking-tabel tbody tr")
    assert {(r["data-set"], r["data-metric"]) for r in rows} >= {
        ("frozen", "acute_recall"), ("frozen", "theme_accuracy"), ("frozen", "route_accuracy"),
        ("holdout", "theme_accuracy"), ("holdout", "route_accuracy")}
    assert "in gebruik genomen" in page.select_one("#besluit").get_text()
    assert "100,0%" in page.select_one("#vergelijking-tabel").get_text()  # Dutch number format
    assert "in gebruik" in page.select_one(f'tr[data-model="{model_id}"]').get_text()

    # Back to the packaged model: audited, and new reports use it again.
    token = page.select_one('#versies form input[name="csrf_token"]')["value"]
    response = admin.post("/beheer/triagemodel", data={"csrf_token": token, "model_id": ""})
    assert response.status_code == 303
    with retrain_app.app_context():
        import triage

        assert db.session.scalar(select(ActiveTriageModel.model_id)) is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "triage.model_restore"))
        assert event.actor == account.email and event.details["previous"] == version
        packaged = triage.get_engine().version
    page = soup(admin.get("/beheer/triagemodel"))
    assert packaged in page.select_one("#in-gebruik").get_text()
    # ... and forward again to the promoted version.
    token = page.select_one('#versies form input[name="csrf_token"]')["value"]
    assert admin.post("/beheer/triagemodel", data={"csrf_token": token, "model_id": str(model_id)}).status_code == 303
    with retrain_app.app_context():
        assert db.session.scalar(select(ActiveTriageModel.model_id)) == model_id

    # English for staff who chose it.
    admin.get("/taal/en")
    english = soup(admin.get("/beheer/triagemodel")).get_text()
    assert "Triage model" in english and "Last comparison" in english


def test_a_refused_candidate_can_never_be_put_in_use(retrain_app):
    with retrain_app.app_context():
        db.session.add(TriageModel(version="hybrid-2-refused", compared_with="x", promoted=False,
                                   actor="test", trained_on={}, metrics={}, reasons=[]))
        db.session.commit()
        refused_id = db.session.scalar(select(TriageModel.id))
    admin, _account = sign_in(retrain_app, "admin")
    page = soup(admin.get("/beheer/triagemodel"))
    assert page.select_one(f'tr[data-model="{refused_id}"] form') is None
    from tests.backoffice.conftest import page_csrf

    token = page_csrf(admin, "/beheer/triagemodel")
    admin.post("/beheer/triagemodel", data={"csrf_token": token, "model_id": str(refused_id)})
    with retrain_app.app_context():
        assert db.session.scalar(select(ActiveTriageModel.model_id)) is None


@pytest.mark.parametrize("role", ["triage", "coordinator", "communicatie"])
def test_only_admins_reach_the_page(retrain_app, role):
    client, _account = sign_in(retrain_app, role)
    assert client.get("/beheer/triagemodel").status_code == 403
    assert client.post("/beheer/triagemodel", data={"model_id": ""}).status_code in (400, 403)
    anonymous = retrain_app.test_client().get("/beheer/triagemodel")
    assert anonymous.status_code in (302, 303)


# --- the restore form, fuzzed ----------------------------------------------------------------

_model_ids = st.sampled_from(["promoted", "refused", "", "0", "-1", "999999", str(2**31), "1e3", " 1",
                             "²", "١٢"])  # digits int() refuses or reads differently


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model_id=_model_ids | st.text(max_size=40), extra=st.lists(st.tuples(
    st.sampled_from(["model_id", "csrf_token", "actie"]), st.text(max_size=20)), max_size=3),
    with_csrf=st.booleans())
def test_restore_form_never_fails_and_only_uses_promoted_models(app, model_id, extra, with_csrf):
    state = app.extensions.setdefault("test_restore_form", {})
    if "client" not in state:
        from meldpunt import triage_model

        packaged = triage_model.DEFAULT_LEXICON_FILE.parent / "model.npz"
        with app.app_context():
            good = TriageModel(version="hybrid-2-promoted", compared_with="x", promoted=True, actor="t",
                               trained_on={}, metrics={}, reasons=[], artifact=packaged.read_bytes(),
                               artifact_sha256="0" * 64, artifact_size=packaged.stat().st_size)
            bad = TriageModel(version="hybrid-2-refused", compared_with="x", promoted=False, actor="t",
                              trained_on={}, metrics={}, reasons=[])
            db.session.add_all([good, bad])
            db.session.commit()
            state.update(promoted=str(good.id), refused=str(bad.id))
        admin = make_account(app, "admin")
        client = app.test_client()
        forge_session(app, client, admin)
        state["client"] = client
    client = state["client"]
    sent = state.get(model_id, model_id)
    data = MultiDict([("model_id", sent), *extra])
    if with_csrf:
        from tests.backoffice.conftest import page_csrf

        data.setlist("csrf_token", [page_csrf(client, "/beheer/triagemodel")])
    response = client.post("/beheer/triagemodel", data=data)
    assert response.status_code in {303, 400}, response.status_code
    assert client.get("/beheer/triagemodel").status_code == 200
    with app.app_context():
        active = db.session.scalar(select(ActiveTriageModel.model_id))
        assert active in (None, int(state["promoted"]))
    consistent(app)
