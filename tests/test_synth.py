"""Tests for the synthetic FIT generator: its files must decode with both decoders fitglute uses,
and what they carry must match the generator's own truth. Short runs keep this file fast."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

pytest.importorskip("fit_tool")
fitparse = pytest.importorskip("fitparse")

from fitglute_devkit.synth import (  # noqa: E402
    DROPOUT_S,
    PAUSE_S,
    RUNSCRIBE_APP_ID,
    STOP_S,
    STRYD_APP_ID,
    WALK_S,
    Scenario,
    write_run,
)


def _decode(data: bytes) -> dict[str, list[dict]]:
    """All messages by name; fitparse reads to the end and checks the CRC (raises otherwise)."""
    out: dict[str, list[dict]] = {}
    for msg in fitparse.FitFile(data, check_crc=True).get_messages():
        out.setdefault(msg.name, []).append(msg.get_values())
    return out


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.fixture(scope="module")
def biased_run():
    return write_run(None, Scenario(duration_s=600, seed=3, balance_left_pct=52.5))


def test_session_averages_match_truth(biased_run):
    data, truth = biased_run
    msgs = _decode(data)
    assert len(msgs["record"]) == 600
    s = msgs["session"][0]
    assert s["sport"] == "running"
    assert s["total_timer_time"] == truth.duration_s
    assert _rel(s["avg_stance_time"], truth.gct_ms) < 0.02
    assert _rel(s["avg_vertical_oscillation"], truth.vertical_oscillation_mm) < 0.02
    assert _rel(s["avg_vertical_ratio"], truth.vertical_ratio_pct) < 0.02
    assert _rel(s["avg_step_length"], truth.step_length_mm) < 0.02
    assert _rel(s["avg_stance_time_percent"], truth.stance_time_percent) < 0.02
    spm = 2 * (s["avg_running_cadence"] + s["avg_fractional_cadence"])
    assert _rel(spm, truth.cadence_spm) < 0.01
    assert _rel(s["enhanced_avg_speed"], truth.speed_mps) < 0.015
    assert _rel(s["total_distance"], truth.distance_m) < 0.015
    assert abs(s["avg_stance_time_balance"] - truth.gct_balance_left_pct) < 0.6


def test_record_balance_mean_matches_injected_bias(biased_run):
    data, truth = biased_run
    bal = [r["stance_time_balance"] for r in _decode(data)["record"]]
    assert all(b is not None for b in bal)
    assert truth.gct_balance_left_pct == pytest.approx(52.5)
    assert abs(float(np.mean(bal)) - 52.5) < 0.6
    assert 0.5 < float(np.std(bal)) < 2.0  # noisy like a real strap, not a constant


def test_noise_free_file_reproduces_truth_exactly():
    """With noise=0 the decoded clean-running means equal the truth up to FIT quantisation."""
    sc = Scenario(duration_s=1200, noise=0, profile="hills", fatigue_gct_pct=6.0, balance_drift_pts=1.5,
                  stops=1, walk_breaks=1, dropouts=1, pauses=1)
    data, truth = write_run(None, sc)
    recs = _decode(data)["record"]
    clean = [r for r in recs if r.get("stance_time") is not None]
    assert len(clean) == truth.clean_running_s == sc.duration_s - DROPOUT_S
    assert len(recs) == truth.duration_s == sc.duration_s + STOP_S + WALK_S
    assert truth.elapsed_s == truth.duration_s + PAUSE_S
    for field, want in (("stance_time", truth.gct_ms), ("stance_time_balance", truth.gct_balance_left_pct),
                        ("vertical_oscillation", truth.vertical_oscillation_mm),
                        ("vertical_ratio", truth.vertical_ratio_pct), ("step_length", truth.step_length_mm),
                        ("enhanced_speed", truth.speed_mps)):
        assert _rel(float(np.mean([r[field] for r in clean])), want) < 1e-3, field
    spm = np.mean([2 * (r["cadence"] + r["fractional_cadence"]) for r in clean])
    assert _rel(float(spm), truth.cadence_spm) < 1e-3


def test_fatigue_raises_late_gct_at_equal_speed():
    data, truth = write_run(None, Scenario(duration_s=900, noise=0, fatigue_gct_pct=5.0))
    gct = [r["stance_time"] for r in _decode(data)["record"]]
    assert np.mean(gct[600:]) / np.mean(gct[:300]) == pytest.approx(1.05, abs=1e-3)
    assert truth.fatigue_gct_pct == 5.0


def test_wrist_sensor_writes_no_balance():
    data, truth = write_run(None, Scenario(duration_s=600, sensor="wrist"))
    msgs = _decode(data)
    assert truth.gct_balance_left_pct is None and truth.gct_ms is not None
    assert all(r.get("stance_time_balance") is None for r in msgs["record"])
    assert all(r.get("stance_time") is not None for r in msgs["record"])
    assert msgs["session"][0].get("avg_stance_time_balance") is None
    assert [d["device_index"] for d in msgs["device_info"]] == ["creator"]


def test_walk_breaks_and_stops_carry_no_dynamics():
    data, truth = write_run(None, Scenario(duration_s=600, walk_breaks=2, stops=1))
    recs = _decode(data)["record"]
    walking = [r for r in recs if r["activity_type"] == "walking"]
    assert len(walking) == 2 * WALK_S
    assert all(r.get("stance_time") is None and r.get("vertical_oscillation") is None for r in walking)
    stopped = [r for r in recs if r["enhanced_speed"] == 0]
    assert len(stopped) == STOP_S
    assert all(r["cadence"] == 0 and r.get("stance_time") is None for r in stopped)
    assert truth.clean_running_s == 600


def test_pauses_write_timer_events_and_gap():
    data, truth = write_run(None, Scenario(duration_s=600, pauses=2))
    msgs = _decode(data)
    timer = [(e["event"], e["event_type"]) for e in msgs["event"]]
    pause = [("timer", "stop_all"), ("timer", "start")]
    assert timer == [("timer", "start"), *pause, *pause, ("timer", "stop_all")]
    s = msgs["session"][0]
    assert s["total_timer_time"] == truth.duration_s == 600
    assert s["total_elapsed_time"] == truth.elapsed_s == 600 + 2 * PAUSE_S


def test_developer_fields_decode_in_both_decoders():
    fitfast = pytest.importorskip("fitfast")
    sc = Scenario(duration_s=300, stryd=True, runscribe=True, runscribe_contact_bias_ms=12)
    data, _ = write_run(None, sc)
    msgs = _decode(data)
    # fitparse gives the 16-byte application_id as a tuple of ints
    assert [bytes(d["application_id"]) for d in msgs["developer_data_id"]] == [STRYD_APP_ID, RUNSCRIBE_APP_ID]
    rec = msgs["record"][100]
    stryd = ("Power", "Form Power", "Air Power", "Leg Spring Stiffness", "Ground Time",
             "Vertical Oscillation")
    for name in stryd:
        assert rec[name] is not None, name
    assert 150 < rec["Power"] < 260
    for n in range(13):
        assert isinstance(rec[f"unnamed_dev_field_{n}"], float)
    cols = fitfast.records(data)
    for n in range(13):
        ours = np.array([r[f"unnamed_dev_field_{n}"] for r in msgs["record"]], dtype=float)
        np.testing.assert_allclose(cols[f"dev_1_{n}"], ours, rtol=1e-6)
    bias = np.mean(cols["dev_1_5"]) - np.mean(cols["dev_1_11"])  # contact time left - right
    assert bias == pytest.approx(12.0, abs=2.0)


def test_fitfast_matches_fitparse_on_native_fields(biased_run):
    fitfast = pytest.importorskip("fitfast")
    data, _ = biased_run
    recs = _decode(data)["record"]
    cols = fitfast.records(data, degrees=False)
    assert len(cols["timestamp"]) == len(recs)
    for name in ("distance", "enhanced_speed", "stance_time", "stance_time_balance", "step_length",
                 "vertical_ratio", "fractional_cadence", "position_lat"):
        np.testing.assert_allclose(cols[name], [r[name] for r in recs], rtol=1e-9, err_msg=name)
    assert fitfast.parse(data)["session"][0]["avg_stance_time_balance"] == pytest.approx(
        _decode(data)["session"][0]["avg_stance_time_balance"])


def test_same_seed_same_bytes():
    sc = Scenario(duration_s=120, seed=7)
    assert write_run(None, sc)[0] == write_run(None, sc)[0]
    assert write_run(None, Scenario(duration_s=120, seed=8))[0] != write_run(None, sc)[0]


def test_bundled_demo_is_small_and_matches_its_scenario():
    fitfast = pytest.importorskip("fitfast")
    from fitglute_devkit.make_demo import DEMO_PATH, DEMO_SCENARIO

    assert DEMO_PATH.stat().st_size < 150 * 1024
    _, truth = write_run(None, DEMO_SCENARIO)
    cols = fitfast.records(DEMO_PATH)
    assert len(cols["timestamp"]) == truth.duration_s == 2400
    assert int(np.sum(cols["enhanced_speed"] == 0)) == STOP_S
    bal = cols["stance_time_balance"]
    assert abs(float(np.nanmean(bal)) - 51.8) < 0.5
    assert math.isclose(float(np.nanmean(cols["stance_time"])), truth.gct_ms, rel_tol=0.02)
    assert Counter(np.isnan(bal).tolist())[True] == STOP_S
