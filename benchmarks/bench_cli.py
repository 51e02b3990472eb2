"""Whole-process start-up of the commands a runner types, against yardsticks measured in the same run.

Every figure is a *ratio* to a yardstick timed alternately with it (A B A B …), pair by pair, so a
machine that speeds up or slows down between runs moves both sides of each pair alike; the median
ratio and its spread are printed, with CPU time (user + system of the child) and wall time.

* ``fitglute analyze 1h.fit --json`` (a generated one-hour run)  vs  ``python -c "import numpy"``
  — target ≤ 2×;
* ``fitglute --help``  vs  ``python -c "import numpy"`` — target ≤ 1.2×;
* ``fitglute analyze --json`` over the real corpus in ``../shared/fit`` (skipped without it), and the
  time its non-running files take (rides, swims, settings: rejected before any full decode);
* ``fitglute analyze 1h.fit --json`` against a history of ``--history`` stored runs vs an empty one —
  target: adds ≤ 10 ms.

    .venv/bin/python benchmarks/bench_cli.py [--runs 9] [--history 10000]

Prints a markdown table (the README's Development section shows one). Exit code 1 when a target
is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_FIT = ROOT.parent / "shared" / "fit"
BIN = Path(sys.executable).parent


@dataclass
class Timing:
    cpu: float
    wall: float


def run_once(argv: list[str], env: dict[str, str]) -> Timing:
    """One whole process: CPU seconds of the child (user + system) and wall seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(cpu, wall)


@dataclass
class Pair:
    label: str
    a: list[Timing]
    b: list[Timing]

    def ratios(self, what: str) -> list[float]:
        return [getattr(x, what) / getattr(y, what) for x, y in zip(self.a, self.b, strict=True)]

    def row(self, target: float | None) -> tuple[str, bool]:
        cpu, wall = self.ratios("cpu"), self.ratios("wall")
        med_a = statistics.median(t.wall for t in self.a) * 1000
        med_b = statistics.median(t.wall for t in self.b) * 1000
        ok = target is None or statistics.median(cpu) <= target
        shown = "–" if target is None else f"≤ {target:g}× {'✓' if ok else '✗'}"
        text = (
            f"| {self.label} | {med_a:.0f} ms | {med_b:.0f} ms | {statistics.median(cpu):.2f}× "
            f"({min(cpu):.2f}–{max(cpu):.2f}) | {statistics.median(wall):.2f}× | {shown} |"
        )
        return text, ok


def paired(label: str, a: list[str], b: list[str], env: dict[str, str], runs: int) -> Pair:
    run_once(a, env), run_once(b, env)  # warm the file cache and the byte-code cache
    pair = Pair(label, [], [])
    for _ in range(runs):
        pair.a.append(run_once(a, env))
        pair.b.append(run_once(b, env))
    return pair


def one_hour_run(folder: Path) -> Path:
    from fitglute_devkit.synth import Scenario, write_run

    path = folder / "1h.fit"
    write_run(path, Scenario(duration_s=3600, seed=5))
    return path


def history_of(home: Path, n: int, run: Path) -> None:
    """A history of ``n`` stored runs (copies of one analysis, a day apart) in ``home``."""
    from dataclasses import replace
    from datetime import timedelta

    from fitglute.history.store import Store
    from fitglute.model.times import iso_utc, parse_iso
    from fitglute.pipeline import analyse_file

    os.environ["FITGLUTE_HOME"] = str(home)
    result = analyse_file(str(run))
    start = parse_iso(result.start_time) - timedelta(days=n + 1).total_seconds()  # all before the run
    with Store() as store:
        for i in range(n):
            store.add_run(replace(result, sha256=f"{i:064x}", start_time=iso_utc(start + i * 86400)))


def skip_times(files: list[str]) -> bool:
    """In-process: each non-running file is rejected in ≤ 5 ms (best of 5), before any full decode."""
    from fitglute.pipeline import analyse_file

    worst = 0.0
    rows = []
    for f in files:
        data = Path(f).read_bytes()
        if analyse_file(data).status != "skipped":
            continue
        best = min(_timed(analyse_file, data) for _ in range(5))
        worst = max(worst, best)
        rows.append(f"{Path(f).name} {best * 1000:.1f} ms")
    ok = worst <= 0.005
    mark = "✓" if ok else "✗"
    print(f"\nNon-running files rejected in-process (best of 5; target ≤ 5 ms {mark}): " + ", ".join(rows))
    return ok


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=9, help="paired runs per figure (default 9)")
    ap.add_argument("--history", type=int, default=10000, help="stored runs for the history figure (default 10000)")
    ap.add_argument(
        "--pythonpath", default="", help="put this first on PYTHONPATH for the fitglute commands (time a snapshot)"
    )
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fitglute-bench-cli-"))
    try:
        empty, full = tmp / "empty-home", tmp / "full-home"
        empty.mkdir()
        env = {**os.environ, "FITGLUTE_HOME": str(empty), "COLUMNS": "120"}
        # byte-code as an installed package has it: with PYTHONDONTWRITEBYTECODE (set in some shells and
        # CI images) every run would compile fitglute's sources again, numpy's come pre-compiled
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (args.pythonpath, env.get("PYTHONPATH", "")) if p)
        fitglute = [str(BIN / "fitglute")]
        numpy = [sys.executable, "-c", "import numpy"]
        run = one_hour_run(tmp)
        rows = [
            (
                paired(
                    "`fitglute analyze 1h.fit --json` vs `import numpy`",
                    [*fitglute, "analyze", str(run), "--json"],
                    numpy,
                    env,
                    args.runs,
                ),
                2.0,
            ),
            (paired("`fitglute --help` vs `import numpy`", [*fitglute, "--help"], numpy, env, args.runs), 1.2),
        ]
        if args.history:
            full.mkdir()
            history_of(full, args.history, run)
            with_history = {**env, "FITGLUTE_HOME": str(full)}
            a = [*fitglute, "analyze", str(run), "--json"]
            pair = Pair(f"`analyze 1h.fit --json` with {args.history:,} stored runs vs none", [], [])
            run_once(a, with_history), run_once(a, env)
            for _ in range(args.runs):
                pair.a.append(run_once(a, with_history))
                pair.b.append(run_once(a, env))
            rows.append((pair, None))
        print("| command | A (median wall) | B (median wall) | A/B CPU (min–max) | A/B wall | target |")
        print("|---|---|---|---|---|---|")
        failed = False
        for pair, target in rows:
            text, ok = pair.row(target)
            failed |= not ok
            print(text)
        if args.history:
            extra = statistics.median(x.wall - y.wall for x, y in zip(pair.a, pair.b, strict=True)) * 1000
            ok = extra <= 10.0
            failed |= not ok
            print(
                f"\nA {args.history:,}-run history adds {extra:+.1f} ms to one analyze (target ≤ 10 ms "
                f"{'✓' if ok else '✗'})."
            )
        if SHARED_FIT.is_dir():
            files = sorted(str(p) for p in SHARED_FIT.glob("*.fit"))
            timing = [run_once([*fitglute, "analyze", "--json", *files], env) for _ in range(3)]
            best = min(timing, key=lambda t: t.wall)
            print(
                f"\nThe real corpus ({len(files)} files) through one `analyze --json`: {best.wall:.2f} s wall, "
                f"{best.cpu:.2f} s CPU (best of 3)."
            )
            failed |= not skip_times(files)
        return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
