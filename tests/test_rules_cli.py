"""``fitglute rules`` and the Findings of ``fitglute analyze`` (text and ``--json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fitglute.cli import app

BUILTIN = ("gct-balance-bias", "fatigue-drift", "form-zones", "posterior-chain-overload")
WIDE = {"COLUMNS": "200", "NO_COLOR": "1"}  # rich must not fold ids or titles


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env=WIDE)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 40-min run with a 2.5-point left bias, one with a right bias + drift, a wrist-only run."""
    pytest.importorskip("fit_tool")
    import scenarios as S  # tests/scenarios.py

    folder = tmp_path_factory.mktemp("cli-runs")
    out = {}
    for name, sc in {
        "left": S.balance_bias(2.5, "left", seed=31),
        "overload-right": S.overload(2.5, "right", 7.0, 2.0, seed=32),
        "wrist": S.wrist(seed=33, minutes=20),
    }.items():
        path = folder / f"{name}.fit"
        path.write_bytes(S.fit_bytes(sc))
        out[name] = path
    return out


# --------------------------------------------------------------------------- fitglute rules


def test_rules_lists_every_rule_with_evidence_and_thresholds():
    wide = CliRunner().invoke(app, ["rules"], env={"COLUMNS": "160"})
    assert wide.exit_code == 0, wide.output
    for rule_id in BUILTIN:
        assert rule_id in wide.stdout
    assert "notable_pts = 0.7" in wide.stdout
    assert "gct_rise_pct = 3" in wide.stdout
    assert "evidence" in wide.stdout and "thresholds" in wide.stdout
    narrow = CliRunner().invoke(app, ["rules"], env={"COLUMNS": "80"})
    assert all(rule_id in narrow.stdout for rule_id in BUILTIN)  # whole, on one line each
    assert "fitglute rules show ID" in narrow.stdout


def test_rules_json_parses_and_carries_every_field():
    result = invoke("rules", "--json")
    assert result.exit_code == 0, result.output
    rules = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(BUILTIN) <= set(rules)
    for rule_id in BUILTIN:
        r = rules[rule_id]
        assert r["evidence"] in ("A", "B", "C") and r["evidence_source"]
        assert r["title"] and r["summary"] and isinstance(r["needs"], list)
        assert all(isinstance(v, float) for v in r["thresholds"].values())
    assert rules["gct-balance-bias"]["thresholds"]["strong_pts"] == 2.2
    assert rules["form-zones"]["evidence"] == "C"
    assert rules["posterior-chain-overload"]["evidence"] == "C"
    # grades follow reference/evidence.md (issue 13), each with its source and its size
    assert rules["gct-balance-bias"]["evidence"] == "C" and "Malisoux" in rules["gct-balance-bias"]["evidence_source"]
    assert rules["load-spike"]["evidence"] == "B" and "Frandsen" in rules["load-spike"]["evidence_source"]
    assert "100 %" in rules["load-spike"]["sizing"] and rules["gct-balance-bias"]["evidence_word"] == "weak"
    assert all(rules[r]["sizing"] for r in BUILTIN)
    assert "context only" in rules["posterior-chain-overload"]["evidence_source"]


def test_rules_show_explains_one_rule():
    result = invoke("rules", "show", "gct-balance-bias")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "gct-balance-bias" in text and "Left/right ground-contact imbalance" in text
    for key in ("notable_pts = 0.7", "strong_pts = 2.2", "alone_weight", "min_clean_s = 600"):
        assert key in text
    assert "Garmin" in text and "Malisoux" in text  # sources of the thresholds and the grade
    assert "Evidence C (weak)" in text and "Size: 0.5 just past Garmin's green band" in text


def test_rules_list_shows_grades_sources_and_sizes():
    text = invoke("rules").stdout
    assert "C (weak)" in text and "B (moderate)" in text and "Frandsen" in text and "size:" in text


def test_rules_show_unknown_id_exits_2():
    result = invoke("rules", "show", "no-such-rule")
    assert result.exit_code == 2
    assert "unknown rule 'no-such-rule'" in result.stderr
    assert "gct-balance-bias" in result.stderr  # lists the known ids


# --------------------------------------------------------------------------- fitglute analyze


def test_analyze_shows_findings_with_title_side_and_confidence(generated):
    result = invoke("analyze", str(generated["left"]))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Findings" in text
    assert "Left/right ground-contact imbalance" in text
    assert "[left]" in text
    # two axes, not one product word: how clear the signal is, how strong the evidence
    assert "signal" in text and "clear · evidence weak (C)" in text and "likely" not in text
    assert "Next step" in text and "evidence weak (C)" in text
    assert "Stop and get assessed on sudden pain" in text  # the red-flag line under the findings
    assert "not a diagnosis" in text
    detail = invoke("analyze", "--detail", str(generated["left"])).stdout
    assert "Evidence C" in detail and "Measured: GCT balance" in detail


def test_analyze_shows_not_assessed_lines(generated):
    result = invoke("analyze", "--detail", str(generated["wrist"]))
    assert result.exit_code == 0, result.output
    assert "not assessed · gct-balance-bias" in result.stdout
    assert "balance" in result.stdout


def test_analyze_json_findings_and_not_assessed_schema(generated):
    result = invoke("analyze", "--json", str(generated["overload-right"]), str(generated["wrist"]))
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(objects) == 2
    for obj in objects:
        assert isinstance(obj["findings"], list)
        assert isinstance(obj["not_assessed"], dict)
        for f in obj["findings"]:
            assert {"rule", "title", "side", "confidence", "clarity", "evidence", "message", "values"} <= set(f)
            assert f["clarity_word"] in ("faint", "moderate", "clear")
            assert f["evidence_word"] in ("strong", "moderate", "weak")
            assert isinstance(f["rule"], str) and isinstance(f["title"], str) and isinstance(f["message"], str)
            assert f["side"] in ("left", "right", "both", "none")
            assert isinstance(f["confidence"], float) and 0 <= f["confidence"] <= 1
            assert f["evidence"] in ("A", "B", "C")
            assert isinstance(f["values"], dict)
        for rule, reason in obj["not_assessed"].items():
            assert isinstance(rule, str) and isinstance(reason, str) and reason
    by_file = {Path(o["file"]).stem: o for o in objects}
    over = {f["rule"]: f for f in by_file["overload-right"]["findings"]}
    assert over["gct-balance-bias"]["side"] == "right"
    assert "posterior-chain-overload" not in over  # bias and late shift: one chest strap, one source
    assert over["fatigue-drift"]["values"]["gct_ms_change_pct"] > 3
    confidences = [f["confidence"] for f in by_file["overload-right"]["findings"]]
    assert confidences == sorted(confidences, reverse=True)  # most confident first
    wrist = by_file["wrist"]
    assert "gct-balance-bias" in wrist["not_assessed"]
    assert "balance" in wrist["not_assessed"]["gct-balance-bias"]
    assert "gct-balance-bias" not in {f["rule"] for f in wrist["findings"]}
