"""Seeded fuzz (issue 12): damaged copies of real and generated runs never crash, hang or get lost.

A few dozen mutants (``fitglute_devkit.mutate``: bit flips, cuts, duplicated/dropped/zeroed
chunks, header and CRC damage) so the suite stays fast; ``benchmarks/fuzz.py`` runs thousands.
What is asserted is what a runner sees: every input gets one result, none is an internal error
(a bug the barrier caught), and a parallel batch over them prints one JSON line per file and
no traceback, within a memory limit and a time limit.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from fitglute_devkit.mutate import mutants

from fitglute.pipeline import analyse_file

SMALL_REAL = ("garmin-fenix-5-run.fit", "FR70-intervals.fit", "2013-02-06-12-11-14.fit")
N_EACH = 12
MEMORY_LIMIT = 2 << 30


def _corpus(shared_fit: Path, short_run) -> list[tuple[str, bytes]]:
    out = []
    sources = [(name, (shared_fit / name).read_bytes()) for name in SMALL_REAL] + [("synth", short_run.data)]
    for name, data in sources:
        for seed, kinds, mutated in mutants(data, N_EACH, seed=7000):
            out.append((f"{Path(name).stem}@{seed}-{kinds}", mutated))
    return out


def test_every_mutant_gets_a_clean_result(shared_fit, short_run, capfd) -> None:
    statuses = {}
    for name, data in _corpus(shared_fit, short_run):
        r = analyse_file(data, name=name)
        statuses[name] = r.status
        assert r.status in ("ok", "skipped", "error")
        assert "internal error" not in (r.error or ""), (name, r.error)
        assert r.status != "ok" or r.clean_running_s <= (r.duration_s or 0) + 0.05, name
    err = capfd.readouterr().err
    assert "Traceback" not in err and "panicked" not in err
    assert len(statuses) == N_EACH * (len(SMALL_REAL) + 1)
    assert "ok" in statuses.values() and "error" in statuses.values()  # the mutants do damage, not all


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))



def _fitglute(command: str, folder: Path, home: Path) -> subprocess.CompletedProcess[str]:
    """``fitglute COMMAND --json --workers 2 FOLDER`` as a real process, plugins off, memory capped."""
    env = {**os.environ, "FITGLUTE_HOME": str(home), "FITGLUTE_PLUGINS": "0"}
    return subprocess.run(
        [sys.executable, "-m", "fitglute", command, "--json", "--workers", "2", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        preexec_fn=_limit_memory,
    )

def test_a_parallel_batch_of_mutants_loses_nothing(tmp_path, shared_fit, short_run, home) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    good = []
    for i, (name, data) in enumerate(_corpus(shared_fit, short_run)):
        (folder / f"{i:03d}-{name}.fit").write_bytes(data)
        if i % 10 == 5:  # good files among the damaged ones
            good.append(f"{i:03d}-good.fit")
            (folder / good[-1]).write_bytes(short_run.data)
    n_files = len(list(folder.iterdir()))
    proc = _fitglute("analyze", folder, home)
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == n_files
    assert {Path(x["file"]).name for x in lines} == {p.name for p in folder.iterdir()}
    assert all(x["status"] == "ok" for x in lines if Path(x["file"]).name in good)
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr
    errors = [x for x in lines if x["status"] == "error"]
    assert errors and proc.returncode == 1
    # one stderr line per failed file, each naming it
    err_lines = [x for x in proc.stderr.splitlines() if x.strip()]
    for x in errors:
        assert any(x["file"] in line for line in err_lines), x["file"]


def test_import_of_mutants_accounts_for_every_file(tmp_path, shared_fit, short_run, home) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    corpus = _corpus(shared_fit, short_run)[:24]
    for i, (name, data) in enumerate(corpus):
        (folder / f"{i:03d}-{name}.fit").write_bytes(data)
    proc = _fitglute("import", folder, home)
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    report = json.loads(proc.stdout)
    n = len(corpus)
    # damaged copies of one run that still decode are one activity: stored once, the others named
    accounted = (
        report["imported"] + report["already_known"] + len(report["same_activity"])
        + len(report["skipped"]) + len(report["failed"])
    )  # fmt: skip
    assert report["files"] == n and accounted == n, report
    assert report["imported"] > 0 and report["failed"]
    assert not [f for f in report["failed"] if "internal error" in f["reason"] or "process died" in f["reason"]]
