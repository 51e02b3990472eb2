"""Per-sample weights and masks of one run, computed once and shared by every channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fitglute.dynamics.cleaning import (
    SPEED_SMOOTH_SAMPLES,
    STEEP_GRADE_PCT,
    blocks_of,
    grade_pct,
    periods,
    running_mask,
    sample_weights,
    smooth,
    thirds,
)
from fitglute.model.run import Run


@dataclass
class Frame:
    """Per-sample weights and masks of one run, computed once and shared by every channel."""

    w: np.ndarray
    running: np.ndarray
    flat: np.ndarray
    blocks: np.ndarray
    third: np.ndarray
    period: np.ndarray  # drift periods: 0 early reference (first third after warm-up), 1 middle, 2 last third
    grade: np.ndarray  # % per sample, NaN where unknown (a covariate of every drift)
    speed: np.ndarray | None  # smoothed speed for matching, None when speed can't be used (indoor)
    clean_s: float
    designs: dict[tuple[bool, bytes], Any] = field(default_factory=dict, repr=False)


def clean_seconds(w: np.ndarray, running: np.ndarray, timer_s: float | None) -> float:
    """Seconds of clean running, never more than the run's timer time.

    Samples carry the gap to the next one (up to 10 s), so a few seconds of auto-pause between
    running samples can count as running; the timer knows better (a report once said "clean
    running 36:07 of 35:32").
    """
    total = float(w[running].sum())
    return min(total, timer_s) if timer_s is not None and timer_s > 0 else total


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
        period=periods(w, running),
        grade=grade,
        speed=smooth(speed, SPEED_SMOOTH_SAMPLES) if has_speed else None,
        clean_s=clean_seconds(w, running, run.duration_s),
    )
    return frame, grade, grade_source, steep
