"""Issue 13, evidence and wording: grades, the two axes, the red-flag line, zone and treadmill text,
and the "not assessed" reasons — on the real files in ../shared/fit (skipped without them) and on
generated files with known truth (fitglute_devkit.synth).

What each real file is was checked by hand against its PROVENANCE.tsv row and its device_info
messages: Fenix-2.fit is a 2014 fēnix 2 (no wrist dynamics) whose dynamics came from a strap the file
does not name; FR920-additional-start-events.fit names an HRM-Run whose firmware wrote GCT and
vertical oscillation but no balance; multisport-triathlon-fenix3.fit is the run leg straight after a
bike leg; activity-small-fenix2-run.fit speeds up from ~2.8 to ~4.0 m/s and then jogs ~2.3 m/s home
(a progression with a cool-down, one fast stretch); FR920xt-with-Stryd.fit holds two fast reps with
walked recoveries (intervals) and only Stryd's own ground time.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from fitglute.decode.build import after_bike
from fitglute.dynamics.flags import fast_stretches
from fitglute.model.axes import axes_text, clarity_word, evidence_word
from fitglute.model.result import RunResult
from fitglute.model.safety import RED_FLAGS
from fitglute.report.run import render_run
from fitglute.rules.common import no_balance_reason

SHARED_FIT = Path(__file__).resolve().parents[2] / "shared" / "fit"
BIAS, FATIGUE, ZONES = "gct-balance-bias", "fatigue-drift", "form-zones"


def real(name: str) -> dict[str, Any]:
    path = SHARED_FIT / name
    if not path.is_file():
        pytest.skip("../shared/fit not present (real-file tests need the shared corpus)")
    from fitglute.pipeline import analyse_file

    return analyse_file(str(path)).to_json()


def rendered(result: dict[str, Any]) -> str:
    console = Console(record=True, width=200, color_system=None)
    render_run(RunResult.from_json(result), console)
    return console.export_text()


# --------------------------------------------------------------------------- the two axes


@pytest.mark.parametrize(("value", "word"), [(0.0, "faint"), (0.39, "faint"), (0.4, "moderate"), (0.7, "clear")])
def test_clarity_words(value, word):
    assert clarity_word(value) == word


def test_evidence_words_and_axes_text():
    assert [evidence_word(g) for g in ("A", "B", "C", None)] == ["strong", "moderate", "weak", "ungraded"]
    assert axes_text(0.8, "C") == "signal clear · evidence weak (C)"


def test_old_stored_finding_without_clarity_derives_it():
    from fitglute.model.finding import Finding

    old = Finding.from_json({"rule": "x", "title": "x", "side": "left", "confidence": 0.42, "evidence": "C",
                             "evidence_source": "", "message": "", "action": "", "values": {}})  # fmt: skip
    assert old.clarity is None and old.signal_clarity == pytest.approx(0.7)
    assert old.to_json()["clarity_word"] == "clear"


# --------------------------------------------------------------------------- real files: wording


def test_real_balance_bias_is_a_sensor_estimate_with_two_axes_and_the_red_flag_line():
    r = real("with-new-dynamics.fit")  # HRM-Run, 2 h, balance 52.0 % L (interval 52.0–52.1)
    f = next(f for f in r["findings"] if f["rule"] == BIAS)
    assert f["side"] == "left" and f["evidence"] == "C"
    assert f["message"].startswith("Your chest strap measured a longer ground contact on the left")
    assert "toe-off" not in f["message"] and "glute" not in f["message"]
    assert "extra sets" not in f["action"] and "50 %" not in f["action"]
    assert f["clarity_word"] == "clear" and f["evidence_word"] == "weak"
    text = rendered(r)
    assert "clear · evidence weak (C)" in text and "likely" not in text
    assert RED_FLAGS in " ".join(text.split())


def test_real_zone_text_reads_each_metric_in_its_own_direction():
    r = real("FR920-additional-start-events.fit")  # cadence 155 spm, vertical oscillation 131 mm
    zones = " ".join(next(f for f in r["findings"] if f["rule"] == ZONES)["values"]["zones"])
    assert "cadence 155 spm: orange zone (lower than about 70–95 % of Garmin users)" in zones
    assert "vertical oscillation 131 mm: red zone (higher than about 95 % of Garmin users)" in zones
    assert "lowest 5 %" not in zones


def test_real_orange_balance_zone_is_a_two_sided_band_without_step_advice():
    r = real("Fenix-3-with-empty-runscribe.fit")  # balance 49.0 % L
    f = next(f for f in r["findings"] if f["rule"] == ZONES)
    assert "GCT balance 49.0 % L: orange band (47.8–49.2 or 50.8–52.2 % left)" in f["message"]
    assert "lower 5–29 %" not in f["message"] and "quicker, lighter steps" not in f["action"]


def test_real_treadmill_drift_table_does_not_claim_matched_speed():
    r = real("FR920xt-with-runscribe-plus.fit")  # treadmill, HRM-Tri
    assert "treadmill" in r["flags"] and r["drift"]
    text = rendered(r)
    assert "speed not matched (indoor)" in text and "at matched speed" not in text


# --------------------------------------------------------------------------- real files: reasons


def test_real_watch_without_wrist_dynamics_is_read_as_a_strap():
    r = real("Fenix-2.fit")
    assert r["device"] == "garmin fenix2" and r["dynamics_source"] == "chest"
    reason = r["not_assessed"][BIAS]
    assert "this watch has none at the wrist" in reason and "no chest strap" not in reason


@pytest.mark.parametrize("name", ["FR920-additional-start-events.fit", "multisport-triathlon-fenix3.fit"])
def test_real_named_strap_without_balance_is_a_firmware_reason(name):
    r = real(name)
    reason = r["not_assessed"][BIAS]
    assert reason.startswith("your hrm_run sent running dynamics but no GCT balance") and "firmware" in reason
    assert "no chest strap" not in reason


def test_real_run_leg_after_the_bike_is_flagged_brick():
    assert "brick" in real("multisport-triathlon-fenix3.fit")["flags"]
    assert "brick" not in real("with-new-dynamics.fit")["flags"]


def test_real_progression_with_cool_down_is_not_called_intervals():
    r = real("activity-small-fenix2-run.fit")
    assert "variable-pace" in r["flags"] and "intervals" not in r["flags"]
    assert "a progression or a cool-down, not intervals" in r["not_assessed"][FATIGUE]
    assert "intervals" in real("FR920xt-with-Stryd.fit")["flags"]  # two fast reps, walked recoveries


def test_real_stryd_recorded_file_is_told_its_ground_time_is_stryds():
    """The Stryd watch app wrote the pod's own ground time into the native fields (kept apart by the
    core); a Garmin file with Stryd developer fields is checked with the plugin in its own tests."""
    r = real("developer-types-sample.fit")
    assert r["dynamics_source"] == "none"
    for rule in (BIAS, FATIGUE, ZONES):
        reason = r["not_assessed"][rule]
        assert "Stryd's own" in reason and "judged by the Stryd rules" in reason
        assert reason != "no running dynamics in this file"


# --------------------------------------------------------------------------- generated files


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, dict[str, Any]]:
    pytest.importorskip("fit_tool")
    import scenarios as S

    runs = {
        "treadmill-fatigue": S.treadmill(seed=7, fatigue_gct_pct=8.0),
        "wrist": S.wrist(seed=4, minutes=20),
        "intervals": S.intervals(seed=7, minutes=30),
        "no-dynamics": S.no_dynamics(seed=1, minutes=15),
    }
    home = tmp_path_factory.mktemp("evidence-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FITGLUTE_HOME", str(home))
        return {name: S.analyse(sc, name=f"{name}.fit") for name, sc in runs.items()}


def test_generated_treadmill_fatigue_says_speed_not_matched(generated):
    r = generated["treadmill-fatigue"]
    f = next((f for f in r["findings"] if f["rule"] == FATIGUE), None)
    assert f is not None and "Speed could not be matched: indoors" in f["message"]
    assert "the comparison is at matched speed" not in f["message"]
    assert "speed not matched (indoor)" in rendered(r)


def test_generated_reasons(generated):
    assert generated["wrist"]["not_assessed"][BIAS].startswith("wrist-based running dynamics have no GCT balance")
    assert generated["intervals"]["not_assessed"][FATIGUE].startswith("intervals:")
    assert generated["no-dynamics"]["not_assessed"][BIAS] == "no running dynamics in this file"


def test_generated_run_without_findings_has_no_red_flag_noise(generated):
    r = generated["no-dynamics"]
    assert not r["findings"] and RED_FLAGS not in " ".join(rendered(r).split())


# --------------------------------------------------------------------------- hand-made inputs


def test_named_strap_without_balance_reason_names_the_strap():
    strap = SimpleNamespace(kind="chest", product="hrm_run")
    ctx = SimpleNamespace(metrics=SimpleNamespace(dynamics_source="chest"), run=SimpleNamespace(sensors=[strap]))
    assert no_balance_reason(ctx).startswith("your hrm_run sent running dynamics but no GCT balance")
    unnamed = SimpleNamespace(metrics=SimpleNamespace(dynamics_source="chest"), run=SimpleNamespace(sensors=[]))
    assert "this watch has none at the wrist" in no_balance_reason(unnamed)


def test_fast_stretches_tell_intervals_from_a_progression():
    progression = np.array([3.6, 2.8, 2.8, 2.6, 3.1, 3.3, 3.5, 3.6, 3.8, 4.0, 4.0, 3.9, 4.1, 2.4, 2.3, 2.2])
    assert fast_stretches(progression, np.arange(progression.size)) == 1  # one quick first minute is no stretch
    reps = np.array([3.0, 3.0, 4.5, 4.6, 4.5, 3.0, 3.0, 4.6, 4.5, 4.6, 3.0, 3.0, 4.5, 4.5])
    assert fast_stretches(reps, np.arange(reps.size)) == 3
    # walked recoveries are dropped by the cleaning: missing minutes count as slow
    fast_only = np.array([4.5, 4.6, 4.5, 4.6, 4.5, 4.6, 3.0])
    assert fast_stretches(fast_only, np.array([0, 1, 2, 6, 7, 8, 12])) == 2


def test_after_bike_needs_a_bike_leg_just_before_the_run():
    bike = {"sport": "cycling", "start_time": 0.0, "total_elapsed_time": 3600.0}
    run = {"sport": "running", "start_time": 3700.0}
    assert after_bike([bike, run], [run]) is True
    late = {"sport": "running", "start_time": 3600.0 + 7200.0}
    assert after_bike([bike, late], [late]) is False
    assert after_bike([run], [run]) is False


def test_reconcile_sides_shows_both_and_claims_neither():
    from fitglute.model.finding import Finding
    from fitglute.rules.engine import RuleContext, reconcile_sides

    strap = Finding("gct-balance-bias", "t", "left", 0.3, "C", "", "strap msg.", "", {}, clarity=0.8)
    pods = Finding("pods-rule", "t", "right", 0.3, "C", "", "pods msg.", "", {}, clarity=0.8)
    fatigue = Finding("fatigue-drift", "t", "both", 0.5, "B", "", "drift msg.", "", {}, clarity=0.6)
    groups = {"gct-balance-bias": "contact asymmetry", "pods-rule": "contact asymmetry", "fatigue-drift": "fatigue"}
    ctx = RuleContext(
        run=None, metrics=SimpleNamespace(dynamics_source="chest"), findings=[strap, pods, fatigue],
        groups=groups, sources={"pods-rule": "RunScribe pods"},
    )  # fmt: skip
    reconcile_sides(ctx)
    assert strap.side == pods.side == "none" and fatigue.side == "both"
    assert strap.values["sides"] == {"RunScribe pods": "right", "chest strap": "left"}
    assert "disagree on the side (RunScribe pods right, chest strap left)" in strap.message
    # agreeing sources keep their side
    a = Finding("gct-balance-bias", "t", "left", 0.3, "C", "", "", "", {}, clarity=0.8)
    b = Finding("pods-rule", "t", "left", 0.3, "C", "", "", "", {}, clarity=0.8)
    reconcile_sides(RuleContext(run=None, metrics=ctx.metrics, findings=[a, b], groups=groups, sources=ctx.sources))
    assert a.side == b.side == "left"
