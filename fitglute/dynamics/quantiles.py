"""Median and quantiles of a 1-D array without :func:`numpy.median` / ``quantile`` / ``percentile``.

Why: those numpy functions import ``numpy.ma`` (~30 ms of every start-up) for their masked-array
and NaN handling. These do numpy's own arithmetic on ``np.partition`` — the same order
statistics, the same interpolation formulas in the same order (numpy 2's ``_quantile`` and
``_lerp``) — so the results equal numpy's to the last bit (tests/test_quantiles.py checks them).
"""

from __future__ import annotations

import math

import numpy as np


def median(x: np.ndarray) -> float:
    """Median of ``x`` (NaN when ``x`` is empty or holds a NaN, as ``np.median``)."""
    x = np.asarray(x, dtype=float).ravel()
    n = x.size
    if n == 0 or np.isnan(x).any():
        return float("nan")
    half = n // 2
    if n % 2:
        return float(np.partition(x, half)[half])
    part = np.partition(x, (half - 1, half))
    return float((part[half - 1] + part[half]) / 2.0)


def inverted_cdf_quantiles(x: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """``np.quantile(x, qs, method="inverted_cdf")`` of finite ``x``: the sample at ceil(n·q − 1)."""
    n = x.size
    at = [min(max(math.ceil(n * q - 1), 0), n - 1) for q in qs]
    part = np.partition(x, sorted(set(at)))
    return [float(part[i]) for i in at]


def percentiles(x: np.ndarray, ps: list[float]) -> list[float]:
    """``np.percentile(x, ps)`` (the default, linear method) of 1-D ``x``; NaN when ``x`` holds one."""
    x = np.asarray(x, dtype=float).ravel()
    n = x.size
    if n == 0 or np.isnan(x).any():
        return [float("nan")] * len(ps)
    virtual = (n - 1) * np.true_divide(np.asarray(ps, dtype=float), 100)
    prev = np.floor(virtual)
    nxt = prev + 1
    top = virtual >= n - 1
    prev[top], nxt[top] = n - 1, n - 1
    low = virtual < 0
    prev[low], nxt[low] = 0, 0
    i, j = prev.astype(np.intp), nxt.astype(np.intp)
    part = np.partition(x, sorted({0, n - 1, *i.tolist(), *j.tolist()}))  # not np.unique: numpy.ma
    a, b = part[i], part[j]
    gamma = virtual - i
    diff = b - a
    out = a + diff * gamma
    upper = gamma >= 0.5
    out[upper] = (b - diff * (1 - gamma))[upper]
    return [float(v) for v in out]
