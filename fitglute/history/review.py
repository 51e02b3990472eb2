"""What changed before each injury: the 6 weeks before it against the runner's own baseline (data only).

Why: a physiotherapist's first questions after an injury are about the weeks before it — did the
long run jump, did the weekly distance climb, did anything hurt, did a strength test already show
a side. This module answers them from the stored history as plain, JSON-ready data; the words are
the command line's (``fitglute.report.review``).

* **Window**: the 42 days ending with the injury day (runs on that day count: an injury often
  happens during one). **Baseline**: the 84 days before the window.
* **Largest single-run spike**: every run of a period against the longest run of the 30 days
  before *that* run (:func:`fitglute.rules.load.spike_of`, the load-spike rule's own measure),
  with the Frandsen et al. 2025 band it falls in.
* **Weekly distance**: six 7-day blocks, the last one ending with the injury day, against the
  median week of the baseline (weeks before the first stored run are not counted as zero).
* **Running dynamics on easy runs, same sensor**: GCT falls with speed and sensors disagree in
  level (evidence.md, "Confounders"), so only runs on the window's main sensor, flat and outdoor,
  at or below that sensor's median speed are compared — window median against baseline median,
  with the baseline's run-to-run spread.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fitglute.model.history import History, Injury, RunSummary, robust_spread
from fitglute.model.times import DAY_S
from fitglute.rules.guardrail import band_of
from fitglute.rules.load import Spike, spike_of
from fitglute.rules.zones import BALANCE_GREEN_PTS

WINDOW_DAYS = 42
BASELINE_DAYS = 84
SPIKE_DAYS = 30.0
MIN_BASELINE_RUNS = 3
#: the smallest change that counts, whatever the runner's spread: half Garmin's green balance band,
#: and 2 % of the baseline GCT (about the warm-up effect at matched speed, evidence.md)
BALANCE_FLOOR_PTS = BALANCE_GREEN_PTS
GCT_FLOOR_FRACTION = 0.02
#: runs whose dynamics are not comparable with the runner's usual outdoor running
NOT_EASY = frozenset({"treadmill", "indoor", "track", "hilly", "short", "intervals", "variable-pace", "no-dynamics"})


def _midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()


def review_all(history: History, injury_id: int | None = None) -> list[dict[str, Any]]:
    """One review per logged injury (oldest first), or only ``injury_id``'s (empty when unknown)."""
    chosen = [i for i in history.injuries if injury_id is None or i.id == injury_id]
    return [review(history, i) for i in chosen]


def review(history: History, injury: Injury) -> dict[str, Any]:
    end = _midnight(injury.date + timedelta(days=1))
    start = end - WINDOW_DAYS * DAY_S
    base_start = start - BASELINE_DAYS * DAY_S
    window, baseline = history.between(start, end), history.between(base_start, start)
    first_day = injury.date - timedelta(days=WINDOW_DAYS - 1)
    largest = _largest_spike(history, window)
    base_largest = _largest_spike(history, baseline, full_only=True)
    return {
        "injury": injury.to_json(),
        "window": {
            "from": first_day.isoformat(),
            "to": injury.date.isoformat(),
            "days": WINDOW_DAYS,
            "runs": len(window),
        },
        "baseline": {
            "from": (first_day - timedelta(days=BASELINE_DAYS)).isoformat(),
            "to": (first_day - timedelta(days=1)).isoformat(),
            "days": BASELINE_DAYS,
            "runs": len(baseline),
            "history_from": history.runs[0].day.isoformat() if history.runs else None,
        },
        "spike_pct": None if largest is None else largest["spike_pct"],
        "spike": largest,
        "baseline_spike_pct": None if base_largest is None else base_largest["spike_pct"],
        "weekly_km": _weeks(window, start, WINDOW_DAYS // 7, history.first_start),
        "weekly_km_baseline": _median_week(baseline, base_start, BASELINE_DAYS // 7, history.first_start),
        "dynamics": _dynamics(window, baseline),
        "tests": [t.to_json() for t in history.tests if first_day <= t.date <= injury.date],
        "symptoms": [s.to_json() for s in history.symptoms if first_day <= s.date <= injury.date],
    }


# --------------------------------------------------------------------------- load


def _largest_spike(history: History, runs: list[RunSummary], *, full_only: bool = False) -> dict[str, Any] | None:
    """The run of ``runs`` most longer than its 30-day longest; ``full_only``: only runs whose 30
    days before are inside the stored history (a baseline must not be set by the history's start)."""
    best: tuple[RunSummary, Spike] | None = None
    first = history.first_start
    for r in runs:
        if full_only and (first is None or first > r.start - SPIKE_DAYS * DAY_S):
            continue
        got = spike_of(history, r, SPIKE_DAYS)
        if isinstance(got, Spike) and (best is None or got.pct > best[1].pct):
            best = (r, got)
    if best is None:
        return None
    run, spike = best
    band = band_of(spike.pct)
    covered = history.first_start is not None and history.first_start <= run.start - SPIKE_DAYS * DAY_S
    return {
        "spike_pct": round(spike.pct, 1),
        "date": run.day.isoformat(),
        "sha256": run.sha256,
        "unit": spike.unit,
        "this_run": round(spike.value, 1),
        "previous_longest": round(spike.previous, 1),
        "previous_longest_date": spike.longest.day.isoformat(),
        "band": None if band is None else band.words,
        "hazard_ratio": None if band is None else band.hazard_ratio,
        "per_1000": None if band is None else round(band.per_1000, 1),
        "full_30_days": covered,
    }


def _weeks(runs: list[RunSummary], start: float, count: int, first_start: float | None) -> list[dict[str, Any]]:
    """``count`` 7-day blocks from ``start``: km, runs, and whether the history reached back that far."""
    out = []
    for i in range(count):
        lo, hi = start + i * 7 * DAY_S, start + (i + 1) * 7 * DAY_S
        inside = [r for r in runs if lo <= r.start < hi]
        out.append(
            {
                "from": datetime.fromtimestamp(lo, tz=UTC).date().isoformat(),
                "km": round(sum((r.distance_m or 0.0) for r in inside) / 1000.0, 1),
                "runs": len(inside),
                "recorded": first_start is not None and first_start < hi,
            }
        )
    return out


def _median_week(runs: list[RunSummary], start: float, count: int, first_start: float | None) -> float | None:
    weeks = [w["km"] for w in _weeks(runs, start, count, first_start) if w["recorded"]]
    return round(statistics.median(weeks), 1) if weeks else None


# --------------------------------------------------------------------------- running dynamics


def _dynamics(window: list[RunSummary], baseline: list[RunSummary]) -> dict[str, Any]:
    def usable(r: RunSummary) -> bool:
        return r.sensor != "none" and not (r.flags & NOT_EASY) and (r.speed_mps or 0.0) > 0

    in_window = [r for r in window if usable(r)]
    if not in_window:
        return {"sensor": None, "reason": "no flat outdoor run with running dynamics in the 6 weeks"}
    sensor = Counter(r.sensor for r in in_window).most_common(1)[0][0]
    same = [r for r in [*baseline, *window] if usable(r) and r.sensor == sensor]
    easy_speed = statistics.median(r.speed_mps or 0.0 for r in same)
    ids = {r.sha256 for r in window}
    easy = [r for r in same if (r.speed_mps or 0.0) <= easy_speed]
    out: dict[str, Any] = {"sensor": sensor, "easy_speed_mps": round(easy_speed, 2)}
    for key, attr in (("gct_ms", "gct_ms"), ("balance_left_pct", "balance")):
        now = [getattr(r, attr) for r in easy if r.sha256 in ids and getattr(r, attr) is not None]
        then = [getattr(r, attr) for r in easy if r.sha256 not in ids and getattr(r, attr) is not None]
        out[key] = _compare(now, then, key)
    return out


def _compare(now: list[float], then: list[float], key: str) -> dict[str, Any]:
    """Window median against the baseline median; ``band`` = max(2 × the baseline's spread, a floor)."""
    if not now:
        return {"reason": "no easy run with this metric in the 6 weeks"}
    if len(then) < MIN_BASELINE_RUNS:
        return {
            "window": round(statistics.median(now), 2),
            "runs": len(now),
            "reason": f"{len(then)} easy runs on this sensor in the baseline ({MIN_BASELINE_RUNS} needed)",
        }
    window, base = statistics.median(now), statistics.median(then)
    spread = robust_spread(then)
    floor = BALANCE_FLOOR_PTS if key == "balance_left_pct" else GCT_FLOOR_FRACTION * base
    band = max(2.0 * spread, floor)
    return {
        "window": round(window, 2),
        "baseline": round(base, 2),
        "change": round(window - base, 2),
        "spread": round(spread, 2),
        "band": round(band, 2),
        "outside": abs(window - base) > band,
        "runs": len(now),
        "baseline_runs": len(then),
    }
