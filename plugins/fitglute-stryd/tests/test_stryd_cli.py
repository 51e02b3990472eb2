"""The installed plugin, end to end: entry point, `fitglute plugins`, disabling, worker processes."""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import entry_points

import pytest
from stryd_testkit import EMPTY_HOME, fitglute_cli, synth


@pytest.fixture(scope="module")
def fatigued_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("stryd") / "stryd_run.fit"
    path.write_bytes(synth(seed=2, sensor="none", fatigue_gct_pct=8.0))
    return path


def _stryd_entry_point():
    eps = [ep for ep in entry_points(group="fitglute") if ep.name == "stryd"]
    if not eps:
        pytest.skip("fitglute-stryd is not installed (pip install -e plugins/fitglute-stryd)")
    return eps[0]


def test_entry_point_and_plugins_json(tmp_path):
    assert _stryd_entry_point().value == "fitglute_stryd"
    out = fitglute_cli("plugins", "--json", home=tmp_path)
    assert out.returncode == 0, out.stderr
    info = {p["name"]: p for p in json.loads(out.stdout)["plugins"]}
    stryd = info["stryd"]
    assert stryd["version"] == "0.1.0"
    assert {"register_channels", "register_rules"} <= set(stryd["hooks"])
    assert {"stryd_power_w", "form_power", "air_power", "leg_spring_stiffness", "stryd_gct_ms", "stryd_vo_mm"} <= set(
        stryd["channels"]
    )
    assert stryd["rules"] == ["lss-drop", "form-power-ratio-rise", "gct-source-disagreement"]
    assert not stryd.get("errors")


def test_analyze_shows_stryd_and_minus_stryd_disables_it(fatigued_file, tmp_path):
    _stryd_entry_point()
    on = fitglute_cli("analyze", "--json", str(fatigued_file), home=tmp_path)
    assert on.returncode == 0, on.stderr
    res = json.loads(on.stdout)
    assert "leg_spring_stiffness" in res["channels"]
    assert "lss-drop" in {f["rule"] for f in res["findings"]}

    off = fitglute_cli("analyze", "--json", str(fatigued_file), env={"FITGLUTE_PLUGINS": "-stryd"}, home=tmp_path)
    assert off.returncode == 0, off.stderr
    res = json.loads(off.stdout)
    assert "leg_spring_stiffness" not in res["channels"]
    assert not {"lss-drop", "form-power-ratio-rise", "gct-source-disagreement"} & set(res["not_assessed"])
    listed = fitglute_cli("plugins", "--json", env={"FITGLUTE_PLUGINS": "-stryd"}, home=tmp_path)
    assert "stryd" not in {p["name"] for p in json.loads(listed.stdout)["plugins"]}

    text = fitglute_cli("analyze", str(fatigued_file), home=tmp_path)  # the human report
    assert text.returncode == 0 and "leg_spring_stiffness" in text.stdout and "leg spring stiffness" in text.stdout


def _analyse_in_worker(path: str) -> dict:
    import os

    os.environ["FITGLUTE_HOME"] = EMPTY_HOME
    from fitglute.pipeline import analyse_file

    return analyse_file(path).to_json()


def test_works_in_a_fresh_worker_process(fatigued_file):
    """A spawned worker shares nothing with this process: the plugin must load there by itself."""
    _stryd_entry_point()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        res = pool.submit(_analyse_in_worker, str(fatigued_file)).result(timeout=120)
    assert "leg_spring_stiffness" in res["channels"]
    assert "lss-drop" in {f["rule"] for f in res["findings"]}
