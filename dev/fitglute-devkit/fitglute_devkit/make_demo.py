"""Regenerate ``fitglute/data/demo_run.fit``, the bundled synthetic demo run.

Why a generated file: a real athlete's FIT file would leak personal data (GPS track, heart rate)
and nobody would know its true running dynamics. This one is written by :mod:`fitglute_devkit.synth`
from :data:`DEMO_SCENARIO`, so its ground truth is known exactly and the demo output of fitglute
can be checked against it.

The run: 40 minutes outdoors (39 min running + one 1-min standing stop), HRM-Pro Plus chest
strap, easy pace (~5:28 min/km), a moderate left GCT-balance bias (+1.8 points, 51.8 % L), a
mild late-run fatigue GCT rise of 5 % at equal speed, and gentle rolling terrain (±3 m).

Usage (from the repository, with the dev extra installed)::

    python -m fitglute_devkit.make_demo            # rewrites the bundled file
    python -m fitglute_devkit.make_demo out.fit    # or write somewhere else
"""

from __future__ import annotations

import sys
from pathlib import Path

from fitglute.data import DEMO_RUN
from fitglute_devkit.synth import Scenario, write_run

#: Where the bundled demo lives (in the fitglute package).
DEMO_PATH = DEMO_RUN

#: The demo's injected truth. Changing it changes the committed file: rerun this script.
DEMO_SCENARIO = Scenario(
    duration_s=2340,
    seed=20260503,
    speed_mps=3.05,
    gct_ms=252.0,
    balance_left_pct=51.8,
    vo_mm=86.0,
    cadence_spm=170.0,
    fatigue_gct_pct=5.0,
    stops=1,
    sensor="chest",
    sub_sport="generic",
    profile="steady",
    rolling_m=3.0,
)


def main(argv: list[str] | None = None) -> int:
    """Write the demo file (to ``argv[0]`` if given) and print its size and truth."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEMO_PATH
    data, truth = write_run(out, DEMO_SCENARIO)
    print(f"wrote {out} ({len(data) / 1024:.1f} KiB)")
    print(truth)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
