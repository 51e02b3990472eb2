"""Clean-running statistics from a :class:`~fitglute.fit.Run` (numpy only, no I/O).

What "clean" means, and why:

* **running** samples only: stops, walking and timer pauses change every dynamics metric and
  are not what the runner's form is judged on (evidence.md, "Confounders"). A sample is running
  when it moves at ≥ 1.5 m/s and steps at ≥ 140 spm (either test is skipped when its channel is
  missing) and ``activity_type`` does not say walking/sedentary;
* per channel, **plausible** values only (fit-running-fields.md §7): dropouts and sensor glitches
  are masked, never interpolated;
* **flat** samples (|grade| ≤ 3 %) for the balance interval and the drift, because hills shift
  GCT and balance.

Samples are weighted by the time they stand for (the gap to the next sample, capped), so
"smart recording" files are not biased toward the moments the watch chose to log.

Uncertainty respects autocorrelation: 1-minute blocks are resampled (block bootstrap) for the
balance interval and for the speed-adjusted early-vs-late drift, a weighted regression of each
channel on log speed plus "middle third" and "last third" indicators.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from fitglute.fit import DYNAMICS_KEYS, Run

# ---- cleaning thresholds, with their sources (one place; rules have their own config) ----
MIN_RUN_SPEED_MPS = 1.5  # evidence.md "Confounders": drop speed < ~1.5 m/s
MIN_RUN_CADENCE_SPM = 140.0  # evidence.md / fit-running-fields.md §7: cadence < ~140 spm = walking
WALKING_ACTIVITY_TYPES = (6.0, 8.0)  # FIT activity_type walking, sedentary
PLAUSIBLE: dict[str, tuple[float, float]] = {  # fit-running-fields.md §7 (+ VR/step/cadence ranges)
    "gct_ms": (120.0, 450.0),
    "gct_balance_left_pct": (40.0, 60.0),
    "vertical_oscillation_mm": (20.0, 200.0),
    "vertical_ratio_pct": (2.0, 20.0),
    "step_length_mm": (300.0, 2500.0),
    "cadence_spm": (140.0, 240.0),
}
STEEP_GRADE_PCT = 3.0  # issue #4 / evidence.md: suppress or correct where |grade| > 3 %
MAX_SAMPLE_WEIGHT_S = 10.0  # a sample never stands for more than 10 s (pauses are not running)
BLOCK_S = 60.0  # 1-minute blocks for the block bootstrap
BOOTSTRAP_N = 600
SPEED_SMOOTH_SAMPLES = 15  # GPS speed is noisy second to second; GCT follows the running speed
GRADE_WINDOW_M = 50.0  # grade from altitude over ±25 m of distance
INTERVAL_SPEED_CV = 0.15  # 1-minute speed coefficient of variation above this = intervals/fartlek
MIN_CLEAN_S = 600.0  # evidence.md: below ~10 minutes of clean running, say "not enough data"
LOG_CHANNELS = ("gct_ms", "vertical_oscillation_mm", "vertical_ratio_pct", "step_length_mm", "cadence_spm")
INTERVAL_INTENSITIES = {1, 4, 5, "rest", "recovery", "interval"}


@dataclass
class ChannelStats:
    mean: float
    median: float
    sd: float
    p10: float
    p90: float
    coverage: float  # share of clean running time with a valid value


@dataclass
class Interval:
    estimate: float
    low: float
    high: float


@dataclass
class Drift:
    """Last third vs first third of clean running, at matched speed (``unit`` % or pts)."""

    unit: str
    change: float
    low: float
    high: float
    unadjusted: float
    speed_adjusted: bool


@dataclass
class RunMetrics:
    clean_running_s: float
    flat_running_s: float
    channels: dict[str, ChannelStats]
    balance: Interval | None
    drift: dict[str, Drift]
    speed_mps: float | None
    speed_change_pct: float | None
    steep_fraction: float | None
    grade_source: str | None
    flags: list[str]
    dynamics_source: str
    warnings: list[str] = field(default_factory=list)
    frame: Frame | None = field(default=None, repr=False, compare=False)

    def mean(self, key: str) -> float | None:
        stats = self.channels.get(key)
        return None if stats is None else stats.mean

    def averages(self) -> dict[str, float | None]:
        """The six headline dynamics means, under the public metric keys."""
        return {k: _round(self.mean(k)) for k in DYNAMICS_KEYS}

    def to_json(self) -> dict[str, Any]:
        return {
            "clean_running_s": round(self.clean_running_s, 1),
            "flat_running_s": round(self.flat_running_s, 1),
            "channels": {k: {n: _round(v) for n, v in asdict(s).items()} for k, s in self.channels.items()},
            "balance_ci": None if self.balance is None else [_round(self.balance.low), _round(self.balance.high)],  # noqa: E501
            "drift": {k: {n: _round(v) for n, v in asdict(d).items()} for k, d in self.drift.items()},
            "speed_change_pct": _round(self.speed_change_pct),
            "steep_fraction": _round(self.steep_fraction),
            "flags": self.flags,
            "dynamics_source": self.dynamics_source,
        }


def _round(x: Any, nd: int = 3) -> Any:
    if x is None or isinstance(x, (bool, str)):
        return x
    return round(float(x), nd) if np.isfinite(x) else None


# --------------------------------------------------------------------------- masks


def sample_weights(t: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for: gap to the next sample, capped, last = median gap."""
    if t.size == 0:
        return np.zeros(0)
    if t.size == 1:
        return np.ones(1)
    dt = np.diff(t)
    w = np.append(dt, np.median(dt))
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
    lo, hi = PLAUSIBLE[key]
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


# --------------------------------------------------------------------------- statistics


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Time-weighted quantiles (a sample stands for its seconds); 1-s recordings take the fast path."""
    if w.size and w.min() == w.max():
        return [float(v) for v in np.quantile(x, qs, method="inverted_cdf")]
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    return [float(x[order][min(np.searchsorted(cw, q), x.size - 1)]) for q in qs]


def channel_stats(x: np.ndarray, w: np.ndarray, total_w: float) -> ChannelStats:
    mean = float(np.average(x, weights=w))
    sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
    median, p10, p90 = weighted_quantiles(x, w, (0.5, 0.1, 0.9))
    return ChannelStats(mean, median, sd, p10, p90, float(w.sum() / total_w) if total_w else 0.0)


def blocks_of(t: np.ndarray) -> np.ndarray:
    """1-minute block id of each sample (by clock time, so pauses start new blocks)."""
    return np.floor((t - t[0]) / BLOCK_S).astype(np.int64)


@lru_cache(maxsize=64)
def bootstrap_counts(n_blocks: int) -> np.ndarray:
    """(BOOTSTRAP_N, n_blocks) how often each block is drawn in each resample.

    A fixed seed: the same file always gives the same interval. Sums over a resample then become
    one matrix product (counts @ per-block sums) instead of fancy-indexing every block.
    """
    idx = np.random.default_rng(20261127).integers(0, n_blocks, size=(BOOTSTRAP_N, n_blocks))
    flat = (np.arange(BOOTSTRAP_N)[:, None] * n_blocks + idx).ravel()
    counts = np.bincount(flat, minlength=BOOTSTRAP_N * n_blocks).reshape(BOOTSTRAP_N, n_blocks)
    counts = counts.astype(float)
    counts.flags.writeable = False  # shared by every caller through the cache
    return counts


def block_bootstrap_mean(x: np.ndarray, w: np.ndarray, blocks: np.ndarray) -> Interval | None:
    """Weighted mean with a 95 % interval from resampling 1-minute blocks."""
    ids, inv = np.unique(blocks, return_inverse=True)
    if ids.size < 5:
        return None
    sw = np.bincount(inv, weights=w)
    sx = np.bincount(inv, weights=w * x)
    counts = bootstrap_counts(ids.size)
    boot = (counts @ sx) / (counts @ sw)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return Interval(float(sx.sum() / sw.sum()), float(lo), float(hi))


@dataclass
class DriftDesign:
    """The regression y ~ 1 + middle + last (+ log speed) for one sample selection, solved once.

    The design (and so its inverse, in every bootstrap resample) depends only on which samples
    are used, not on the channel; channels recorded together share it, so each extra channel
    costs one weighted sum per block instead of a fresh set of solves.
    """

    starts: np.ndarray  # first sample of each 1-minute block
    Xw: np.ndarray  # design rows × weights
    full_row: np.ndarray  # row "last third" of the inverse of X'WX
    boot_rows: np.ndarray  # the same row for every kept bootstrap resample
    counts: np.ndarray  # block draw counts of those resamples


def drift_design(
    log_speed: np.ndarray | None, third: np.ndarray, w: np.ndarray, blocks: np.ndarray
) -> DriftDesign | None:
    cols = [np.ones_like(w), (third == 1).astype(float), (third == 2).astype(float)]
    if log_speed is not None:
        cols.append(log_speed - log_speed.mean())
    X = np.column_stack(cols)
    # samples are in time order, so each block is one contiguous run: sum per block with reduceat
    starts = np.flatnonzero(np.diff(blocks, prepend=blocks[0] - 1))
    if starts.size < 6:
        return None
    p = X.shape[1]
    Xw = X * w[:, None]
    xtx = np.add.reduceat(Xw[:, :, None] * X[:, None, :], starts, axis=0)
    has_early = np.add.reduceat((third == 0).astype(np.int64), starts) > 0
    has_late = np.add.reduceat((third == 2).astype(np.int64), starts) > 0
    ridge = np.eye(p) * 1e-9
    try:
        full_row = np.linalg.inv(xtx.sum(0) + ridge)[2]
    except np.linalg.LinAlgError:
        return None
    counts = bootstrap_counts(starts.size)
    good = ((counts @ has_early) > 0) & ((counts @ has_late) > 0)
    if good.sum() < BOOTSTRAP_N // 2:
        return None
    counts = counts[good]
    A = (counts @ xtx.reshape(starts.size, p * p)).reshape(-1, p, p) + ridge
    return DriftDesign(starts, Xw, full_row, np.linalg.inv(A)[:, 2, :], counts)


def regression_drift(y: np.ndarray, design: DriftDesign) -> tuple[float, float, float]:
    """Coefficient of "last third" for channel ``y``, with its block-bootstrap 95 % interval."""
    xty = np.add.reduceat(design.Xw * y[:, None], design.starts, axis=0)
    est = float(design.full_row @ xty.sum(0))
    coef = np.einsum("bp,bp->b", design.boot_rows, design.counts @ xty)
    lo, hi = np.percentile(coef, [2.5, 97.5])
    return est, float(lo), float(hi)


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


@dataclass
class Frame:
    """Per-sample weights and masks of one run, computed once and shared by every channel."""

    w: np.ndarray
    running: np.ndarray
    flat: np.ndarray
    blocks: np.ndarray
    third: np.ndarray
    speed: np.ndarray | None  # smoothed speed for matching, None when speed can't be used
    clean_s: float
    designs: dict[tuple[bool, bytes], DriftDesign | None] = field(default_factory=dict, repr=False)


def frame_of(run: Run) -> tuple[Frame, np.ndarray, str | None, np.ndarray]:
    t = run.t
    w = sample_weights(t)
    running = running_mask(run)
    grade, grade_source = grade_pct(run)
    with np.errstate(invalid="ignore"):
        steep = np.abs(grade) > STEEP_GRADE_PCT
    speed = run.channels["speed_mps"]
    speed_ok = running & np.isfinite(speed)
    has_speed = speed_ok.sum() > 0.5 * max(running.sum(), 1) and not run.indoor
    frame = Frame(
        w=w,
        running=running,
        flat=running & ~steep,
        blocks=blocks_of(t) if t.size else np.zeros(0, dtype=np.int64),
        third=thirds(w, running),
        speed=smooth(speed, SPEED_SMOOTH_SAMPLES) if has_speed else None,
        clean_s=float(w[running].sum()),
    )
    return frame, grade, grade_source, steep


def describe_channel(
    x: np.ndarray, frame: Frame, plausible: tuple[float, float], *, log_scale: bool = True
) -> tuple[ChannelStats | None, Drift | None]:
    """Clean-running stats and speed-matched drift of any channel (plugins use this too)."""
    lo, hi = plausible
    with np.errstate(invalid="ignore"):
        ok = frame.running & np.isfinite(x) & (x >= lo) & (x <= hi)
    if ok.sum() < 2:
        return None, None
    stats = channel_stats(x[ok], frame.w[ok], frame.clean_s)
    drift = channel_drift(x, ok & frame.flat, frame, log_scale=log_scale)
    return stats, drift


def analyse(run: Run) -> RunMetrics:
    """All clean-running statistics of one run."""
    frame, grade, grade_source, steep = frame_of(run)
    w, running, third = frame.w, frame.running, frame.third
    stats: dict[str, ChannelStats] = {}
    drift: dict[str, Drift] = {}
    balance = None
    for key in DYNAMICS_KEYS:
        x = run.channels[key]
        st, d = describe_channel(x, frame, PLAUSIBLE[key], log_scale=key in LOG_CHANNELS)
        if st is None:
            continue
        stats[key] = st
        if d is not None:
            drift[key] = d
        if key == "gct_balance_left_pct":
            sel = running & frame.flat & valid_mask(run, key)
            if sel.sum() >= 2:
                balance = block_bootstrap_mean(x[sel], w[sel], frame.blocks[sel])

    speed = run.channels["speed_mps"]
    speed_ok = running & np.isfinite(speed)
    speed_change = None
    if speed_ok.any() and (third[speed_ok] == 0).any() and (third[speed_ok] == 2).any():
        early = np.average(speed[speed_ok & (third == 0)], weights=w[speed_ok & (third == 0)])
        late = np.average(speed[speed_ok & (third == 2)], weights=w[speed_ok & (third == 2)])
        speed_change = (late / early - 1) * 100
    mean_speed = float(np.average(speed[speed_ok], weights=w[speed_ok])) if speed_ok.any() else None
    known_grade = running & np.isfinite(grade)
    steep_fraction = float(w[known_grade & steep].sum() / w[known_grade].sum()) if known_grade.any() else None

    return RunMetrics(
        clean_running_s=frame.clean_s,
        flat_running_s=float(w[frame.flat].sum()),
        channels=stats,
        balance=balance,
        drift=drift,
        speed_mps=mean_speed,
        speed_change_pct=speed_change,
        steep_fraction=steep_fraction,
        grade_source=grade_source,
        flags=run_flags(run, frame.clean_s, speed, running, w, frame.blocks, steep_fraction),
        dynamics_source=run.dynamics_source,
        warnings=list(run.warnings),
        frame=frame,
    )


def channel_drift(x: np.ndarray, sel: np.ndarray, frame: Frame, *, log_scale: bool) -> Drift | None:
    """Speed-adjusted late-vs-early change of one channel (% for log channels, points otherwise)."""
    speed = frame.speed
    if speed is not None:
        with np.errstate(invalid="ignore"):
            sel = sel & np.isfinite(speed) & (speed > 0)
    if log_scale:
        with np.errstate(invalid="ignore"):
            sel = sel & (x > 0)
    if sel.sum() < 60:
        return None
    y = np.log(x[sel]) if log_scale else x[sel]
    w, third = frame.w[sel], frame.third[sel]
    key = (speed is not None, sel.tobytes())  # a frame copied without speed must not reuse a design
    if key not in frame.designs:
        log_v = np.log(speed[sel]) if speed is not None else None
        frame.designs[key] = drift_design(log_v, third, w, frame.blocks[sel])
    design = frame.designs[key]
    if design is None:
        return None
    fit = regression_drift(y, design)
    early, late = third == 0, third == 2
    raw = np.average(y[late], weights=w[late]) - np.average(y[early], weights=w[early])
    if log_scale:
        fit = tuple((np.exp(v) - 1) * 100 for v in fit)
        raw = (np.exp(raw) - 1) * 100
    return Drift("%" if log_scale else "pts", *fit, unadjusted=float(raw), speed_adjusted=speed is not None)


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
