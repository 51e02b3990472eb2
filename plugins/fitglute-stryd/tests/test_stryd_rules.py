"""Stryd rules on generated runs: they fire on injected fatigue and stay silent on clean data."""

from __future__ import annotations

import pytest
from stryd_testkit import analyse, analysed, rules_of, shared

STRYD_RULES = {"lss-drop", "form-power-ratio-rise"}


def test_lss_drop_fires_on_fatigue():
    res = analysed(seed=2, sensor="none", fatigue_gct_pct=8.0)  # the model's LSS falls ~7 %
    f = rules_of(res)["lss-drop"]
    # Stryd LSS is a proprietary model: grade C however clear the signal (issue 13)
    assert f["side"] == "both" and f["evidence"] == "C" and "proprietary" in f["evidence_source"]
    assert f["values"]["lss_change_pct"] == pytest.approx(-7.4, abs=1.5)
    assert f["values"]["ci"][1] < -3.0  # the whole interval past the notable 3 % fall
    assert f["values"]["speed_adjusted"] is True
    assert f["clarity"] > 0.6 and f["confidence"] <= 0.6
    assert "proprietary model" in f["message"] and "hamstrings" not in f["message"]


def test_form_power_ratio_rise_fires_on_strong_fatigue():
    res = analysed(seed=2, sensor="none", fatigue_gct_pct=14.0)
    f = rules_of(res)["form-power-ratio-rise"]
    assert f["evidence"] == "C" and f["side"] == "both"
    assert f["values"]["form_power_ratio_change_pct"] == pytest.approx(6.5, abs=1.5)
    assert f["values"]["ci"][0] > 3.0


@pytest.mark.parametrize(
    "kw",
    [
        {"seed": 0},
        {"seed": 5, "sensor": "none"},
        {"seed": 7, "profile": "slowdown"},  # slower at the end: matched speed, no fatigue
        {"seed": 8, "profile": "cooldown"},
        {"seed": 9, "stops": 2, "walk_breaks": 2},
    ],
)
def test_silent_on_clean_runs(kw):
    res = analysed(**kw)
    assert not STRYD_RULES & set(rules_of(res)), rules_of(res)
    assert not STRYD_RULES & set(res["not_assessed"])  # judged, not skipped


def test_treadmill_cannot_match_speed_and_says_so():
    matched = rules_of(analysed(seed=2, sensor="none", fatigue_gct_pct=8.0))["lss-drop"]
    indoor = rules_of(analysed(seed=2, sensor="none", fatigue_gct_pct=8.0, sub_sport="treadmill"))["lss-drop"]
    assert indoor["values"]["speed_adjusted"] is False
    assert "could not be matched" in indoor["message"]
    assert indoor["confidence"] < matched["confidence"]


def test_gct_sources_reported_apart_not_mixed():
    res = analysed(seed=3)  # chest strap + Stryd: the model's pod GCT is 7 % shorter
    f = rules_of(res)["gct-source-disagreement"]
    v = f["values"]
    assert f["side"] == "none" and f["confidence"] < 0.3  # informational
    assert v["native_gct_ms"] == pytest.approx(res["channels"]["gct_ms"]["mean"], rel=0.01)
    assert v["stryd_gct_ms"] == pytest.approx(res["channels"]["stryd_gct_ms"]["mean"], rel=0.01)
    assert v["difference_pct"] == pytest.approx(-7.0, abs=0.7)
    assert v["ci"][1] < -3.0
    # the native GCT keeps the chest strap's values (no averaging of the two)
    assert res["channels"]["gct_ms"]["mean"] == pytest.approx(v["stryd_gct_ms"] / 0.93, rel=0.02)
    # informational: it never counts toward the posterior-chain composite
    assert all("gct-source-disagreement" not in (c["values"].get("signals") or []) for c in res["findings"])


def test_stryd_fatigue_and_gct_drift_are_one_kind_of_evidence():
    res = analysed(seed=2, fatigue_gct_pct=8.0)  # chest strap + Stryd see the same fatigue
    found = rules_of(res)
    assert {"fatigue-drift", "lss-drop"} <= set(found)
    assert "posterior-chain-overload" not in found


def test_bilateral_stryd_signals_never_support_a_side():
    """A Stryd stiffness fall is in both legs: beside a one-sided balance it is no second signal."""
    res = analysed(seed=2, fatigue_gct_pct=8.0, balance_left_pct=52.8)
    found = rules_of(res)
    assert found["gct-balance-bias"]["side"] == "left" and found["lss-drop"]["side"] == "both"
    assert "posterior-chain-overload" not in found


def test_not_assessed_without_stryd():
    pytest.importorskip("fit_tool")
    from fitglute_devkit.synth import Scenario, write_run

    data, _ = write_run(None, Scenario(duration_s=900, seed=1))
    res = analyse(data, "plain.fit")
    for rule in ("lss-drop", "form-power-ratio-rise", "gct-source-disagreement"):
        assert "no Stryd" in res["not_assessed"][rule]


def test_real_garmin_file_with_stryd_ground_time_is_not_told_no_dynamics():
    """FR920xt-with-Stryd.fit: no strap, Stryd's ground time in developer fields (issue 13)."""
    res = analyse(shared("FR920xt-with-Stryd.fit"))
    for rule in ("gct-balance-bias", "form-zones", "fatigue-drift"):
        reason = res["not_assessed"][rule]
        assert "Stryd's own" in reason and "judged by the Stryd rules" in reason, (rule, reason)
