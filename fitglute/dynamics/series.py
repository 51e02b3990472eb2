"""Decimate a run for charts: time bins of a few seconds, NaN-aware means (numpy only).

A 2-hour run at 1 s is 7,200 samples per channel; a chart a few hundred pixels wide shows no
more than one point per few seconds, so bins of ``bin_s`` keep a page small and fast to draw
without hiding minute-scale changes (the drift is measured over thirds, the balance over minutes).
Spans and thirds come from the same :class:`~fitglute.dynamics.frame.Frame` the statistics used.
"""

from __future__ import annotations

import numpy as np

from fitglute.dynamics.cleaning import valid_mask
from fitglute.dynamics.frame import Frame
from fitglute.model.channels import CORE_CHANNELS, DYNAMICS_KEYS
from fitglute.model.run import Run
from fitglute.model.series import Lap, RunSeries, Span

#: channels charted beneath the dynamics, for context
CONTEXT_KEYS = ("speed_mps", "altitude_m")
#: a span shorter than this is not drawn (a one-sample blip is not a stop)
MIN_SPAN_S = 10.0


def bin_size(duration_s: float, target_points: int = 1200) -> float:
    """Seconds per bin: at least 2 s, about ``target_points`` bins over the run, rounded to 1 s."""
    return float(max(2, round(duration_s / target_points)))


def _binned_mean(x: np.ndarray, ok: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    num = np.bincount(idx[ok], weights=x[ok], minlength=n)
    den = np.bincount(idx[ok], minlength=n).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def _spans(rel: np.ndarray, w: np.ndarray, mask: np.ndarray, kind: str) -> list[Span]:
    """Contiguous stretches where ``mask`` holds, merged across gaps shorter than MIN_SPAN_S."""
    if not mask.any():
        return []
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    out: list[Span] = []
    for a, b in zip(starts, ends, strict=True):
        lo, hi = float(rel[a]), float(rel[b] + w[b])
        if out and lo - out[-1].end_s < MIN_SPAN_S:
            out[-1] = Span(out[-1].start_s, hi, kind)
        else:
            out.append(Span(lo, hi, kind))
    return [s for s in out if s.end_s - s.start_s >= MIN_SPAN_S]


def _laps(run: Run, rel: np.ndarray, frame: Frame) -> list[Lap]:
    t0 = float(run.t[0])
    out = []
    for i, lap in enumerate(run.laps):
        start = lap.get("start_time")
        if start is None:
            continue
        end = lap.get("timestamp")
        lo, hi = float(start) - t0, (float(end) - t0) if end is not None else float("inf")
        inside = (rel >= lo) & (rel < hi) & frame.running
        clean: dict[str, float | None] = {}
        for key in ("gct_ms", "gct_balance_left_pct", "cadence_spm"):
            ok = inside & valid_mask(run, key)
            clean[key] = (
                float(np.average(run.channels[key][ok], weights=frame.w[ok])) if frame.w[ok].sum() > 0 else None
            )
        out.append(
            Lap(
                index=i + 1,
                start_s=lo,
                duration_s=lap.get("total_timer_time"),
                distance_m=lap.get("total_distance"),
                device={k: lap.get(k) for k in DYNAMICS_KEYS},
                clean=clean,
                clean_s=float(frame.w[inside].sum()),
            )
        )
    return out


def series_of(run: Run, frame: Frame, bin_s: float | None = None) -> RunSeries:
    """The run binned for drawing, with the left-out spans, the thirds and the laps."""
    t = run.t
    if t.size == 0:
        return RunSeries(bin_s=bin_s or 1.0, t_s=np.zeros(0), distance_km=np.zeros(0), channels={})
    rel = t - t[0]
    size = bin_s or bin_size(float(rel[-1]))
    idx = (rel // size).astype(np.int64)
    n = int(idx[-1]) + 1
    centres = (np.arange(n) + 0.5) * size
    channels: dict[str, np.ndarray] = {}
    for key in (*DYNAMICS_KEYS, *CONTEXT_KEYS):
        x = run.channels.get(key)
        if x is None:
            continue
        lo, hi = CORE_CHANNELS[key].plausible
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(x) & (x >= lo) & (x <= hi)
        if key in DYNAMICS_KEYS:
            ok &= frame.running  # dynamics while walking or stopped are not the runner's form
        if ok.any():
            channels[key] = _binned_mean(x, ok, idx, n)
    dist = run.channels.get("distance_m")
    dist_km = _binned_mean(dist, np.isfinite(dist), idx, n) / 1000 if dist is not None else np.full(n, np.nan)
    spans = _spans(rel, frame.w, ~frame.running, "not-running") + _spans(
        rel, frame.w, frame.running & ~frame.flat, "steep"
    )
    thirds_s = [float(rel[np.argmax(frame.third == k)]) for k in (1, 2) if (frame.third == k).any()]
    return RunSeries(
        bin_s=size,
        t_s=centres,
        distance_km=dist_km,
        channels=channels,
        spans=sorted(spans, key=lambda s: s.start_s),
        thirds_s=thirds_s,
        laps=_laps(run, rel, frame),
    )
