"""Write the runs of the README's "Your own evidence" example, with known injected patterns.

Why generated: the worked example must be reproducible by anyone, and its truth known exactly.
Nine weeks of chest-strap runs from Monday 2026-02-02 — Tuesday 40 min easy, Thursday 35 min a
little faster, Sunday long run 65 min — then:

* the last Sunday, 2026-04-05, is a 100-min long run: +54 % over the 65-min Sundays;
* over the last three weeks the balance drifts to the right (49.2 % left) and easy-run ground
  contact rises from 250 to 257 ms;
* ``next_run.fit`` is an easy 30-min run two weeks after the injury the example logs (2026-04-07).

Usage (from the repository, with the dev extra installed)::

    python -m fitglute_devkit.make_evidence_example OUT_DIR     # OUT_DIR/runs/*.fit, OUT_DIR/next_run.fit
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fitglute_devkit.synth import Scenario, write_run

START = datetime(2026, 2, 2, 7, 0, tzinfo=UTC)  # a Monday
WEEKS = 9
SPIKE_DAY = 7 * (WEEKS - 1) + 6  # the last Sunday
#: weekday offset → (minutes, speed m/s)
PLAN = {1: (40, 3.0), 3: (35, 3.3), 6: (65, 3.0)}


def scenarios() -> list[tuple[str, Scenario]]:
    out = []
    for n in (7 * w + d for w in range(WEEKS) for d in PLAN):
        minutes, speed = PLAN[n % 7]
        late = n >= SPIKE_DAY - 20
        when = START + timedelta(days=n)
        sc = Scenario(
            start=when,
            duration_s=(100 if n == SPIKE_DAY else minutes) * 60,
            speed_mps=speed,
            seed=2026_0000 + n,
            balance_left_pct=49.2 if late else 50.1,
            gct_ms=257.0 if late else 250.0,
        )
        out.append((f"{when.date().isoformat()}.fit", sc))
    return out


NEXT_RUN = Scenario(
    start=START + timedelta(days=SPIKE_DAY + 16), duration_s=1800, speed_mps=3.0, seed=20260421,
    balance_left_pct=49.3, gct_ms=255.0,
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m fitglute_devkit.make_evidence_example OUT_DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    (out / "runs").mkdir(parents=True, exist_ok=True)
    for name, sc in scenarios():
        write_run(out / "runs" / name, sc)
    write_run(out / "next_run.fit", NEXT_RUN)
    print(f"wrote {len(scenarios())} runs to {out / 'runs'} and {out / 'next_run.fit'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
