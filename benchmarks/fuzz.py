"""Fuzz: damaged copies of the real running files through the one analysis path, outcomes counted.

    .venv/bin/python benchmarks/fuzz.py                 # 100 mutants per running file
    .venv/bin/python benchmarks/fuzz.py --n 300 --seed 1000 --timeout 20
    .venv/bin/python benchmarks/fuzz.py --batch         # and once through `fitglute analyze DIR`

Each mutant (``fitglute_devkit.mutate``: bit flips, cuts, duplicated/dropped/zeroed chunks,
header and CRC damage; seeded, so a finding is reproduced from the seed printed) is analysed by
:func:`fitglute.pipeline.analyse_file` in a worker process with a memory limit (``--mem-mb``)
and a time limit (``--timeout``). Outcomes:

- ``ok`` / ``salvaged`` (ok with a warning) / ``skipped`` / ``error`` (a clean one-line reason)
- ``crash``: an exception escaped ``analyse_file`` (printed with its seed)
- ``died``: the worker process died (a native crash or the memory limit)
- ``hang``: no answer within the time limit

The "crashes" that count against fitglute are crash + died + hang; the goal is 0. With
``--batch`` the mutants are also written to a folder and run through ``fitglute analyze --json``
once: every input must get its JSON line and no traceback may reach stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from fitglute_devkit.mutate import mutants
from fitglute_devkit.testing import SHARED_FIT

OUTCOMES = ("ok", "salvaged", "skipped", "error", "crash", "died", "hang")


def running_files(folder: Path) -> list[Path]:
    """The corpus files with a running session, as truth.json (python-fitparse) says."""
    truth = json.loads((folder / "truth.json").read_text())
    return [folder / name for name, t in sorted(truth.items()) if "running" in t.get("sports", [])]


def _worker(conn, mem_mb: int) -> None:  # noqa: ANN001 - a multiprocessing Connection
    import resource
    import traceback

    os.environ["FITGLUTE_PLUGINS"] = "0"
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # a native panic prints its backtrace to fd 2; the outcome is what counts
    resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
    from fitglute.pipeline import analyse_file

    while True:
        try:
            name, data = conn.recv()
        except EOFError:
            return
        try:
            r = analyse_file(data, name=name)
            outcome = r.status
            if outcome == "ok" and r.warnings:
                outcome = "salvaged"
            conn.send((outcome, r.error if r.status != "ok" else "; ".join(r.warnings)))
        except BaseException as exc:  # noqa: BLE001 - counting what escapes is the point
            conn.send(("crash", "".join(traceback.format_exception_only(exc)).strip()))


class Runner:
    """One worker process at a time; restarted after a death or a hang."""

    def __init__(self, mem_mb: int, timeout: float) -> None:
        self.mem_mb, self.timeout = mem_mb, timeout
        self.proc = None
        self.conn = None

    def _start(self) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, self.mem_mb), daemon=True)
        self.proc.start()
        child.close()

    def run(self, name: str, data: bytes) -> tuple[str, str]:
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.conn.send((name, data))
        if not self.conn.poll(self.timeout):
            self.stop()
            return "hang", f"no answer in {self.timeout:.0f} s"
        try:
            return self.conn.recv()
        except EOFError:
            code = self.proc.exitcode if self.proc is not None else None
            self.stop()
            return "died", f"worker died (exit code {code})"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
        self.proc = None


def batch_check(folder: Path) -> tuple[int, int, bool, int]:
    """``fitglute analyze --json`` over a folder: (inputs, JSON lines, traceback on stderr, exit code)."""
    files = sorted(p for p in folder.iterdir() if p.suffix == ".fit")
    env = {**os.environ, "FITGLUTE_PLUGINS": "0", "FITGLUTE_HOME": tempfile.mkdtemp(prefix="fuzz-home-")}
    proc = subprocess.run(
        [sys.executable, "-m", "fitglute", "analyze", "--json", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    return len(files), len(lines), "Traceback" in proc.stderr, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=SHARED_FIT)
    ap.add_argument("--n", type=int, default=100, help="mutants per running file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-kb", type=int, default=200, help="only files up to this size (fitparse is slow)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per mutant before it counts as a hang")
    ap.add_argument("--mem-mb", type=int, default=2048, help="address-space limit of the worker")
    ap.add_argument("--batch", action="store_true", help="also run all mutants through `fitglute analyze`")
    ap.add_argument("--show", type=int, default=20, help="how many crash lines to print")
    args = ap.parse_args()
    if not (args.dir / "truth.json").exists():
        print(f"no corpus at {args.dir}", file=sys.stderr)
        return 2
    files = [p for p in running_files(args.dir) if p.stat().st_size <= args.max_kb * 1024]
    runner = Runner(args.mem_mb, args.timeout)
    counts: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    shown = 0
    keep = Path(tempfile.mkdtemp(prefix="fitglute-fuzz-")) if args.batch else None
    t0 = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        for seed, kinds, mutated in mutants(data, args.n, args.seed):
            name = f"{path.stem}@{seed}"
            outcome, why = runner.run(name, mutated)
            counts[outcome] += 1
            if outcome in ("crash", "died", "hang"):
                bad[why.splitlines()[-1][:100]] += 1
                if shown < args.show:
                    print(f"{outcome}: {name} ({kinds}): {why.splitlines()[-1][:160]}")
                    shown += 1
            if keep is not None:
                (keep / f"{name}.fit").write_bytes(mutated)
    runner.stop()
    total = sum(counts.values())
    secs = time.perf_counter() - t0
    print(f"\n{total} mutants of {len(files)} running files (seed {args.seed}, {args.n} each) in {secs:.0f} s")
    for k in OUTCOMES:
        print(f"  {k:9s} {counts[k]:6d}  {100 * counts[k] / max(total, 1):5.1f} %")
    if bad:
        print("escaped, by message:")
        for msg, c in bad.most_common(15):
            print(f"  {c:5d}  {msg}")
    failed = sum(counts[k] for k in ("crash", "died", "hang"))
    if keep is not None:
        n_in, n_out, tb, code = batch_check(keep)
        print(f"batch: {n_in} files in, {n_out} JSON lines out, traceback on stderr: {tb}, exit code {code}")
        failed += (n_in != n_out) + tb
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
