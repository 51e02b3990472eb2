"""Means with 95 % intervals that hold on real runs: minute means, batch means and HAC, quantiles.

Why not the plain bootstrap of 1-minute blocks: on real runs, minute means of balance and GCT
wander (lag-1-minute correlation 0.35–0.7), so 1-minute blocks are not independent and their
bootstrap interval is 2–3 times too narrow (about half of the 20-minute windows of real runs had
a 95 % balance interval excluding their own run's mean). Every interval here is built the same
way, by :func:`sum_interval` on a series of per-minute *scores* (the minute's contribution to the
estimate's error):

* with at least ``MIN_BATCHES`` batches of ``BATCH_MIN`` minutes: **batch means** — the scores are
  summed per batch (at most ``MAX_BATCHES`` batches, so a long run's batches are longer) and the
  batch sums treated as independent, with a t(k − 1) critical value (Schmeiser 1982: a few long
  batches rather than many short ones);
* below that: a **Newey–West (Bartlett) HAC** variance with a ``BATCH_MIN``-minute bandwidth and
  the *fixed-b* critical value of Kiefer & Vogelsang (2005), which widens with the bandwidth's
  share of the series instead of pretending the variance is known.

``benchmarks/validity_real.py`` measures what this buys on real runs (coverage of 20-minute
windows, false alarms on block-shuffled runs).
"""

from __future__ import annotations

import math

import numpy as np

from fitglute.dynamics.cleaning import BALANCE_WANDER_PTS
from fitglute.dynamics.quantiles import inverted_cdf_quantiles
from fitglute.model.stats import ChannelStats, Interval

# ---- interval settings, with their sources (one place) ----
BATCH_MIN = 6  # issue 13: ≥ 5 min for minute-scale wander; 6 covers AR(1) noise with real runs' memory (tests)
MAX_BATCHES = 12  # longer runs get longer batches (≈ n/12 min), so slower wander is seen too
MIN_BATCHES = 4  # fewer batches than this: HAC with fixed-b critical values (t(2) would be 4.3)
MIN_MINUTES = 5  # no interval at all below 5 minutes of data
# two-sided 95 % t quantiles for 1..30 degrees of freedom (any statistics table)
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z975 = 1.959964


def t975(df: int) -> float:
    """Two-sided 95 % Student t critical value (table to 30 df, Cornish–Fisher expansion beyond)."""
    if df < 1:
        return math.inf
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def fixed_b_975(b: float) -> float:
    """Two-sided 95 % critical value of a Bartlett-kernel HAC t statistic at bandwidth share ``b``.

    Kiefer & Vogelsang (2005), Econometric Theory 21: the 97.5 % quantile fitted as a cubic in b.
    """
    b = min(max(b, 0.0), 1.0)
    return 1.96 + 2.9694 * b + 0.4160 * b**2 - 0.5324 * b**3


def sum_interval(scores: np.ndarray, leverage: np.ndarray | None = None) -> tuple[float, float] | None:
    """(standard error, 95 % critical value) of ``scores.sum()``; scores are per minute, in time order.

    The scores should have mean ≈ 0 (residual contributions); they are centred anyway.
    ``leverage`` (per minute, ≥ 0) says how much each minute *can* weigh in the estimate, from the
    design alone: a drift's contrast lives in its first and last thirds, so the batches of the
    middle carry almost nothing and the degrees of freedom are those of the batches that do
    (Satterthwaite 1946: df = (Σλ)² / Σλ², λ = a batch's squared leverage). Without it every
    minute weighs the same and df = k − 1.
    """
    n = scores.size
    if n < MIN_MINUTES:
        return None
    u = scores - scores.mean()
    k = min(n // BATCH_MIN, MAX_BATCHES)
    if k >= MIN_BATCHES:
        parts = np.array_split(np.arange(n), k)
        sums = np.array([u[p].sum() for p in parts])
        var = float(k / (k - 1) * np.sum((sums - sums.mean()) ** 2))
        df = float(k)
        if leverage is not None:
            lam = np.array([leverage[p].sum() for p in parts]) ** 2
            if lam.sum() > 0:
                df = min(df, float(lam.sum() ** 2 / (lam**2).sum()))
        return math.sqrt(max(var, 0.0)), t975(max(1, math.floor(df) - 1))
    bandwidth = BATCH_MIN
    var = float(u @ u)
    for lag in range(1, min(bandwidth, n - 1) + 1):
        var += 2 * (1 - lag / (bandwidth + 1)) * float(u[lag:] @ u[:-lag])
    return math.sqrt(max(var, 0.0)), fixed_b_975((bandwidth + 1) / n)


def minute_sums(x: np.ndarray, w: np.ndarray, blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per 1-minute block (in time order): the weighted sum of ``x`` and the seconds it stands for."""
    _ids, inv = np.unique(blocks, return_inverse=True)
    return np.bincount(inv, weights=w * x), np.bincount(inv, weights=w)


def mean_interval(x: np.ndarray, w: np.ndarray, blocks: np.ndarray, *, wander_sd: float = 0.0) -> Interval | None:
    """Time-weighted mean of ``x`` with a 95 % interval that allows for minute-scale wander.

    ``blocks`` are the samples' 1-minute block ids (:func:`~fitglute.dynamics.cleaning.blocks_of`);
    the minutes are the series the batch-means / HAC interval is built on. ``wander_sd`` is a
    known slow wander of the channel (SD, same units) that no estimate from inside the data can
    see; it is added in quadrature: half-width = √((crit·se)² + (1.96·wander_sd)²).
    """
    sx, sw = minute_sums(x, w, blocks)
    keep = sw > 0
    sx, sw = sx[keep], sw[keep]
    total = float(sw.sum())
    if total <= 0:
        return None
    est = float(sx.sum() / total)
    got = sum_interval((sx - est * sw) / total)  # the ratio estimator's linearised error per minute
    if got is None:
        return None
    se, crit = got
    half = math.hypot(crit * se, _Z975 * wander_sd)
    return Interval(est, est - half, est + half)


def balance_interval(x: np.ndarray, w: np.ndarray, blocks: np.ndarray) -> Interval | None:
    """GCT balance mean with its 95 % interval, slow wander included (the one rule for balance)."""
    return mean_interval(x, w, blocks, wander_sd=BALANCE_WANDER_PTS)


def block_bootstrap_mean(x: np.ndarray, w: np.ndarray, blocks: np.ndarray) -> Interval | None:
    """Kept name for plugins (fitglute.api): now :func:`mean_interval` (batch means / HAC)."""
    return mean_interval(x, w, blocks)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Time-weighted quantiles (a sample stands for its seconds); 1-s recordings take the fast path."""
    if w.size and w.min() == w.max():
        return inverted_cdf_quantiles(x, qs)  # np.quantile(…, "inverted_cdf") imports numpy.ma
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    return [float(x[order][min(np.searchsorted(cw, q), x.size - 1)]) for q in qs]


def channel_stats(x: np.ndarray, w: np.ndarray, total_w: float) -> ChannelStats:
    mean = float(np.average(x, weights=w))
    sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
    median, p10, p90 = weighted_quantiles(x, w, (0.5, 0.1, 0.9))
    return ChannelStats(mean, median, sd, p10, p90, float(w.sum() / total_w) if total_w else 0.0)
