"""A sane time axis from whatever timestamps a device wrote (decoding only: no interpretation).

Real files carry clocks that misbehave: a phone app (Strava for Android) writes several records
with the same second and, once, a timestamp 2·10⁹ s away; damaged files carry garbage timestamps.
Left alone, a repeated second gets a weight of 0 s and a far-away one makes a run "82 years"
long. So, before anything is measured:

- samples more than :data:`MAX_CLOCK_GAP_S` from the rest split the axis into pieces, and only
  the piece with the most samples is kept (with a warning saying how many were dropped);
- of several samples with the same timestamp, the last is kept (a device's later write of the
  same second is its correction; with 1-s recording nothing is lost).
"""

from __future__ import annotations

import numpy as np

#: a gap this long inside one recording is a clock jump, not a pause (a long pause is minutes)
MAX_CLOCK_GAP_S = 6 * 3600.0


def sane_order(t: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """``idx`` (indices of usable samples of ``t``) sorted by time, clock jumps and repeats removed.

    Returns the new indices and the warnings that say what was dropped.
    """
    warnings: list[str] = []
    order = idx[np.argsort(t[idx], kind="stable")]
    ts = t[order]
    if ts.size > 1:
        cuts = np.flatnonzero(np.diff(ts) > MAX_CLOCK_GAP_S) + 1
        if cuts.size:
            bounds = np.concatenate(([0], cuts, [ts.size]))
            sizes = np.diff(bounds)
            k = int(np.argmax(sizes))
            dropped = ts.size - int(sizes[k])
            order = order[bounds[k] : bounds[k + 1]]
            ts = ts[bounds[k] : bounds[k + 1]]
            warnings.append(
                f"{dropped} samples with timestamps over {MAX_CLOCK_GAP_S / 3600:.0f} h away from the rest "
                "(a clock jump or damage) were left out"
            )
    if ts.size > 1:
        last_of_each = np.append(ts[1:] != ts[:-1], True)
        repeats = int(ts.size - last_of_each.sum())
        if repeats:
            order = order[last_of_each]
            if repeats > 0.05 * ts.size:  # a few repeats are ordinary (start/stop events)
                warnings.append(f"{repeats} samples repeated an earlier timestamp; the last of each was kept")
    return order, warnings
