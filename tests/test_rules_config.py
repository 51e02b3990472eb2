"""Rule thresholds from the user's TOML config: overrides change outcomes, typos never pass.

Every test writes ``$FITGLUTE_HOME/config/config.toml`` under its own ``tmp_path``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fit_tool")

import scenarios as S  # noqa: E402  (tests/scenarios.py)

from fitglute.config import ConfigError  # noqa: E402
from fitglute.pipeline import analyse_file  # noqa: E402
from fitglute.plugins import rules as registry  # noqa: E402
from fitglute.rules.thresholds import disabled, resolve, rule_overrides  # noqa: E402

BIAS, FATIGUE = "gct-balance-bias", "fatigue-drift"


@pytest.fixture
def cfg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path))
    (tmp_path / "config").mkdir()
    return tmp_path


def write_config(cfg_home: Path, text: str) -> Path:
    path = cfg_home / "config" / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small set of 20-min generated runs, written once: a 1.5-pt and a 0.5-pt left bias, 7 % fatigue."""
    folder = tmp_path_factory.mktemp("config-runs")
    out = {}
    for name, sc in {
        "bias-1.5": S.balance_bias(1.5, "left", seed=21, minutes=20),
        # 1 point (was 0.5): silent by default now that the interval allows for minute-scale wander
        "bias-1.0": S.balance_bias(1.0, "left", seed=21, minutes=20),
        "fatigue-7": S.fatigue(7.0, seed=22, minutes=20),
    }.items():
        path = folder / f"{name}.fit"
        path.write_bytes(S.fit_bytes(sc))
        out[name] = path
    return out


def analyse(path: Path) -> dict[str, Any]:
    r = analyse_file(str(path), context=None).to_json()
    assert r["status"] == "ok"
    return r


# --------------------------------------------------------------------------- overrides


def test_no_config_means_the_documented_defaults(cfg_home):
    values = resolve(registry(), rule_overrides())
    assert values[BIAS]["notable_pts"] == 0.7
    assert values[BIAS]["strong_pts"] == 2.2
    assert values[FATIGUE]["gct_rise_pct"] == 3.0


def test_raising_a_threshold_silences_the_rule(cfg_home, runs):
    assert S.finding(analyse(runs["bias-1.5"]), BIAS) is not None  # default: 0.7 points
    write_config(cfg_home, "[rules.gct-balance-bias]\nnotable_pts = 2.0\nstrong_pts = 3.0\n")
    assert resolve(registry(), rule_overrides())[BIAS]["notable_pts"] == 2.0
    r = analyse(runs["bias-1.5"])
    assert S.finding(r, BIAS) is None
    assert BIAS not in r["not_assessed"]  # judged and found nothing: not a data gap


def test_lowering_a_threshold_makes_the_rule_fire(cfg_home, runs):
    assert S.finding(analyse(runs["bias-1.0"]), BIAS) is None
    write_config(cfg_home, "[rules.gct-balance-bias]\nnotable_pts = 0.2\nstrong_pts = 1.0\n")
    f = S.finding(analyse(runs["bias-1.0"]), BIAS)
    assert f is not None and f["side"] == "left"


def test_fatigue_threshold_override(cfg_home, runs):
    assert S.finding(analyse(runs["fatigue-7"]), FATIGUE) is not None
    write_config(cfg_home, '[rules."fatigue-drift"]\ngct_rise_pct = 12\ngct_strong_pct = 20\n')
    assert S.finding(analyse(runs["fatigue-7"]), FATIGUE) is None


def test_min_clean_override_turns_a_judgement_into_not_assessed(cfg_home, runs):
    write_config(cfg_home, "[rules.gct-balance-bias]\nmin_clean_s = 3000\n")
    r = analyse(runs["bias-1.5"])
    assert S.finding(r, BIAS) is None
    assert "needs 50" in r["not_assessed"][BIAS]


def test_enabled_false_disables_a_rule(cfg_home, runs):
    write_config(cfg_home, "[rules.gct-balance-bias]\nenabled = false\n\n[rules.form-zones]\nenabled = true\n")
    assert disabled(rule_overrides()) == {BIAS}
    r = analyse(runs["bias-1.5"])
    assert BIAS not in {f["rule"] for f in r["findings"]}
    assert BIAS not in r["not_assessed"]
    assert FATIGUE in {f["rule"] for f in analyse(runs["fatigue-7"])["findings"]}


def test_integers_are_accepted_for_float_thresholds(cfg_home):
    write_config(cfg_home, "[rules.gct-balance-bias]\nnotable_pts = 1\n")
    value = resolve(registry(), rule_overrides())[BIAS]["notable_pts"]
    assert value == 1.0 and isinstance(value, float)


# --------------------------------------------------------------------------- invalid config

INVALID = {
    "unknown-rule": ("[rules.no-such-rule]\nnotable_pts = 1\n", ("[rules.no-such-rule]", "unknown rule")),
    "unknown-key": ("[rules.gct-balance-bias]\nnotable = 1\n", ("[rules.gct-balance-bias]", "'notable'", "known:")),
    "not-a-number": ('[rules.gct-balance-bias]\nnotable_pts = "big"\n', ("gct-balance-bias", "notable_pts", "number")),
    "boolean": ("[rules.fatigue-drift]\ngct_rise_pct = true\n", ("fatigue-drift", "gct_rise_pct", "number")),
    "out-of-range": ("[rules.gct-balance-bias]\nnotable_pts = 50\n", ("gct-balance-bias", "notable_pts", "outside")),
    "negative": ("[rules.fatigue-drift]\nmin_clean_s = -5\n", ("fatigue-drift", "min_clean_s", "outside")),
    "enabled-not-bool": ('[rules.form-zones]\nenabled = "no"\n', ("form-zones", "enabled", "true or false")),
    "rule-not-a-table": ("[rules]\ngct-balance-bias = 3\n", ("gct-balance-bias", "table")),
    "rules-not-a-table": ("rules = 3\n", ("[rules]", "table")),
    "retired-key": (
        "[rules.posterior-chain-overload]\ncombine_weight = 0.8\n",
        ("posterior-chain-overload", "combine_weight was removed", "max_confidence", "delete the line"),
    ),
    "broken-toml": ("[rules.gct-balance-bias\nnotable_pts = \n", ("not valid TOML",)),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_config_is_a_clear_config_error(cfg_home, case):
    text, expected = INVALID[case]
    path = write_config(cfg_home, text)
    with pytest.raises(ConfigError) as exc:
        resolve(registry(), rule_overrides())
    message = str(exc.value)
    assert str(path) in message
    for part in expected:
        assert part in message, (case, message)
    assert "\n" not in message


def test_invalid_config_stops_an_analysis(cfg_home, runs):
    write_config(cfg_home, "[rules.gct-balance-bias]\nnotable_pts = 50\n")
    with pytest.raises(ConfigError, match="notable_pts"):
        analyse_file(str(runs["bias-1.5"]), context=None)


# --------------------------------------------------------------------------- through the CLI


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    from fitglute.cli import main

    monkeypatch.setattr(sys, "argv", ["fitglute", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    code = exc.value.code
    return (0 if code is None else code), out.out, out.err


@pytest.mark.parametrize("case", ["unknown-rule", "unknown-key", "not-a-number", "out-of-range", "broken-toml"])
@pytest.mark.parametrize("command", [["rules"], ["rules", "--json"], ["rules", "show", "gct-balance-bias"]])
def test_cli_reports_invalid_config_in_one_line_with_exit_2(cfg_home, monkeypatch, capsys, case, command):
    text, expected = INVALID[case]
    write_config(cfg_home, text)
    code, out, err = run_main(monkeypatch, capsys, *command)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fitglute: config error:")
    for part in expected:
        assert part in lines[0]
    assert "Traceback" not in err and out == ""


def test_cli_analyze_with_invalid_config_exits_2(cfg_home, monkeypatch, capsys, runs):
    write_config(cfg_home, '[rules.fatigue-drift]\ngct_rise_pct = "3 %"\n')
    code, _out, err = run_main(monkeypatch, capsys, "analyze", str(runs["bias-1.5"]))
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "fatigue-drift" in err and "gct_rise_pct" in err


def test_cli_app_raises_config_error_for_main_to_render(cfg_home):
    from typer.testing import CliRunner

    from fitglute.cli import app

    write_config(cfg_home, "[rules.gct-balance-bias]\nnotable = 1\n")
    result = CliRunner().invoke(app, ["rules"])
    assert isinstance(result.exception, ConfigError)
    assert "notable" in str(result.exception)


def test_cli_override_shows_in_rules_listing(cfg_home):
    import json

    from typer.testing import CliRunner

    from fitglute.cli import app

    write_config(cfg_home, "[rules.gct-balance-bias]\nnotable_pts = 1.2\n")
    result = CliRunner().invoke(app, ["rules", "--json"])
    assert result.exit_code == 0, result.output
    rules = {r["id"]: r for r in json.loads(result.stdout)}
    assert rules[BIAS]["thresholds"]["notable_pts"] == 1.2


def test_console_script_exit_code_2(cfg_home):
    """The real entry point (``python -m fitglute``), as a user or cron would call it."""
    write_config(cfg_home, "[rules.no-such-rule]\nx = 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "fitglute", "rules"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "no-such-rule" in proc.stderr
