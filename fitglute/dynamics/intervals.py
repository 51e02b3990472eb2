"""Means with intervals that respect autocorrelation: the block bootstrap, and quantiles."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from fitglute.dynamics.quantiles import inverted_cdf_quantiles, percentiles
from fitglute.model.stats import ChannelStats, Interval

BOOTSTRAP_N = 600


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
    lo, hi = percentiles(boot, [2.5, 97.5])
    return Interval(float(sx.sum() / sw.sum()), float(lo), float(hi))


