"""Early → late drift at matched speed: a weighted regression with a block-bootstrap interval.

Each channel is regressed on log speed plus "middle third" and "last third" indicators; the
coefficient of "last third" is the drift. 1-minute blocks are resampled (block bootstrap) for
its interval, because minute-scale wander is not independent noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitglute.dynamics.frame import Frame
from fitglute.dynamics.intervals import BOOTSTRAP_N, bootstrap_counts
from fitglute.dynamics.quantiles import percentiles
from fitglute.model.stats import Drift


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
    lo, hi = percentiles(coef, [2.5, 97.5])
    return est, float(lo), float(hi)


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


