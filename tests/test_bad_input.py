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
