"""How fast is ``fitglute history`` on a long history? (issue #5 target: 3,000 runs in ≤ 0.5 s)

    python benchmarks/bench_history.py [--n 3000]

Builds a fresh database of N stored runs (one generated, analysed run stored N times as different
files a day apart), then times ``fitglute history`` and ``history --json`` both in-process and as
a whole command (a new Python process, as a runner types it), and prints them against the target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
TARGET_S = 0.5


def build_db(db: Path, n: int) -> None:
    from fitglute_devkit.synth import Scenario, write_run

    from fitglute.history.store import Store
    from fitglute.pipeline import analyse_file

    data, _ = write_run(None, Scenario(duration_s=1800, balance_left_pct=51.5))
    result = analyse_file(data, name="bench.fit")
    start = datetime.fromisoformat(result.start_time.replace("Z", "+00:00"))
    with Store(db) as store:
        for i in range(n):
            when = (start + timedelta(days=i)).astimezone(UTC).isoformat().replace("+00:00", "Z")
            store.add_run(replace(result, sha256=f"{i:064x}", start_time=when))


def time_in_process(args: list[str], repeat: int) -> float:
    from typer.testing import CliRunner

    from fitglute.cli import app

    runner = CliRunner()
    runner.invoke(app, args)  # warm-up: imports
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        runner.invoke(app, args)
        times.append(time.perf_counter() - t0)
    return min(times)


def time_command(args: list[str], repeat: int, home: str) -> float:
    env = {**os.environ, "FITGLUTE_HOME": home, "COLUMNS": "120"}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "fitglute", *args], env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="stored runs (default 3000)")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fitglute-bench-history-") as home:
        os.environ["FITGLUTE_HOME"] = home
        db = Path(home) / "history.sqlite"
        t0 = time.perf_counter()
        build_db(db, a.n)
        print(f"built a database of {a.n} runs in {time.perf_counter() - t0:.1f} s")
        bare = time_command(["--version"], a.repeat, home)
        print(f"{'command':42} {'in-process s':>13} {'whole command s':>16}   target {TARGET_S} s")
        for args in (["history", "--db", str(db)], ["history", "--db", str(db), "--json", "--limit", "50"]):
            inner = time_in_process(args, a.repeat)
            whole = time_command(args, a.repeat, home)
            verdict = "MET" if whole <= TARGET_S else "MISSED"
            print(f"{'fitglute ' + ' '.join(args[:1] + args[3:]):42} {inner:13.3f} {whole:16.3f}   {verdict}")
        print(f"(`fitglute --version`, i.e. interpreter + CLI start-up alone: {bare:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
