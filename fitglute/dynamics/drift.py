"""Late-run drift at matched speed and grade: a weighted regression with a batch-means/HAC interval.

Each channel is regressed on "middle third" and "last third" indicators plus log speed and grade
(each when the run has it); the "last third" coefficient is the drift. The reference is the first
third of clean running *without its warm-up* (:func:`~fitglute.dynamics.cleaning.periods`): on
real runs the first ~10 minutes have longer contact at the same speed, which would hide a late rise.

The interval comes from the regression's per-minute scores (each minute's share of the
coefficient's error) fed to :func:`~fitglute.dynamics.intervals.sum_interval` — the same
batch-means / HAC rule as every other interval, because the minute-scale wander that widens a
mean's interval widens a drift's too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitglute.dynamics.frame import Frame
from fitglute.dynamics.intervals import sum_interval
from fitglute.model.stats import Drift

MIN_PERIOD_MIN = 3  # minutes of data needed in the reference and in the last third
GRADE_KNOWN_SHARE = 0.9  # grade is a covariate only when the run has it almost everywhere


@dataclass
class DriftDesign:
    """The regression y ~ 1 + middle + last (+ log speed + grade) for one sample selection, solved once.

    The design depends only on which samples are used, not on the channel; channels recorded
    together share it, so each extra channel costs a few weighted sums.
    """

    starts: np.ndarray  # first sample of each 1-minute block
    X: np.ndarray  # design rows
    Xw: np.ndarray  # design rows × weights
    inv: np.ndarray  # (X'WX)⁻¹
    leverage: np.ndarray  # per minute: how much it can weigh in the drift (|Σ its rows of (X'WX)⁻¹X'W|)
    speed_adjusted: bool


def drift_design(
    log_speed: np.ndarray | None, grade: np.ndarray | None, period: np.ndarray, w: np.ndarray, blocks: np.ndarray
) -> DriftDesign | None:
    late, early = period == 2, period == 0
    cols = [np.ones_like(w), (period == 1).astype(float), late.astype(float)]
    for cov in (log_speed, grade):
        if cov is not None:
            cols.append(cov - np.average(cov, weights=w))
    X = np.column_stack(cols)
    # samples are in time order, so each block is one contiguous run: sum per block with reduceat
    starts = np.flatnonzero(np.diff(blocks, prepend=blocks[0] - 1))
    late_min = np.add.reduceat(late.astype(np.int64), starts) > 0
    early_min = np.add.reduceat(early.astype(np.int64), starts) > 0
    if late_min.sum() < MIN_PERIOD_MIN or early_min.sum() < MIN_PERIOD_MIN:
        return None
    Xw = X * w[:, None]
    try:
        inv = np.linalg.inv(X.T @ Xw + np.eye(X.shape[1]) * 1e-9)
    except np.linalg.LinAlgError:
        return None
    leverage = np.abs(np.add.reduceat(Xw @ inv[2], starts))
    return DriftDesign(starts, X, Xw, inv, leverage, log_speed is not None)


def regression_drift(y: np.ndarray, design: DriftDesign) -> tuple[float, float, float] | None:
    """Coefficient of "last third" for channel ``y``, with its 95 % interval (batch means / HAC)."""
    beta = design.inv @ (design.Xw.T @ y)
    resid = y - design.X @ beta
    # per-minute score of the coefficient: its row of (X'WX)⁻¹ times the minute's X'W e
    scores = np.add.reduceat(design.Xw * resid[:, None], design.starts, axis=0) @ design.inv[2]
    got = sum_interval(scores, design.leverage)
    if got is None:
        return None
    se, crit = got
    est = float(beta[2])
    return est, est - crit * se, est + crit * se


def channel_drift(x: np.ndarray, sel: np.ndarray, frame: Frame, *, log_scale: bool) -> Drift | None:
    """Last third vs the warm-up-free first third of one channel, at matched speed and grade (% or points)."""
    speed = frame.speed
    sel = sel & (frame.period >= 0)
    if speed is not None:
        with np.errstate(invalid="ignore"):
            sel = sel & np.isfinite(speed) & (speed > 0)
    if log_scale:
        with np.errstate(invalid="ignore"):
            sel = sel & (x > 0)
    if sel.sum() < 60:
        return None
    grade_ok = np.isfinite(frame.grade) & sel
    use_grade = grade_ok.sum() >= GRADE_KNOWN_SHARE * sel.sum()
    if use_grade:
        sel = grade_ok
    y = np.log(x[sel]) if log_scale else x[sel]
    w, period = frame.w[sel], frame.period[sel]
    key = (speed is not None, sel.tobytes())  # a frame copied without speed must not reuse a design
    if key not in frame.designs:
        log_v = np.log(speed[sel]) if speed is not None else None
        frame.designs[key] = drift_design(log_v, frame.grade[sel] if use_grade else None, period, w, frame.blocks[sel])
    design = frame.designs[key]
    if design is None:
        return None
    fit = regression_drift(y, design)
    if fit is None:
        return None
    late, early = period == 2, period == 0
    raw = np.average(y[late], weights=w[late]) - np.average(y[early], weights=w[early])
    if log_scale:
        fit = tuple((np.exp(v) - 1) * 100 for v in fit)
        raw = (np.exp(raw) - 1) * 100
    return Drift("%" if log_scale else "pts", *fit, unadjusted=float(raw), speed_adjusted=design.speed_adjusted)
