"""What counts as clean running, and the per-sample masks and weights it is measured on.

* **running** samples only: stops, walking and timer pauses change every dynamics metric and
  are not what the runner's form is judged on (evidence.md, "Confounders"). A sample is running
  when it moves at ≥ 1.5 m/s and steps at ≥ 140 spm (either test is skipped when its channel is
  missing) and ``activity_type`` does not say walking/sedentary;
* per channel, **plausible** values only (fit-running-fields.md §7, the channel table):
  dropouts and sensor glitches are masked, never interpolated;
* **flat** samples (|grade| ≤ 3 %) for the balance interval and the drift, because hills shift
  GCT and balance.

Samples are weighted by the time they stand for (the gap to the next sample, capped), so
"smart recording" files are not biased toward the moments the watch chose to log.
"""

from __future__ import annotations

import numpy as np

from fitglute.dynamics.quantiles import median
from fitglute.model.channels import plausible
from fitglute.model.run import Run

# ---- cleaning thresholds, with their sources (one place; rules have their own config) ----
MIN_RUN_SPEED_MPS = 1.5  # evidence.md "Confounders": drop speed < ~1.5 m/s
MIN_RUN_CADENCE_SPM = 140.0  # evidence.md / fit-running-fields.md §7: cadence < ~140 spm = walking
WALKING_ACTIVITY_TYPES = (6.0, 8.0)  # FIT activity_type walking, sedentary
STEEP_GRADE_PCT = 3.0  # issue #4 / evidence.md: suppress or correct where |grade| > 3 %
MAX_SAMPLE_WEIGHT_S = 10.0  # a sample never stands for more than 10 s (pauses are not running)
BLOCK_S = 60.0  # 1-minute blocks for the block bootstrap
SPEED_SMOOTH_SAMPLES = 15  # GPS speed is noisy second to second; GCT follows the running speed
GRADE_WINDOW_M = 50.0  # grade from altitude over ±25 m of distance
INTERVAL_SPEED_CV = 0.15  # 1-minute speed coefficient of variation above this = intervals/fartlek
MIN_CLEAN_S = 600.0  # evidence.md: below ~10 minutes of clean running, say "not enough data"


def sample_weights(t: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for: gap to the next sample, capped, last = median gap."""
    if t.size == 0:
        return np.zeros(0)
    if t.size == 1:
        return np.ones(1)
    dt = np.diff(t)
    w = np.append(dt, median(dt))
    return np.clip(w, 0.0, MAX_SAMPLE_WEIGHT_S)


def running_mask(run: Run) -> np.ndarray:
    """True where the runner is running (not stopped, walking or standing)."""
    ch = run.channels
    speed, cad, act = ch["speed_mps"], ch["cadence_spm"], ch["activity_type"]
    has_speed, has_cad = np.isfinite(speed), np.isfinite(cad)
    with np.errstate(invalid="ignore"):
        speed_ok = ~has_speed | (speed >= MIN_RUN_SPEED_MPS)
        cad_ok = ~has_cad | (cad >= MIN_RUN_CADENCE_SPM)
    not_walking = ~np.isin(act, WALKING_ACTIVITY_TYPES)
    return speed_ok & cad_ok & (has_speed | has_cad) & not_walking


def valid_mask(run: Run, key: str) -> np.ndarray:
    lo, hi = plausible(key)
    x = run.channels[key]
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & (x >= lo) & (x <= hi)


def grade_pct(run: Run) -> tuple[np.ndarray, str | None]:
    """Grade per sample: the file's own, else altitude change over ±25 m of distance."""
    g = run.channels["grade_pct"]
    if np.isfinite(g).mean() > 0.5:
        return g, "file"
    if run.indoor:
        return np.full(run.t.size, np.nan), None
    alt, dist = run.channels["altitude_m"], run.channels["distance_m"]
    ok = np.isfinite(alt) & np.isfinite(dist)
    if ok.sum() < 10 or np.ptp(dist[ok]) < GRADE_WINDOW_M:
        return np.full(run.t.size, np.nan), None
    d = np.maximum.accumulate(dist[ok])
    d_u, first = np.unique(d, return_index=True)
    a_u = alt[ok][first]
    half = GRADE_WINDOW_M / 2
    out = np.full(run.t.size, np.nan)
    here = dist[ok]
    out[ok] = (np.interp(here + half, d_u, a_u) - np.interp(here - half, d_u, a_u)) / GRADE_WINDOW_M * 100
    return out, "altitude"


def smooth(x: np.ndarray, n: int) -> np.ndarray:
    """NaN-aware centred moving average over ``n`` samples."""
    ok = np.isfinite(x)
    kernel = np.ones(n)
    num = np.convolve(np.where(ok, x, 0.0), kernel, mode="same")
    den = np.convolve(ok.astype(float), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def blocks_of(t: np.ndarray) -> np.ndarray:
    """1-minute block id of each sample (by clock time, so pauses start new blocks)."""
    return np.floor((t - t[0]) / BLOCK_S).astype(np.int64)


def thirds(clean_w: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """0/1/2 for first/middle/last third of clean running time (-1 outside clean running)."""
    cum = np.cumsum(np.where(mask, clean_w, 0.0))
    total = cum[-1] if cum.size else 0.0
    out = np.full(mask.shape, -1, dtype=np.int8)
    if total <= 0:
        return out
    frac = (cum - np.where(mask, clean_w, 0.0) / 2) / total
    out[mask] = np.minimum((frac[mask] * 3).astype(np.int8), 2)
    return out


