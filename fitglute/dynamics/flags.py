"""Conditions the rules must know about: where the run was, what kind of session, how much data.

``intervals`` (fast and slow stretches alternating, or interval laps) and ``variable-pace`` (one
fast stretch: a progression, a cool-down) both stop early-vs-late comparisons, with different
words; ``brick`` is the run leg of a multisport file that came straight off the bike.
"""

from __future__ import annotations

import numpy as np

from fitglute.dynamics.cleaning import BLOCK_S, INTERVAL_SPEED_CV, MIN_CLEAN_S
from fitglute.dynamics.quantiles import percentiles
from fitglute.model.run import Run

INTERVAL_INTENSITIES = {1, 4, 5, "rest", "recovery", "interval"}


def run_flags(
    run: Run,
    clean_s: float,
    speed: np.ndarray,
    running: np.ndarray,
    w: np.ndarray,
    blocks: np.ndarray,
    steep_fraction: float | None,
) -> list[str]:
    """Conditions the rules must know about: where, what kind of session, how much data."""
    flags: list[str] = []
    sub = run.sub_sport or ""
    if sub == "treadmill":
        flags.append("treadmill")
    if run.indoor or (
        np.isfinite(run.channels["distance_m"]).any() and not np.isfinite(run.channels["position_lat"]).any()
    ):
        flags.append("indoor")
    if sub == "track":
        flags.append("track")
    if sub == "trail":
        flags.append("trail")
    if clean_s < MIN_CLEAN_S:
        flags.append("short")
    if steep_fraction is not None and steep_fraction > 0.25:
        flags.append("hilly")
    pace = pace_kind(run, speed, running, w, blocks)
    if pace is not None:
        flags.append(pace)
    if getattr(run, "after_bike", False):
        flags.append("brick")
    if not run.has("gct_balance_left_pct") and run.dynamics_source != "none":
        flags.append("no-balance")
    if run.dynamics_source == "none":
        flags.append("no-dynamics")
    if run.partial:
        flags.append("partial")
    return flags


def is_intervals(run: Run, speed: np.ndarray, running: np.ndarray, w: np.ndarray, blocks: np.ndarray) -> bool:
    """Structured intervals: rest/interval laps, or fast and slow stretches alternating."""
    return pace_kind(run, speed, running, w, blocks) == "intervals"


def pace_kind(run: Run, speed: np.ndarray, running: np.ndarray, w: np.ndarray, blocks: np.ndarray) -> str | None:
    """``"intervals"``, ``"variable-pace"`` (a progression, a cool-down: one fast stretch) or None (steady).

    A very uneven pace minute to minute (speed CV of the 1-minute means above
    :data:`INTERVAL_SPEED_CV`) is intervals only when fast and slow stretches alternate — at least
    :data:`MIN_FAST_STRETCHES` fast stretches, each parted by :data:`MIN_SLOW_GAP` slow minutes. A run
    that speeds up and then jogs home has one fast stretch: its pace changed, but it held no intervals.
    """
    if any(lap.get("intensity") in INTERVAL_INTENSITIES for lap in run.laps):
        return "intervals"
    moving = running & np.isfinite(speed)
    if moving.sum() < 300:
        return None
    ids, inv = np.unique(blocks[moving], return_inverse=True)
    if ids.size < 6:
        return None
    sw = np.bincount(inv, weights=w[moving])
    means = np.bincount(inv, weights=w[moving] * speed[moving]) / np.maximum(sw, 1e-9)
    full = sw >= 0.5 * BLOCK_S
    if not (full.sum() >= 6 and np.std(means[full]) / np.mean(means[full]) > INTERVAL_SPEED_CV):
        return None
    return "intervals" if fast_stretches(means[full], ids[full]) >= MIN_FAST_STRETCHES else "variable-pace"


#: fast stretches that make a session intervals, and the slow minutes that must part them
MIN_FAST_STRETCHES = 2
MIN_SLOW_GAP = 2
MIN_FAST_MINUTES = 2


def fast_stretches(minute_speeds: np.ndarray, minute_ids: np.ndarray) -> int:
    """Fast stretches of at least :data:`MIN_FAST_MINUTES` running minutes above the midpoint of the
    10th and 90th percentile speed. A stretch ends only after :data:`MIN_SLOW_GAP` slow minutes, so
    one slow minute (a traffic light) does not split it, and one quick minute (a first minute before
    the GPS settles) is no stretch. Minutes missing between two running minutes (a walked or
    standing recovery, which the cleaning drops) count as slow."""
    lo, hi = percentiles(minute_speeds, [10, 90])  # np.percentile's values, without numpy.ma
    fast = minute_speeds > (lo + hi) / 2.0
    count, slow_run, length, previous = 0, MIN_SLOW_GAP, 0, None
    for is_fast, block in zip(fast, minute_ids, strict=True):
        if previous is not None:
            slow_run += int(block - previous - 1)  # minutes without running
        previous = block
        if slow_run >= MIN_SLOW_GAP:
            count += length >= MIN_FAST_MINUTES
            length = 0
        if is_fast:
            length += 1
            slow_run = 0
        else:
            slow_run += 1
    return count + (length >= MIN_FAST_MINUTES)
