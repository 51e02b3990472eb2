"""The per-sample picture of one run, decimated for drawing: what the HTML report charts.

Why a separate type: :class:`~fitglute.model.result.RunResult` is the stored, JSON-sized answer
(no samples), while a chart needs the run over time. ``RunSeries`` is made from the same
:class:`~fitglute.model.run.Run` and clean-running frame as the result, in the same pipeline call,
so the shaded spans and thirds on a chart are the ones the statistics used. It is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: what a shaded span of the chart means (``kind`` of :class:`Span`)
SPAN_WORDS = {
    "not-running": "left out: stopped, walking or paused",
    "steep": "left out of balance and drift: steeper than the flat limit",
}


@dataclass(frozen=True)
class Span:
    """A stretch of the run, in seconds from its start, left out of (part of) the statistics."""

    start_s: float
    end_s: float
    kind: str  # a key of SPAN_WORDS


@dataclass(frozen=True)
class Lap:
    """One lap as the device wrote it, plus the clean-running means fitglute measured inside it."""

    index: int
    start_s: float  # seconds from the run's start
    duration_s: float | None
    distance_m: float | None
    device: dict[str, float | None]  # the lap message's own averages (gct_ms, gct_balance_left_pct, …)
    clean: dict[str, float | None]  # clean-running means of the samples inside the lap
    clean_s: float


@dataclass
class RunSeries:
    """Binned channels over elapsed time; ``t_s`` are bin centres in seconds from the start."""

    bin_s: float
    t_s: np.ndarray
    distance_km: np.ndarray
    channels: dict[str, np.ndarray]
    spans: list[Span] = field(default_factory=list)
    thirds_s: list[float] = field(default_factory=list)  # where the middle and the last third start
    laps: list[Lap] = field(default_factory=list)
