"""The example plugin of docs/plugins.md: its channel, its rule, and how it is found."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from importlib.metadata import entry_points

import fitglute_example
import numpy as np
import pytest
from fitglute_example.rules import NEGATIVE_SPLIT

from fitglute import decode as fit
from fitglute import dynamics
from fitglute.api import ChannelMapper
from fitglute.rules.engine import NotAssessed, RuleContext


@pytest.fixture(scope="module")
def steady_bytes():
    pytest.importorskip("fit_tool")
    from fitglute_devkit.synth import Scenario, write_run

    return write_run(None, Scenario(duration_s=2400, seed=12, rolling_m=0.0))[0]


def judge(run):
    """What analyse_file does, by hand: the plugin's mapper, the statistics, then the rule."""
    run.channels.update(fitglute_example.pace_min_per_km(run))
    metrics = dynamics.analyse(run)
    th = {k: t.value for k, t in NEGATIVE_SPLIT.thresholds.items()}
    return NEGATIVE_SPLIT.check(RuleContext(run=run, metrics=metrics), th)


def test_the_channel_is_pace_from_speed(steady_bytes):
    run = fit.read(steady_bytes, name="steady.fit")
    pace = fitglute_example.pace_min_per_km(run)["pace_min_per_km"]
    speed = run.channels["speed_mps"]
    ok = speed > 0
    np.testing.assert_allclose(pace[ok], 1000.0 / 60.0 / speed[ok])
    assert np.isnan(pace[~ok]).all()
    assert np.nanmedian(pace) == pytest.approx(1000 / 60 / 3.0, rel=0.02)  # 3 m/s = 5:33 /km


def test_the_hooks_register_one_channel_and_one_rule():
    mappers, rules = [], []
    fitglute_example.register_channels(register=mappers.append)
    fitglute_example.register_rules(register=rules.append)
    assert [type(m) for m in mappers] == [ChannelMapper] and list(mappers[0].channels) == ["pace_min_per_km"]
    assert [r.id for r in rules] == ["example-negative-split"]


def test_rule_fires_on_a_faster_last_third(steady_bytes):
    run = fit.read(steady_bytes, name="steady.fit")
    late = run.t >= run.t[0] + 1600  # the last third of the 40-minute run, 6 % faster
    run.channels["speed_mps"] = np.where(late, run.channels["speed_mps"] * 1.06, run.channels["speed_mps"])
    [finding] = judge(run)
    assert finding.rule == "example-negative-split" and finding.side == "none"
    assert finding.values["pace_change_pct"] == pytest.approx(-100 * (1 - 1 / 1.06), abs=1.0)
    assert finding.values["ci"][1] < -3.0
    assert 0 < finding.confidence < 0.5


def test_rule_is_silent_on_even_and_slowing_runs(steady_bytes):
    assert judge(fit.read(steady_bytes, name="steady.fit")) == []
    from fitglute_devkit.synth import Scenario, write_run

    slower = write_run(None, Scenario(duration_s=2400, seed=13, profile="slowdown"))[0]
    assert judge(fit.read(slower, name="slower.fit")) == []


def test_rule_steps_back_indoors(steady_bytes):
    run = fit.read(steady_bytes, name="steady.fit")
    run = replace(run, sub_sport="treadmill")
    assert isinstance(judge(run), NotAssessed)


def test_installed_through_the_entry_point(tmp_path):
    eps = [ep for ep in entry_points(group="fitglute") if ep.name == "example"]
    if not eps:
        pytest.skip("fitglute-example is not installed (pip install -e plugins/fitglute-example)")
    assert eps[0].value == "fitglute_example"
    env = {**os.environ, "FITGLUTE_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "fitglute", "plugins", "--json"], capture_output=True, text=True, env=env, timeout=120
    )
    info = {p["name"]: p for p in json.loads(out.stdout)["plugins"]}
    assert info["example"]["channels"] == ["pace_min_per_km"]
    assert info["example"]["rules"] == ["example-negative-split"]
    off = subprocess.run(
        [sys.executable, "-m", "fitglute", "plugins", "--json"],
        capture_output=True,
        text=True,
        env={**env, "FITGLUTE_PLUGINS": "-example"},
        timeout=120,
    )
    assert "example" not in {p["name"] for p in json.loads(off.stdout)["plugins"]}
