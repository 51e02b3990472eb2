"""CLI of the history: injury validation (one line, exit 2), ``history`` and ``trends`` (--json, plots)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from screen import legend_of  # noqa: E402  (tests/screen.py)
from typer.testing import CliRunner

from fitglute.cli import app
from fitglute.history.store import Store
from fitglute.sync.importer import import_paths

runner = CliRunner()


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six weeks of short runs (two a week), the last three biased left, the last one longer."""
    from fitglute_devkit.synth import Scenario, write_run

    folder = tmp_path_factory.mktemp("history-cli")
    start = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    days = [d + 7 * w for w in range(6) for d in (1, 4)]
    for i, day in enumerate(days):
        late = i >= len(days) - 3
        sc = Scenario(
            start=start + timedelta(days=day),
            duration_s=900 if i == len(days) - 1 else 720,
            seed=700 + i,
            balance_left_pct=51.6 if late else 50.0,
        )
        write_run(folder / f"run{i:02d}.fit", sc)
    return folder


@pytest.fixture(scope="module")
def db(files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Read-only for the tests that use it (history and trends never write)."""
    path = tmp_path_factory.mktemp("history-db") / "h.sqlite"
    with Store(path) as store:
        store.add_injury(date(2026, 1, 20), "hamstring", "left", "strain, 3 weeks off")
    report = import_paths([str(files)], db=path, workers=2)
    assert len(report.imported) == 12
    return path


def invoke(*args: str):  # noqa: ANN201 - typer's Result
    return runner.invoke(app, list(args))


# --------------------------------------------------------------------------- injury input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--side", "left"], "--site is required"),
        (["--site", "hamstrings", "--side", "left"], "unknown --site 'hamstrings'"),
        (["--site", "calf"], "--side is required"),
        (["--site", "calf", "--side", "middle"], "unknown --side 'middle'"),
        (["--site", "calf", "--side", "left", "--date", "02/03/2026"], "not an ISO date"),
        (["--site", "calf", "--side", "left", "--date", "2026-02-30"], "not an ISO date"),
        (["--site", "calf", "--side", "left", "--date", (date.today() + timedelta(days=1)).isoformat()], "future"),
        (["--site", "calf", "--side", "left", "--note", "x" * 501], "too long"),
    ],
)
def test_injury_add_rejects_bad_input_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    out = invoke("injury", "add", *args, "--db", str(tmp_path / "h.sqlite"))
    assert out.exit_code == 2
    assert message in out.stderr
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("fitglute: ")
    assert not (tmp_path / "h.sqlite").exists()  # nothing written on bad input


def test_injury_add_list_remove(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite")
    added = invoke(
        "injury",
        "add",
        "--side",
        "Left",
        "--site",
        "Hamstring",
        "--date",
        "2026-03-02",
        "--note",
        "strain, 3 weeks off",
        "--db",
        db,
    )
    assert added.exit_code == 0 and "added injury #1: left hamstring, 2026-03-02 — strain" in added.stdout
    assert invoke("injury", "add", "--side", "both", "--site", "achilles", "--db", db).exit_code == 0  # today
    listed = json.loads(invoke("injury", "list", "--json", "--db", db).stdout)
    assert [(i["id"], i["site"], i["side"]) for i in listed] == [(1, "hamstring", "left"), (2, "achilles", "both")]
    assert listed[1]["date"] == date.today().isoformat()
    table = invoke("injury", "list", "--db", db)
    assert "hamstring" in table.stdout and "strain, 3 weeks off" in table.stdout
    assert invoke("injury", "remove", "1", "--db", db).exit_code == 0
    missing = invoke("injury", "remove", "1", "--db", db)
    assert missing.exit_code == 2 and "no injury with id 1" in missing.stderr
    assert [i["id"] for i in json.loads(invoke("injury", "list", "--json", "--db", db).stdout)] == [2]


def test_injury_list_without_a_database_creates_none(tmp_path: Path) -> None:
    out = invoke("injury", "list", "--json")
    assert out.exit_code == 0 and json.loads(out.stdout) == []
    assert not (tmp_path / "home" / "data" / "history.sqlite").exists()


# --------------------------------------------------------------------------- history


def test_history_json_lists_recent_runs_with_findings(db: Path) -> None:
    out = invoke("history", "--json", "--limit", "5", "--db", str(db))
    assert out.exit_code == 0
    rows = json.loads(out.stdout)
    assert len(rows) == 5
    assert [r["start_time"] for r in rows] == sorted((r["start_time"] for r in rows), reverse=True)
    newest = rows[0]
    assert set(newest["metrics"]) == {
        "gct_ms",
        "gct_balance_left_pct",
        "vertical_oscillation_mm",
        "vertical_ratio_pct",
        "step_length_mm",
        "cadence_spm",
    }
    rules = {f["rule"]: f["side"] for f in newest["findings"]}
    assert rules["same-side-recurrence"] == "left" and rules["load-spike"] == "none"
    assert newest["sensor"] == "chest: garmin hrm_pro_plus" and newest["distance_m"] > 2000
    assert all(
        f["confidence"] >= g["confidence"] for f, g in zip(newest["findings"], newest["findings"][1:], strict=False)
    )


def test_history_table(db: Path) -> None:
    out = invoke("history", "--db", str(db))
    assert out.exit_code == 0
    assert "12 of 12 runs" in out.stdout and "load-spike" in out.stdout


def test_history_without_runs(tmp_path: Path) -> None:
    out = invoke("history")
    assert out.exit_code == 0 and "no runs yet" in out.stdout
    assert json.loads(invoke("history", "--json").stdout) == []


# --------------------------------------------------------------------------- trends


def test_trends_json_balance(db: Path) -> None:
    out = invoke("trends", "--metric", "gct_balance", "--weeks", "26", "--json", "--db", str(db))
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["metric"] == "gct_balance" and data["aggregation"] == "run" and len(data["points"]) == 12
    assert data["from"].startswith("2026-01-06") and data["to"].startswith("2026-02-13")
    base = data["baseline"]
    assert base["sensor"] == "chest: garmin hrm_pro_plus" and base["low"] < base["median"] < base["high"]
    assert 49.5 < base["median"] < 51.0
    assert [i["site"] for i in data["injuries"]] == ["hamstring"]
    assert len(data["load_spikes"]) >= 1 and data["load_spikes"][-1]["spike_pct"] > 10
    assert data["points"][-1]["load_spike"] is True


def test_trends_json_weekly_distance(db: Path) -> None:
    data = json.loads(invoke("trends", "--metric", "distance", "--json", "--db", str(db)).stdout)
    assert data["aggregation"] == "week" and len(data["points"]) == 6
    assert all(p["runs"] == 2 for p in data["points"])
    assert data["points"][0]["week"] == "2026-W02" and data["baseline"]["weeks"] == 6


def test_trends_baseline_needs_five_and_window_says_where_runs_are(db: Path) -> None:
    """One week holds three runs: no band from them (it was drawn from one), and a pointer back."""
    data = json.loads(invoke("trends", "--weeks", "1", "--json", "--db", str(db)).stdout)
    assert len(data["points"]) == 3 and data["baseline"] is None
    assert data["baseline_note"] == "no baseline band yet: needs 5 comparable runs (have 3)"
    assert data["earlier_from"].startswith("2026-01-06")
    legend = legend_of(invoke("trends", "--weeks", "1", "--db", str(db)).stdout)
    assert "needs 5 comparable runs (have 3)" in legend and "your runs go back to 2026-01-06: try --weeks 6" in legend
    weekly = json.loads(invoke("trends", "--metric", "distance", "--weeks", "1", "--json", "--db", str(db)).stdout)
    assert weekly["baseline"] is None and "weeks with running (have" in weekly["baseline_note"]


@pytest.mark.parametrize("metric", ["gct_balance", "gct", "vertical_ratio", "cadence", "distance"])
def test_trends_plot(db: Path, metric: str) -> None:
    out = invoke("trends", "--metric", metric, "--weeks", "8", "--db", str(db))
    assert out.exit_code == 0, out.stderr
    assert "\x1b[" not in out.stdout  # not a terminal: no colour codes
    lines = out.stdout.splitlines()
    assert "2026-02-13" in lines[0]  # the title names the window
    legend = legend_of(out.stdout)
    assert "L hamstring" in out.stdout and "x load spike" in legend and "baseline" in legend
    assert len(lines) > 10


def test_trends_rejects_unknown_metric_and_handles_no_data(tmp_path: Path) -> None:
    bad = invoke("trends", "--metric", "pace")
    assert bad.exit_code == 2 and "unknown --metric 'pace'" in bad.stderr
    empty = invoke("trends", "--json")
    assert empty.exit_code == 0 and json.loads(empty.stdout)["points"] == []
