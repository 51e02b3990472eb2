"""All clean-running statistics of one run (numpy only, no I/O): :func:`analyse`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fitglute.dynamics.cleaning import valid_mask
from fitglute.dynamics.drift import channel_drift
from fitglute.dynamics.flags import run_flags
from fitglute.dynamics.frame import Frame, frame_of
from fitglute.dynamics.intervals import balance_interval, channel_stats
from fitglute.model.channels import CORE_CHANNELS, DYNAMICS_KEYS
from fitglute.model.run import Run
from fitglute.model.stats import ChannelStats, Drift, Interval


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
        spec = CORE_CHANNELS[key]
        st, d = describe_channel(x, frame, spec.plausible, log_scale=spec.log_scale)
        if st is None:
            continue
        stats[key] = st
        if d is not None:
            drift[key] = d
        if key == "gct_balance_left_pct":
            sel = running & frame.flat & valid_mask(run, key)
            if sel.sum() >= 2:
                balance = balance_interval(x[sel], w[sel], frame.blocks[sel])

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
