"""``fitglute report`` on long runs: its cost against ``analyze``'s, and the page's size.

The page costs what the analysis costs plus the binning and the drawing; the yardstick is the
analysis itself, timed alternately with the report in the same process (A B A B …), so the ratio
does not move with the machine's load. Printed per file: the analysis (``analyse_file``), the report
(``analyse_with_series`` + ``run_page``), their ratio, the drawing alone, and the page size.

* a generated 2-hour run (fitglute_devkit.synth, 1 s recording, laps every km);
* ``with-new-dynamics.fit`` (2.3 h, real, ``../shared/fit``; skipped without it).

Targets: page ≤ 1.5 MB for 2 hours; report ≤ 3 × the analysis (binning and drawing add at most twice
what the analysis costs: with the analysis at ~0.1 s for 2 hours, the page stays well under 1 s).

    .venv/bin/python benchmarks/bench_report.py [--runs 7]

Exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_FIT = ROOT.parent / "shared" / "fit"
MAX_BYTES = 1_500_000
MAX_RATIO = 3.0


def timed(fn) -> tuple[float, object]:  # noqa: ANN001 - any callable
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def bench(path: Path, runs: int) -> dict[str, float]:
    from fitglute.pipeline import analyse_file, analyse_with_series
    from fitglute.report.html.run_page import run_page

    analyse_file(str(path))  # warm: imports and caches out of the pairs
    ratios, analysis, report, drawing = [], [], [], []
    size = 0
    for _ in range(runs):
        a, _ = timed(lambda: analyse_file(str(path)))
        r0 = time.process_time()
        result, series = analyse_with_series(str(path))
        d, html = timed(lambda r=result, s=series: run_page(r, s))
        r = time.process_time() - r0
        size = len(str(html).encode())
        analysis.append(a)
        report.append(r)
        drawing.append(d)
        ratios.append(r / a)
    return {
        "analysis_s": statistics.median(analysis),
        "report_s": statistics.median(report),
        "ratio": statistics.median(ratios),
        "ratio_spread": max(ratios) - min(ratios),
        "drawing_s": statistics.median(drawing),
        "bytes": size,
        "duration_h": (result.duration_s or 0) / 3600,
    }


def generated_run(folder: Path) -> Path:
    from fitglute_devkit.synth import Scenario, write_run

    path = folder / "2h.fit"
    write_run(path, Scenario(start=datetime(2026, 3, 1, 7, 0, tzinfo=UTC), duration_s=7200, seed=17))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    files: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory() as tmp:
        files.append(("generated 2 h", generated_run(Path(tmp))))
        real = SHARED_FIT / "with-new-dynamics.fit"
        if real.is_file():
            files.append(("with-new-dynamics.fit", real))
        else:
            print("skipped: ../shared/fit/with-new-dynamics.fit not present")
        print("| file | hours | analysis CPU s | report CPU s | report ÷ analysis | drawing s | page kB |")
        print("|---|---|---|---|---|---|---|")
        missed = False
        for label, path in files:
            m = bench(path, args.runs)
            print(
                f"| {label} | {m['duration_h']:.2f} | {m['analysis_s']:.3f} | {m['report_s']:.3f} | "
                f"{m['ratio']:.2f} (±{m['ratio_spread'] / 2:.2f}) | {m['drawing_s']:.3f} | {m['bytes'] / 1024:.0f} |"
            )
            missed |= m["ratio"] > MAX_RATIO or m["bytes"] * 2 / max(m["duration_h"], 2) > MAX_BYTES
    print(f"targets: report ≤ {MAX_RATIO} × analysis; page ≤ {MAX_BYTES / 1e6:.1f} MB per 2 h")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
