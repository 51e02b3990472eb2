"""A broken plugin must never break fitglute: it is reported in one line and the run goes on.

Two deliberately bad plugins are "installed" for a subprocess only, through ``*.dist-info``
folders on ``PYTHONPATH`` (the same entry-point mechanism pip uses):

* ``broken``: its module raises on import;
* ``faulty``: it loads, but its ``register_rules`` hook raises and its channel mapper raises on
  every run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BROKEN = 'raise RuntimeError("this plugin is broken on purpose")\n'
FAULTY = textwrap.dedent(
    """
    from fitglute.hookspecs import hookimpl


    def explode(run):
        raise ValueError("mapper bug")


    @hookimpl
    def register_channels(register):
        from fitglute.api import ChannelMapper, ChannelSpec

        register(ChannelMapper("faulty", {"faulty_x": ChannelSpec("x", (0.0, 1.0))}, explode))


    @hookimpl
    def register_rules(register):
        raise KeyError("rules bug")
    """
)


def _install(site: Path, name: str, module: str, source: str) -> None:
    (site / f"{module}.py").write_text(source)
    info = site / f"{module}-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(f"[fitglute]\n{name} = {module}\n")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    site = tmp_path_factory.mktemp("site")
    _install(site, "broken", "broken_fitglute_plugin", BROKEN)
    _install(site, "faulty", "faulty_fitglute_plugin", FAULTY)
    home = tmp_path_factory.mktemp("home")
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "FITGLUTE_HOME": str(home), "FITGLUTE_PLUGINS": ""}


@pytest.fixture(scope="module")
def biased_file(tmp_path_factory) -> Path:
    pytest.importorskip("fit_tool")
    from fitglute_devkit.synth import Scenario, write_run

    path = tmp_path_factory.mktemp("runs") / "biased.fit"
    write_run(path, Scenario(duration_s=1800, seed=21, balance_left_pct=52.5))
    return path


def _fitglute(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fitglute", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_analyze_survives_broken_plugins(env, biased_file):
    out = _fitglute(env, "analyze", "--json", str(biased_file))
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    res = json.loads(out.stdout)
    assert res["status"] == "ok"
    assert "gct-balance-bias" in {f["rule"] for f in res["findings"]}  # the built-in rules still run
    assert any("plugin faulty could not map its channels: mapper bug" in w for w in res["warnings"])
    assert "faulty_x" not in res["channels"]


def test_each_failure_is_one_line(env):
    out = _fitglute(env, "plugins", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["errors"] == ["plugin 'broken' failed to load: RuntimeError: this plugin is broken on purpose"]
    faulty = {p["name"]: p for p in data["plugins"]}["faulty"]
    assert faulty["errors"] == ["register_rules: 'rules bug'"]
    assert faulty["channels"] == ["faulty_x"]
    text = _fitglute(env, "plugins")  # the table, then one line per failure
    assert text.returncode == 0
    assert sum("failed to load" in line for line in text.stdout.splitlines()) == 1


def test_disabling_the_broken_plugin(env, biased_file):
    quiet = {**env, "FITGLUTE_PLUGINS": "-broken,-faulty"}
    data = json.loads(_fitglute(quiet, "plugins", "--json").stdout)
    assert data["errors"] == []
    res = json.loads(_fitglute(quiet, "analyze", "--json", str(biased_file)).stdout)
    assert not any("faulty" in w for w in res["warnings"])
