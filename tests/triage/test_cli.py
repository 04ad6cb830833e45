"""`python -m triage classify | evaluate | train` as separate processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = {"id", "theme", "secondary_themes", "urgency", "route", "confidence",
                 "review", "explanation"}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "triage", *args],  # noqa: S603 - own CLI
                          input=stdin, text=True,
                          capture_output=True, cwd=ROOT, timeout=120, check=False)


def test_classify_contract_with_malformed_lines():
    lines = [
        json.dumps({"id": "r1", "text": "Ramen afgeplakt en een sterke wietlucht",
                    "reporter_type": "bewoner", "place_type": "woning",
                    "has_attachments": False}),
        "dit is geen json",
        json.dumps({"id": "r3"}),
        "",
        json.dumps([1, 2, 3]),
        json.dumps({"id": 6, "text": "Bij het koffiehuis staat een gokzuil"}),
        json.dumps({"text": "geen id, wel tekst: harde muziek van de buren"}),
        json.dumps({"id": "r8", "text": "x", "place_type": "maan", "reporter_type": 5}),
    ]
    proc = run("classify", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(lines)
    assert set(out[0]) == CONTRACT_KEYS and out[0]["id"] == "r1"
    assert out[0]["theme"] == "hennep" and out[0]["route"] == "politie"
    assert out[1] == {"id": None, "error": out[1]["error"]} and "JSON" in out[1]["error"]
    assert out[2]["id"] == "r3" and "text" in out[2]["error"]
    assert "error" in out[3] and "error" in out[4]
    assert out[5]["id"] == 6 and out[5]["theme"] == "gokken"
    assert out[6]["id"] is None and "theme" in out[6]
    assert set(out[7]) == CONTRACT_KEYS  # unknown field values fall back to onbekend


def test_classify_handles_bom_crlf_and_non_ascii():
    stdin = "\ufeff" + json.dumps({"id": "a", "text": "Çalıntı bisikletler çok ucuz satılıyor"},
                                  ensure_ascii=False) + "\r\n"
    proc = run("classify", stdin=stdin)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["id"] == "a"


def test_classify_with_routing_override(tmp_path):
    override = tmp_path / "routing.json"
    override.write_text(json.dumps({"themes": {"gokken": "gemeente_handhaving"}}))
    line = json.dumps({"id": "g", "text": "In het cafe staat een illegale gokkast"})
    proc = run("classify", "--routing-file", str(override), stdin=line + "\n")
    assert json.loads(proc.stdout)["route"] == "gemeente_handhaving"

    override.write_text(json.dumps({"themes": {"gokken": "handhaving"}}))
    proc = run("classify", "--routing-file", str(override), stdin=line + "\n")
    assert proc.returncode == 2 and "unknown route 'handhaving'" in proc.stderr


def test_evaluate_accepts_several_files(mini_corpus, tmp_path):
    half = tmp_path / "half.jsonl"
    half.write_text("".join(mini_corpus.read_text().splitlines(keepends=True)[:20]))
    proc = run("evaluate", str(mini_corpus), str(half))
    assert proc.returncode == 0, proc.stderr
    for label in ("primary theme accuracy", "macro-F1", "route accuracy", "acuut recall",
                  "acuut precision", "geen_ondermijning recall", "confusion matrix",
                  "95% Wilson", "worst language:", "out-of-scope"):
        assert label in proc.stdout
    assert "examples: 105" in proc.stdout

    proc = run("evaluate", str(half), "--json")
    data = json.loads(proc.stdout)
    assert data["n"] == 20 and 0 <= data["theme_accuracy"] <= 1


def test_evaluate_reports_bad_files(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "gold": {"theme": "drugs"}}\n')
    proc = run("evaluate", str(bad))
    assert proc.returncode == 1 and "bad.jsonl:1" in proc.stderr


def test_train_writes_a_model(mini_corpus, tmp_path):
    out = tmp_path / "model.npz"
    proc = run("train", "--corpus", str(mini_corpus), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and "wrote" in proc.stdout
