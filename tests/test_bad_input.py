"""No input can crash a batch (issue 12): the per-file barrier, bounded reading, the worker pool.

Every test feeds something a runner can really meet (a damaged copy of a real file, a gzip bomb,
a FIFO, a worker killed by the OS, a parent killed with ``kill -9``) and checks what the runner
sees: one line per bad file, every good file's result, the right exit code, no process left.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fitglute_devkit.mutate import mutant
from typer.testing import CliRunner

from fitglute.batch import run_chunks
from fitglute.cli import app
from fitglute.pipeline import analyse_file

#: a seeded mutant of garmin-fenix-5-run.fit (a duplicated chunk) on which fitfast 0.x panics
PANIC_FILE, PANIC_SEED = "garmin-fenix-5-run.fit", 41


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


# --------------------------------------------------------------------------- the per-file barrier


def test_fitfast_panic_falls_back_without_a_traceback(shared_fit, capfd) -> None:
    import fitfast

    _, data = mutant((shared_fit / PANIC_FILE).read_bytes(), PANIC_SEED)
    with pytest.raises(BaseException) as raised:  # noqa: PT011,B017 - the panic is what is checked
        fitfast.records(data, "record")
    assert not isinstance(raised.value, Exception), "the panic is a BaseException: except Exception misses it"
    capfd.readouterr()
    result = analyse_file(data, name="damaged.fit")
    err = capfd.readouterr().err
    assert result.status in ("ok", "error")
    assert result.decoder in (None, "fitparse")  # fitfast gave up: the reference decoder decided
    assert "panicked" not in err and "Traceback" not in err and "backtrace" not in err


def test_a_bug_in_one_stage_is_one_line_naming_it(short_run, monkeypatch) -> None:
    import fitglute.dynamics

    def broken(run):  # the failure issue 12 met on a phone-recorded run
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")

    monkeypatch.setattr(fitglute.dynamics, "analyse", broken)
    result = analyse_file(short_run.path)
    assert result.status == "error"
    assert result.error.startswith("internal error in dynamics: ZeroDivisionError: Weights sum to zero")
    assert "please report it" in result.error and "\n" not in result.error


def test_ctrl_c_is_not_swallowed(short_run, monkeypatch) -> None:
    import fitglute.dynamics

    def interrupted(run):
        raise KeyboardInterrupt

    monkeypatch.setattr(fitglute.dynamics, "analyse", interrupted)
    with pytest.raises(KeyboardInterrupt):
        analyse_file(short_run.path)


def test_time_limit_per_file_stops_the_file(short_run, monkeypatch) -> None:
    import fitglute.batch
    import fitglute.dynamics

    def endless(run):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(fitglute.dynamics, "analyse", endless)
    monkeypatch.setattr(fitglute.batch, "FILE_TIME_LIMIT_S", 0.3)
    result = fitglute.batch.time_limited(analyse_file, short_run.path)
    assert result.status == "error"
    assert "time limit per file" in result.error and "in dynamics" in result.error


# --------------------------------------------------------------------------- bounded reading


def test_gzip_bomb_is_one_line(tmp_path) -> None:
    bomb = tmp_path / "bomb.fit.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        block = bytes(1 << 20)
        for _ in range(80):  # 80 MB of zeros in ~80 kB: over the 64 MB cap
            fh.write(block)
    assert bomb.stat().st_size < 1 << 20
    result = analyse_file(bomb)
    assert result.status == "error" and "expands to over the 64 MB limit" in result.error


def test_gzip_within_the_cap_still_reads(tmp_path, short_run) -> None:
    path = tmp_path / "run.fit.gz"
    path.write_bytes(gzip.compress(short_run.data) + gzip.compress(b""))  # two members, as gzip allows
    assert analyse_file(path).status == "ok"


def test_fifo_and_device_are_refused_without_blocking(tmp_path) -> None:
    fifo = tmp_path / "x.fit"
    os.mkfifo(fifo)
    dev = tmp_path / "zero.fit"
    dev.symlink_to("/dev/zero")
    for path, words in ((fifo, "named pipe"), (dev, "device")):
        result = analyse_file(path)
        assert result.status == "error" and words in result.error and "not a regular file" in result.error


# --------------------------------------------------------------------------- the worker pool


def _die_on_killer(chunk: list[str]) -> list[str]:
    if "killer" in chunk:
        os._exit(9)  # what the OOM killer or a native crash does to a worker
    return [f"done {item}" for item in chunk]


def _broken(item: str, exc: BaseException) -> str:
    return f"broken {item}"


def test_a_worker_that_dies_fails_only_its_own_file() -> None:
    items = [f"f{i}" for i in range(14)]
    items.insert(5, "killer")
    got = dict(run_chunks(items, _die_on_killer, workers=2, size=4, broken=_broken))
    assert got.pop("killer") == "broken killer"
    assert got == {item: f"done {item}" for item in items if item != "killer"}


def test_bad_file_between_good_ones_in_a_parallel_batch(tmp_path, shared_fit) -> None:
    good = ["garmin-fenix-5-run.fit", "FR70-intervals.fit", "Standard.fit", "2013-02-06-12-11-14.fit"]
    paths = [shared_fit / good[0], shared_fit / good[1]]
    _, data = mutant((shared_fit / PANIC_FILE).read_bytes(), PANIC_SEED)
    bad = tmp_path / "panics-fitfast.fit"
    bad.write_bytes(data)
    fifo = tmp_path / "pipe.fit"
    os.mkfifo(fifo)
    paths += [bad, fifo, shared_fit / good[2], shared_fit / good[3]]
    res = CliRunner().invoke(app, ["analyze", "--json", "--workers", "2", *map(str, paths)])
    lines = json_lines(res.stdout)
    assert [Path(x["file"]).name for x in lines] == [p.name for p in paths]
    assert [x["status"] for x in lines if Path(x["file"]).name in good] == ["ok"] * 4
    assert {x["status"] for x in lines if x["file"] == str(fifo)} == {"error"}
    assert res.exit_code == 1
    assert "Traceback" not in res.output


_ORPHAN_SCRIPT = """
import sys, time
from fitglute.batch import run_chunks

def slow(chunk):
    time.sleep(120)
    return chunk

if __name__ == "__main__":
    for _ in run_chunks(range(4), slow, workers=2, size=1, broken=lambda item, exc: None):
        pass
"""


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out += [int(x) for x in task.read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc (Linux)")
def test_kill_9_of_the_parent_leaves_no_worker(tmp_path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script)])
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(parent.pid)
        assert len(workers) >= 2, "the pool never started"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        for w in _children(parent.pid) if parent.poll() is None else []:
            os.kill(w, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()


# --------------------------------------------------------------------------- salvage and root causes


def _truth(shared_fit: Path) -> dict:
    return json.loads((shared_fit / "truth.json").read_text())


def _dynamics_runs(shared_fit: Path, max_bytes: int) -> list[str]:
    """Single-session running files with a device GCT average, small enough for fitparse in a test."""
    return sorted(
        name
        for name, t in _truth(shared_fit).items()
        if t["sports"] == ["running"]
        and len(t["runs"]) == 1
        and t["runs"][0]["gct_ms"]
        and (shared_fit / name).stat().st_size <= max_bytes
    )


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_runs_cut_short_are_salvaged_with_a_warning(shared_fit, fraction) -> None:
    from fitglute_devkit.mutate import cut_at

    names = _dynamics_runs(shared_fit, 160_000)
    assert "Fenix-2.fit" in names  # a device whose cut files were "not a running activity" before
    no_gct = []  # Fenix-3-with-empty-runscribe.fit: its strap's dynamics begin after half the run
    for name in names:
        device_gct = _truth(shared_fit)[name]["runs"][0]["gct_ms"]
        result = analyse_file(cut_at((shared_fit / name).read_bytes(), fraction), name=name)
        assert result.status == "ok", (name, result.error)
        assert any("cut short" in w or "no session summary" in w for w in result.warnings), name
        assert "partial" in result.flags
        if result.metrics["gct_ms"] is None:
            no_gct.append(name)
            continue
        # the part that survived is the same runner: within 12 % of the whole run's device average
        assert abs(result.metrics["gct_ms"] / device_gct - 1) < 0.12, (name, result.metrics["gct_ms"], device_gct)


def test_no_session_the_sport_comes_from_the_samples(shared_fit) -> None:
    from fitglute_devkit.mutate import cut_at

    result = analyse_file(cut_at((shared_fit / "Fenix-2.fit").read_bytes(), 0.7), name="fenix2-cut.fit")
    assert result.sport == "running"
    assert any("the sport was taken from the samples" in w for w in result.warnings)


def test_a_ride_without_a_session_is_not_taken_for_a_run(shared_fit) -> None:
    from fitglute.decode.adapter import decode
    from fitglute.decode.salvage import sport_from_records

    for name in ("garmin-edge-500-activity.fit", "Edge810-Vector-2013-08-16-15-35-10.fit"):
        dec = decode((shared_fit / name).read_bytes())
        assert sport_from_records(dec.records) is None, name


def test_a_run_of_ten_samples_is_analysed(shared_fit) -> None:
    from fitglute.decode.adapter import decode
    from fitglute.decode.decoded import DecodeFailure

    data = (shared_fit / "garmin-fenix-5-run.fit").read_bytes()
    for cut in range(600, len(data), 50):  # the shortest cut that still holds ~10 samples
        try:
            n = decode(data[:cut], prefer="fitparse").records.get("timestamp")
        except DecodeFailure:
            continue
        if n is not None and 8 <= n.size <= 14:
            break
    else:
        pytest.fail("no cut with ~10 samples")
    result = analyse_file(data[:cut], name="ten.fit")
    assert result.status == "ok", result.error
    assert "short" in result.flags


def _decoded(shared_fit: Path, name: str):
    from fitglute.decode.adapter import decode

    data = (shared_fit / name).read_bytes()
    return data, decode(data)


def test_repeated_timestamps_and_a_clock_jump_give_a_sane_run(shared_fit) -> None:
    """What the Strava Android app wrote: the same second several times, and once 2·10⁹ s off."""
    from fitglute import dynamics
    from fitglute.decode.build import build_run

    data, dec = _decoded(shared_fit, "FR630-with-lth.fit")
    plain = build_run(dec, data, "plain.fit")
    t = dec.records["timestamp"]
    t[1::2] = t[0::2][: t[1::2].size]  # every second sample repeats the one before
    t[t.size // 2] += 2e9
    dec.sessions.clear()  # and no session to fall back on: the time axis alone decides
    run = build_run(dec, data, "phone.fit")
    assert abs(run.duration_s - plain.duration_s) < 0.02 * plain.duration_s + 5
    assert np.all(np.diff(run.t) > 0)
    assert any("clock jump" in w for w in run.warnings)
    metrics = dynamics.analyse(run)
    assert metrics.clean_running_s <= run.duration_s


def test_clean_running_never_exceeds_timer_time(shared_fit) -> None:
    names = [n for n, t in _truth(shared_fit).items() if "running" in t["sports"]]
    for name in names:
        r = analyse_file(shared_fit / name)
        if r.status == "ok":
            assert r.clean_running_s <= r.duration_s + 0.05, (name, r.clean_running_s, r.duration_s)


def test_chained_copies_of_one_run_count_once(shared_fit) -> None:
    data = (shared_fit / "garmin-fenix-5-run.fit").read_bytes()
    one, two = analyse_file(data, name="one.fit"), analyse_file(data + data, name="two.fit")
    assert two.status == "ok"
    assert two.duration_s == one.duration_s and two.distance_m == one.distance_m
    assert any("chained copies" in w for w in two.warnings)


def test_implausible_date_is_flagged_and_kept_out_of_comparisons(shared_fit) -> None:
    from fitglute.decode.build import build_run
    from fitglute.model.history import NOT_COMPARABLE

    data, dec = _decoded(shared_fit, "FR630-with-lth.fit")
    future = 40 * 365.25 * 86400
    dec.records["timestamp"] += future
    for s in dec.sessions:
        s["start_time"] = None  # a clock 40 years fast, the session's start lost with it
    run = build_run(dec, data, "2058.fit")
    assert run.implausible and any("before 2000 or in the future" in w for w in run.warnings)
    assert "implausible" in NOT_COMPARABLE


def test_implausible_totals_fall_back_to_the_samples(shared_fit) -> None:
    from fitglute.decode.build import build_run

    data, dec = _decoded(shared_fit, "FR630-with-lth.fit")
    plain = build_run(dec, data, "plain.fit")
    dec.sessions[0]["total_timer_time"] = 82 * 365.25 * 86400
    dec.sessions[0]["total_distance"] = 18_000_000.0
    run = build_run(dec, data, "odd.fit")
    span = plain.t[-1] - plain.t[0]
    assert run.duration_s == pytest.approx(span)
    assert run.distance_m == pytest.approx(
        np.nanmax(plain.channels["distance_m"]) - np.nanmin(plain.channels["distance_m"])
    )
    assert len([w for w in run.warnings if "implausible" in w]) == 2


def test_developer_names_with_bytes_after_the_terminator() -> None:
    from fitglute.decode.decoded import text_of

    assert text_of(["Power", "\x07junk"]) == "Power"
    assert text_of(b"Form Power\x00\xff\xfe") == "Form Power"
    assert text_of("Leg Spring\x00xyz ") == "Leg Spring"
    assert text_of(None) == "" and text_of([]) == ""


def test_a_future_dated_run_does_not_empty_the_trends_window(tmp_path, short_run, home) -> None:
    from datetime import UTC, datetime

    from fitglute_devkit.synth import Scenario, write_run

    future = tmp_path / "2058.fit"
    write_run(future, Scenario(duration_s=120, seed=3, start=datetime(2058, 6, 1, 7, 0, tzinfo=UTC)))
    res = CliRunner().invoke(app, ["import", "--workers", "1", "--json", str(short_run.path), str(future)])
    assert json.loads(res.stdout)["imported"] == 2
    res = CliRunner().invoke(app, ["trends", "--metric", "gct", "--json"])
    data = json.loads(res.stdout)
    assert data["to"].startswith(short_run.scenario.start.date().isoformat())
    assert len(data["points"]) == 1
