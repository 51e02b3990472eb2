"""Conditions the rules must know about: where the run was, what kind of session, how much data."""

from __future__ import annotations

import numpy as np

from fitglute.dynamics.cleaning import BLOCK_S, INTERVAL_SPEED_CV, MIN_CLEAN_S
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
    if is_intervals(run, speed, running, w, blocks):
        flags.append("intervals")
    if not run.has("gct_balance_left_pct") and run.dynamics_source != "none":
        flags.append("no-balance")
    if run.dynamics_source == "none":
        flags.append("no-dynamics")
    if run.partial:
        flags.append("partial")
    if run.implausible:
        flags.append("implausible")
    return flags


def is_intervals(run: Run, speed: np.ndarray, running: np.ndarray, w: np.ndarray, blocks: np.ndarray) -> bool:
    """Structured intervals: rest/interval laps, or a very uneven pace minute to minute."""
    if any(lap.get("intensity") in INTERVAL_INTENSITIES for lap in run.laps):
        return True
    moving = running & np.isfinite(speed)
    if moving.sum() < 300:
        return False
    ids, inv = np.unique(blocks[moving], return_inverse=True)
    if ids.size < 6:
        return False
    sw = np.bincount(inv, weights=w[moving])
    means = np.bincount(inv, weights=w[moving] * speed[moving]) / np.maximum(sw, 1e-9)
    full = sw >= 0.5 * BLOCK_S
    return bool(full.sum() >= 6 and np.std(means[full]) / np.mean(means[full]) > INTERVAL_SPEED_CV)
