"""``fitglute analyze`` end to end: exit codes, one stderr line per bad file, JSON Lines schema,
folders/globs, ``--demo``, and a lazy ``fitglute --help``.

Most tests use typer's CliRunner on ``fitglute.cli.app`` (in-process, ``--workers 1``); the
subprocess tests run ``python -m fitglute`` for real, including the worker pool.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fitglute.cli import app

JSON_KEYS = {
    "file",
    "status",
    "error",
    "sport",
    "sub_sport",
    "start_time",
    "duration_s",
    "distance_m",
    "device",
    "session",
    "metrics",
    "clean_running_s",
    "drift",
    "warnings",
    "findings",
    "not_assessed",
}
METRIC_KEYS = {
    "gct_ms",
    "gct_balance_left_pct",
    "vertical_oscillation_mm",
    "vertical_ratio_pct",
    "step_length_mm",
    "cadence_spm",
}


def invoke(*args: str):
    return CliRunner().invoke(app, ["analyze", "--workers", "1", *args])


def json_lines(stdout: str) -> list[dict]:
    lines = [line for line in stdout.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# --------------------------------------------------------------------------- bad input


def _bad_files(folder: Path, run) -> dict[str, tuple[Path, str]]:
    """One file per bad-input class: path and the words its error line must contain."""
    data = run.data
    gz = gzip.compress(data)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    files = {
        "not-fit": (b"date,distance\n2026-05-03,10.0\n" * 4, "notes.fit", "not a FIT file"),
        "empty": (b"", "empty.fit", "empty file"),
        "gzip-garbage": (
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00garbage" * 40,
            "garbage.fit.gz",
            "gzip data is corrupt",
        ),
        "gzip-truncated": (gz[: len(gz) // 2], "cut.fit.gz", "gzip data is corrupt or truncated"),
        "crc": (bytes(flipped), "flipped.fit", "CRC check failed"),
        "header-cut": (data[:13], "header.fit", "not a readable FIT file"),
    }
    out = {}
    for kind, (content, name, words) in files.items():
        path = folder / name
        path.write_bytes(content)
        out[kind] = (path, words)
    return out


@pytest.fixture
def bad_files(tmp_path, short_run) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "bad"
    folder.mkdir()
    return _bad_files(folder, short_run)


@pytest.mark.parametrize("kind", ["not-fit", "empty", "gzip-garbage", "gzip-truncated", "crc", "header-cut"])
@pytest.mark.parametrize("as_json", [False, True])
def test_bad_input_is_one_stderr_line_and_exit_1(bad_files, kind: str, as_json: bool) -> None:
    path, words = bad_files[kind]
    result = invoke(*(["--json"] if as_json else []), str(path))
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = stderr_lines(result.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"fitglute: {path}: ")
    assert words in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    if as_json:
        [obj] = json_lines(result.stdout)
        assert obj["status"] == "error" and obj["file"] == str(path) and words in obj["error"]


def test_real_crc_failure(shared_fit) -> None:
    path = shared_fit / "activity-filecrc.fit"
    result = invoke(str(path))
    assert result.exit_code == 1
    assert stderr_lines(result.stderr) == [f"fitglute: {path}: file CRC check failed: the file is corrupt"]


def test_missing_file_is_one_line_and_the_rest_goes_on(tmp_path, wrist_run) -> None:
    missing = tmp_path / "nope.fit"
    result = invoke("--json", str(missing), str(wrist_run.path))
    assert result.exit_code == 1
    assert stderr_lines(result.stderr) == [f"fitglute: {missing}: no such file or folder"]
    assert [o["status"] for o in json_lines(result.stdout)] == ["ok"]
    alone = invoke(str(missing))
    assert alone.exit_code != 0  # nothing at all to analyse (the CLI calls this a usage error, 2)
    assert "Traceback" not in alone.stdout + alone.stderr


def test_truncated_run_is_salvaged_with_warning(tmp_path, short_run) -> None:
    cut = int(len(short_run.data) * 0.6)
    path = tmp_path / "died.fit"
    path.write_bytes(short_run.data[:cut])
    result = invoke("--json", str(path))
    assert result.exit_code == 0, result.stderr
    [obj] = json_lines(result.stdout)
    assert obj["status"] == "ok" and obj["error"] is None
    assert any(f"byte {cut}" in w for w in obj["warnings"]), obj["warnings"]
    assert obj["metrics"]["gct_ms"] is not None


def test_non_running_is_skipped_with_reason(cycling_run) -> None:
    result = invoke("--json", str(cycling_run.path))
    assert result.exit_code == 0
    [obj] = json_lines(result.stdout)
    assert obj["status"] == "skipped"
    assert "not a running activity" in obj["error"] and "cycling" in obj["error"]
    plain = invoke(str(cycling_run.path))
    assert plain.exit_code == 0
    assert "not a running activity" in plain.stdout


def test_real_walk_is_skipped(shared_fit) -> None:
    result = invoke("--json", str(shared_fit / "garmin-fenix-5-walk.fit"))
    assert result.exit_code == 0
    [obj] = json_lines(result.stdout)
    assert obj["status"] == "skipped" and "walking" in obj["error"]


def test_run_without_dynamics_is_ok_with_null_dynamics(nodyn_run) -> None:
    result = invoke("--json", str(nodyn_run.path))
    assert result.exit_code == 0
    [obj] = json_lines(result.stdout)
    assert obj["status"] == "ok"
    assert obj["metrics"]["gct_ms"] is None and obj["metrics"]["gct_balance_left_pct"] is None
    assert obj["metrics"]["cadence_spm"] is not None


# --------------------------------------------------------------------------- batches and exit codes


def test_batch_with_bad_files_goes_on_and_exits_1(chest_run, nodyn_run, bad_files) -> None:
    bad = [bad_files[k][0] for k in ("not-fit", "crc", "empty")]
    paths = [str(chest_run.path), str(bad[0]), str(nodyn_run.path), str(bad[1]), str(bad[2])]
    result = invoke("--json", *paths)
    assert result.exit_code == 1
    objs = json_lines(result.stdout)
    assert [o["file"] for o in objs] == paths  # every file reported, in input order
    assert [o["status"] for o in objs] == ["ok", "error", "ok", "error", "error"]
    lines = stderr_lines(result.stderr)
    assert len(lines) == 3 and all(any(str(b) in line for line in lines) for b in bad), lines
    assert "Traceback" not in result.stderr


def test_all_good_exits_0(chest_run, wrist_run) -> None:
    result = invoke(str(chest_run.path), str(wrist_run.path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "chest.fit" in result.stdout and "wrist.fit" in result.stdout


def test_no_arguments_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["analyze"])
    assert result.exit_code == 2
    assert len(stderr_lines(result.stderr)) == 1
    assert CliRunner().invoke(app, []).exit_code == 2


def test_json_lines_schema(chest_run) -> None:
    result = invoke("--json", str(chest_run.path))
    assert result.exit_code == 0
    [obj] = json_lines(result.stdout)
    assert set(obj) >= JSON_KEYS
    assert obj["status"] == "ok" and obj["error"] is None
    assert set(obj["metrics"]) >= METRIC_KEYS and set(obj["session"]) >= METRIC_KEYS
    assert obj["sport"] == "running" and obj["sub_sport"] == "generic"
    assert obj["start_time"].endswith("Z")
    start = datetime.fromisoformat(obj["start_time"].replace("Z", "+00:00"))
    assert start == chest_run.scenario.start
    truth = chest_run.truth
    assert obj["duration_s"] == pytest.approx(truth.duration_s)
    assert obj["distance_m"] == pytest.approx(truth.distance_m, rel=0.005)
    assert obj["device"] == "garmin fr965"
    assert obj["metrics"]["gct_ms"] == pytest.approx(truth.gct_ms, rel=0.02)
    assert obj["session"]["gct_ms"] == pytest.approx(truth.gct_ms, rel=0.02)
    assert obj["clean_running_s"] > 0.9 * truth.clean_running_s
    assert isinstance(obj["warnings"], list) and isinstance(obj["findings"], list)
    assert isinstance(obj["drift"], dict) and "gct_ms" in obj["drift"]
    assert isinstance(obj["not_assessed"], dict)


def test_folder_is_searched_recursively_including_gz(tmp_path, chest_run, wrist_run) -> None:
    root = tmp_path / "exports"
    (root / "2026" / "05").mkdir(parents=True)
    (root / "2026" / "05" / "chest.fit").write_bytes(chest_run.data)
    (root / "2026" / "wrist.fit.gz").write_bytes(gzip.compress(wrist_run.data))
    (root / "2026" / "notes.txt").write_text("not a run")
    result = invoke("--json", str(root))
    assert result.exit_code == 0, result.stderr
    objs = json_lines(result.stdout)
    assert sorted(Path(o["file"]).name for o in objs) == ["chest.fit", "wrist.fit.gz"]
    assert all(o["status"] == "ok" for o in objs)


def test_quoted_glob_is_expanded(tmp_path, chest_run, wrist_run, nodyn_run) -> None:
    for g in (chest_run, wrist_run, nodyn_run):
        (tmp_path / g.path.name).write_bytes(g.data)
    (tmp_path / "wrist.txt").write_text("x")
    result = invoke("--json", str(tmp_path / "*s*.fit"))  # the shell did not expand it
    assert result.exit_code == 0, result.stderr
    assert sorted(Path(o["file"]).name for o in json_lines(result.stdout)) == ["chest.fit", "wrist.fit"]


def test_glob_matching_nothing_is_one_line_and_exit_1(tmp_path) -> None:
    result = invoke(str(tmp_path / "*.fit"))
    assert result.exit_code in (1, 2)  # nothing to analyse: an error either way, never 0
    assert "Traceback" not in result.stderr
    assert all(line.startswith("fitglute: ") for line in stderr_lines(result.stderr))


def test_demo() -> None:
    result = invoke("--demo")
    assert result.exit_code == 0, result.stderr
    assert "demo_run.fit" in result.stdout
    assert "Ground contact time" in result.stdout
    assert "balance" in result.stdout


# --------------------------------------------------------------------------- real processes


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fitglute", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_subprocess_batch_with_worker_pool(tmp_path, chest_run, wrist_run, short_run) -> None:
    """Five files (the default worker pool kicks in at four): good ones analysed, bad ones one line each."""
    bad = _bad_files(tmp_path, short_run)
    paths = [
        str(chest_run.path),
        str(bad["not-fit"][0]),
        str(wrist_run.path),
        str(bad["gzip-garbage"][0]),
        str(bad["crc"][0]),
    ]
    proc = run_cli("analyze", "--json", *paths, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    objs = json_lines(proc.stdout)
    assert [o["file"] for o in objs] == paths
    assert [o["status"] for o in objs] == ["ok", "error", "ok", "error", "error"]
    lines = stderr_lines(proc.stderr)
    assert lines == [f"fitglute: {p}: {o['error']}" for p, o in zip(paths, objs, strict=True) if o["status"] == "error"]


def test_subprocess_report_and_usage_error(tmp_path, chest_run) -> None:
    ok = run_cli("analyze", str(chest_run.path), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "Ground contact time" in ok.stdout and ok.stderr == ""
    usage = run_cli("analyze", cwd=tmp_path)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr


def test_help_does_not_import_numpy_fitparse_or_fitfast(tmp_path) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "fitglute", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0
    assert "analyze" in proc.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "fitglute" in imported  # the measurement itself works
    assert not {"numpy", "fitparse", "fitfast"} & imported, sorted(imported)
