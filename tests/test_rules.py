"""Per-rule tests on generated runs with known, injected patterns (tests/scenarios.py).

Every run is generated and analysed once per module (``results``) through the full pipeline:
FIT bytes → decoder → clean-running statistics → rules. The sizes mirror the validity sweep
(benchmarks/validity.py): a 2.5-point balance bias and a 7 % late GCT rise must be found, a
0.5-point bias and slow-downs / cool-downs / hills must not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fit_tool")

import scenarios as S  # noqa: E402  (tests/scenarios.py)

from fitglute.plugins import rules as registry  # noqa: E402
from fitglute.rules.composite import check_overload  # noqa: E402
from fitglute.rules.engine import Finding, RuleContext  # noqa: E402

SHARED_FIT = Path(__file__).parents[2] / "shared" / "fit"
BIAS, FATIGUE, ZONES, OVERLOAD = "gct-balance-bias", "fatigue-drift", "form-zones", "posterior-chain-overload"
ALARMS = (BIAS, FATIGUE, OVERLOAD)
FINDING_KEYS = {"rule", "title", "side", "confidence", "evidence", "message", "values"}

# name -> scenario; every one is generated and analysed once for the whole module
RUNS = {
    # symmetric clean runs across seeds
    **{f"clean-{s}": S.clean(seed=s) for s in (1, 2, 3)},
    # balance bias: sizes, sides, data quality
    **{f"bias-left-{p}": S.balance_bias(p, "left", seed=4) for p in (0.5, 1.0, 1.5, 2.5, 3.5)},
    "bias-right-2.5": S.balance_bias(2.5, "right", seed=4),
    "bias-right-1.5": S.balance_bias(1.5, "right", seed=5),
    "bias-left-2.5-15min": S.balance_bias(2.5, "left", seed=4, minutes=15),
    "bias-left-2.5-noisy": S.balance_bias(2.5, "left", seed=4, noise=3.0),
    "bias-left-2.5-stops": S.balance_bias(2.5, "left", seed=6, stops=3, walk_breaks=3),
    "bias-left-2.5-treadmill": S.treadmill(seed=4, balance_left_pct=52.5),
    "bias-left-2.5-track": S.track(seed=4, balance_left_pct=52.5),
    "bias-left-2.5-intervals": S.intervals(seed=4, balance_left_pct=52.5),
    "bias-left-2.5-wrist": S.wrist(seed=4, balance_left_pct=52.5),
    "bias-left-2.5-hills": S.hills(seed=4, balance_left_pct=52.5),
    "bias-left-2.5-5min": S.balance_bias(2.5, "left", seed=4, minutes=5),
    # fatigue drift at constant speed: sizes, sides, data quality
    **{f"fatigue-{p}": S.fatigue(p, seed=7) for p in (3.0, 5.0, 7.0, 10.0)},
    "fatigue-7-15min": S.fatigue(7.0, seed=7, minutes=15),
    "fatigue-7-noisy": S.fatigue(7.0, seed=7, noise=3.0),
    "fatigue-7-slowdown": S.fatigue(7.0, seed=8, profile="slowdown"),
    "fatigue-7-left": S.sided_fatigue(7.0, 2.0, "left", seed=7),
    "fatigue-7-right": S.sided_fatigue(7.0, 2.0, "right", seed=7),
    "fatigue-7-treadmill": S.treadmill(seed=7, fatigue_gct_pct=7.0),
    "fatigue-7-wrist": S.wrist(seed=7, fatigue_gct_pct=7.0),
    "fatigue-7-intervals": S.intervals(seed=7, fatigue_gct_pct=7.0),
    # confounders that must stay silent
    **{f"slowdown-{s}": S.slowdown(seed=s) for s in (1, 2)},
    **{f"cooldown-{s}": S.cooldown(seed=s) for s in (1, 2)},
    **{f"hills-{s}": S.hills(seed=s) for s in (1, 2)},
    "stops-walks": S.stops_and_walks(seed=1),
    "no-dynamics": S.no_dynamics(seed=1, minutes=20),
    # the composite: two signals on one side, or on opposite sides
    "overload-left": S.overload(2.5, "left", 7.0, 2.0, seed=9),
    "overload-right": S.overload(2.5, "right", 7.0, 2.0, seed=9),
    "overload-opposite": S.overload(2.5, "left", 7.0, -2.0, seed=9),
    # form zones: slow, heavy steps well into Garmin's red zones
    "red-zones": S.clean(seed=10, minutes=20, gct_ms=330.0, cadence_spm=150.0, vo_mm=120.0),
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every scenario in RUNS, analysed with default thresholds (empty private FITGLUTE_HOME)."""
    home = tmp_path_factory.mktemp("rules-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FITGLUTE_HOME", str(home))
        return {name: S.analyse(sc, name=f"{name}.fit") for name, sc in RUNS.items()}


def conf(results: dict[str, dict[str, Any]], run: str, rule: str) -> float:
    return S.confidence(results[run], rule)


def side(results: dict[str, dict[str, Any]], run: str, rule: str) -> str | None:
    f = S.finding(results[run], rule)
    return None if f is None else f["side"]


# --------------------------------------------------------------------------- every result


def test_every_generated_run_is_ok_and_well_formed(results):
    for name, r in results.items():
        assert r["status"] == "ok", name
        assert isinstance(r["findings"], list) and isinstance(r["not_assessed"], dict)
        for f in r["findings"]:
            assert set(f) >= FINDING_KEYS, (name, f)
            assert 0.0 <= f["confidence"] <= 1.0
            assert f["side"] in ("left", "right", "both", "none")
            assert f["evidence"] in ("A", "B", "C")
        for rule, reason in r["not_assessed"].items():
            assert isinstance(reason, str) and reason, (name, rule)


def test_data_gaps_go_to_not_assessed_never_to_findings(results):
    for name, r in results.items():
        fired = {f["rule"] for f in r["findings"]}
        assert not fired & set(r["not_assessed"]), name


def test_form_zones_never_reaches_half_confidence(results):
    for name in results:
        assert conf(results, name, ZONES) < 0.5, name


# --------------------------------------------------------------------------- gct-balance-bias


def test_balance_bias_fires_on_the_longer_contact_side(results):
    assert side(results, "bias-left-2.5", BIAS) == "left"
    assert side(results, "bias-right-2.5", BIAS) == "right"
    assert side(results, "bias-right-1.5", BIAS) == "right"
    f = S.finding(results["bias-left-2.5"], BIAS)
    assert 52.0 < f["values"]["balance_left_pct"] < 53.0
    lo, hi = f["values"]["ci"]
    assert 50.7 < lo < f["values"]["balance_left_pct"] < hi
    assert "left" in f["message"] and "may" in f["message"]


def test_balance_bias_of_two_and_a_half_points_is_likely_but_stays_moderate(results):
    for run in ("bias-left-2.5", "bias-right-2.5", "bias-left-3.5"):
        assert 0.5 <= conf(results, run, BIAS) < 0.7, run  # "likely", never "strong signal" alone


def test_balance_bias_silent_inside_the_green_band_and_on_symmetric_runs(results):
    assert S.finding(results["bias-left-0.5"], BIAS) is None
    for s in (1, 2, 3):
        assert S.finding(results[f"clean-{s}"], BIAS) is None


def test_balance_bias_bigger_effect_higher_confidence(results):
    sizes = [conf(results, f"bias-left-{p}", BIAS) for p in (1.0, 1.5, 2.5, 3.5)]
    assert 0 < sizes[0] < sizes[1] < sizes[2] < sizes[3]
    assert sizes[1] < 0.5  # a 1.5-point bias (Garmin's orange band) is only "possible"


def test_balance_bias_cleaner_and_longer_data_higher_confidence(results):
    full = conf(results, "bias-left-2.5", BIAS)
    assert 0 < conf(results, "bias-left-2.5-15min", BIAS) < full
    assert 0 < conf(results, "bias-left-2.5-noisy", BIAS) < full


def test_balance_bias_survives_stops_and_walk_breaks(results):
    assert side(results, "bias-left-2.5-stops", BIAS) == "left"
    assert conf(results, "bias-left-2.5-stops", BIAS) >= 0.5


@pytest.mark.parametrize("run", ["bias-left-2.5-treadmill", "bias-left-2.5-track", "bias-left-2.5-intervals"])
def test_balance_bias_down_weighted_on_treadmill_track_and_intervals(results, run):
    assert side(results, run, BIAS) == "left"
    assert 0 < conf(results, run, BIAS) < 0.5
    assert conf(results, run, BIAS) < conf(results, "bias-left-2.5", BIAS)


def test_balance_bias_not_assessed_without_balance_data(results):
    r = results["bias-left-2.5-wrist"]
    assert S.finding(r, BIAS) is None
    assert "balance" in r["not_assessed"][BIAS].lower()
    assert "wrist" in r["not_assessed"][BIAS].lower()


def test_balance_bias_not_assessed_on_hills_and_short_runs(results):
    for run in ("bias-left-2.5-hills", "bias-left-2.5-5min", "hills-1", "hills-2"):
        assert S.finding(results[run], BIAS) is None, run
        assert "min" in results[run]["not_assessed"][BIAS], run


# --------------------------------------------------------------------------- fatigue-drift


def test_fatigue_drift_fires_at_constant_speed(results):
    f = S.finding(results["fatigue-7.0"], FATIGUE)
    assert f is not None and f["side"] == "both"
    assert f["confidence"] >= 0.5
    assert 5.5 < f["values"]["gct_ms_change_pct"] < 8.5
    assert "matched speed" in f["message"]


def test_fatigue_drift_bigger_effect_higher_confidence(results):
    assert S.finding(results["fatigue-3.0"], FATIGUE) is None or conf(results, "fatigue-3.0", FATIGUE) < 0.5
    c5, c7, c10 = (conf(results, f"fatigue-{p}", FATIGUE) for p in (5.0, 7.0, 10.0))
    assert c5 < c7 < c10


def test_fatigue_drift_cleaner_and_longer_data_higher_confidence(results):
    full = conf(results, "fatigue-7.0", FATIGUE)
    assert conf(results, "fatigue-7-15min", FATIGUE) < full
    assert conf(results, "fatigue-7-noisy", FATIGUE) < full


def test_fatigue_drift_found_through_a_slowdown(results):
    f = S.finding(results["fatigue-7-slowdown"], FATIGUE)
    assert f is not None and f["side"] == "both"
    assert f["values"]["speed_change_pct"] < -5


def test_fatigue_drift_side_follows_the_balance_drift(results):
    assert side(results, "fatigue-7-left", FATIGUE) == "left"
    assert side(results, "fatigue-7-right", FATIGUE) == "right"
    assert "balance also shifted" in S.finding(results["fatigue-7-left"], FATIGUE)["message"]


@pytest.mark.parametrize(
    "run", ["slowdown-1", "slowdown-2", "cooldown-1", "cooldown-2", "hills-1", "hills-2", "stops-walks"]
)
def test_fatigue_drift_silent_on_slowdown_cooldown_hills_and_stops(results, run):
    assert S.finding(results[run], FATIGUE) is None


def test_fatigue_drift_down_weighted_on_treadmill_and_wrist(results):
    chest = conf(results, "fatigue-7.0", FATIGUE)
    treadmill = conf(results, "fatigue-7-treadmill", FATIGUE)
    wrist = conf(results, "fatigue-7-wrist", FATIGUE)
    assert 0 < treadmill < 0.5 and treadmill < chest
    assert 0 < wrist < chest


def test_fatigue_drift_not_assessed_on_intervals(results):
    r = results["fatigue-7-intervals"]
    assert S.finding(r, FATIGUE) is None
    assert "interval" in r["not_assessed"][FATIGUE]


# --------------------------------------------------------------------------- no data


def test_no_dynamics_file_is_not_assessed_by_every_dynamics_rule(results):
    r = results["no-dynamics"]
    for rule in (BIAS, FATIGUE, ZONES):
        assert "no running dynamics" in r["not_assessed"][rule]
    assert not [f for f in r["findings"] if f["rule"] in (BIAS, FATIGUE, ZONES, OVERLOAD)]


# --------------------------------------------------------------------------- false alarms


QUIET = [n for n in RUNS if n.startswith(("clean-", "slowdown-", "cooldown-", "hills-", "stops-"))]


@pytest.mark.parametrize("run", QUIET)
def test_no_alarm_on_runs_with_nothing_injected(results, run):
    assert [f["rule"] for f in results[run]["findings"] if f["rule"] in ALARMS] == []


# --------------------------------------------------------------------------- posterior-chain-overload


def test_overload_fires_when_bias_and_drift_point_to_the_same_side(results):
    for s in ("left", "right"):
        f = S.finding(results[f"overload-{s}"], OVERLOAD)
        assert f is not None and f["side"] == s
        assert set(f["values"]["signals"]) == {BIAS, FATIGUE}
        assert "hamstrings" in f["message"] and "hypothesis" in f["message"]
        assert f["evidence"] == "C"


def test_overload_silent_with_one_signal_or_opposite_sides(results):
    for run in ("bias-left-2.5", "bias-left-3.5", "fatigue-7.0", "fatigue-10.0", "fatigue-7-left"):
        assert S.finding(results[run], OVERLOAD) is None, run
    r = results["overload-opposite"]
    assert side(results, "overload-opposite", BIAS) == "left"
    assert side(results, "overload-opposite", FATIGUE) == "right"
    assert S.finding(r, OVERLOAD) is None


def _f(rule: str, side_: str, confidence: float) -> Finding:
    return Finding(rule, rule, side_, confidence, "B", "test", "msg", "act")


def _overload(*findings: Finding) -> list[Finding]:
    th = {k: t.value for k, t in registry()[OVERLOAD].thresholds.items()}
    groups = {r.id: r.signal_group for r in registry().values()}
    return check_overload(RuleContext(run=None, metrics=None, findings=list(findings), groups=groups), th)


def test_overload_needs_two_different_rules_on_one_side():
    assert _overload(_f(BIAS, "left", 0.6)) == []
    assert _overload(_f(BIAS, "left", 0.6), _f(FATIGUE, "right", 0.6)) == []
    assert _overload(_f(BIAS, "left", 0.6), _f("form-zones", "none", 0.3)) == []  # not a signal rule
    assert _overload(_f(BIAS, "left", 0.6), _f(FATIGUE, "left", 0.1)) == []  # too weak to count
    (left,) = _overload(_f(BIAS, "left", 0.6), _f(FATIGUE, "left", 0.6))
    assert left.side == "left"
    # a bilateral signal (fatigue drift in both legs) may join a sided one, never stand in for it
    (joined,) = _overload(_f(BIAS, "right", 0.6), _f(FATIGUE, "both", 0.6))
    assert joined.side == "right"
    assert _overload(_f(FATIGUE, "both", 0.6)) == []


def test_overload_confidence_grows_with_its_signals():
    weak = _overload(_f(BIAS, "left", 0.35), _f(FATIGUE, "left", 0.35))[0].confidence
    strong = _overload(_f(BIAS, "left", 0.6), _f(FATIGUE, "left", 0.8))[0].confidence
    assert 0 < weak < strong <= 0.6  # grade C caps the composite


# --------------------------------------------------------------------------- form-zones


def test_form_zones_reports_red_zones_informationally(results):
    f = S.finding(results["red-zones"], ZONES)
    assert f is not None and f["side"] == "none" and f["evidence"] == "C"
    assert 0 < f["confidence"] < 0.5
    text = " ".join(f["values"]["zones"])
    assert "ground contact time" in text and "red" in text
    assert S.finding(results["clean-1"], ZONES) is None  # a typical runner sits in the green/blue


# --------------------------------------------------------------------------- real files


REAL = sorted(p.name for p in SHARED_FIT.glob("*.fit")) if SHARED_FIT.is_dir() else []


@pytest.mark.skipif(not REAL, reason="../shared/fit not present")
@pytest.mark.parametrize("name", REAL)
def test_real_files_run_through_every_rule(name, tmp_path, monkeypatch):
    """No exception from any rule on real files; non-running files are skipped by the decoder."""
    from fitglute.pipeline import analyse_file

    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path))
    r = analyse_file(str(SHARED_FIT / name), context=None).to_json()
    assert r["status"] in ("ok", "skipped", "error"), r["error"]
    if r["status"] != "ok":
        assert r["findings"] == [] and r["error"]
        return
    fired = {f["rule"] for f in r["findings"]}
    for f in r["findings"]:
        assert set(f) >= FINDING_KEYS
        assert 0.0 <= f["confidence"] <= 1.0
    assert not fired & set(r["not_assessed"])
    # every built-in single-run rule either judged the run (finding or silence) or said why not
    if r["dynamics_source"] == "none":
        assert {BIAS, FATIGUE, ZONES} <= set(r["not_assessed"])
    if "gct_balance_left_pct" not in r["channels"]:
        assert BIAS in r["not_assessed"]
    assert all(f["confidence"] < 0.5 for f in r["findings"] if f["rule"] == ZONES)
