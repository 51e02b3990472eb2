"""The runner's history as plain data: what history-aware rules see through ``RuleContext.history``.

Why plain data: ``analyze`` spreads files over worker processes, and a sqlite connection cannot be
pickled. So the store is read once into a :class:`History` — a sorted list of small
:class:`RunSummary` records plus the injury log — that crosses process boundaries cheaply, and
every rule asks it only about runs *before* the run it judges (the run's own start time is the
cut, so a file already in the store never counts as its own history).

The runner's own evidence travels with it: capacity tests per side
(:class:`~fitglute.model.capacity.CapacityTest`) and the symptom log (:class:`Symptom`), so the
rules that read them are judged the same way live and after a re-judge.

Baselines are per runner (one database = one runner) and per sensor: chest strap, pod, wrist and
footpod read different absolute levels (evidence.md, "Confounders"), so a new sensor starts a new
baseline instead of looking like a change in the runner.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fitglute.model.capacity import CapacityTest
from fitglute.model.times import DAY_S, day_of

SITES = ("hamstring", "calf", "achilles", "knee", "hip", "glute", "foot", "shin", "other")
POSTERIOR_CHAIN = ("hamstring", "calf", "achilles", "glute")
INJURY_SIDES = ("left", "right", "both")
#: the 0–10 symptom scales: during the run, after it, and stiffness the next morning (Silbernagel 2007)
SYMPTOM_SCALES = ("during", "after", "morning")
#: run flags that make a run not comparable for left/right baselines (evidence.md "Confounders":
#: treadmill has its own baseline, a track's bends bias balance, hills change balance; a run with
#: an impossible date or totals is no evidence of anything)
NOT_COMPARABLE = frozenset(
    {"treadmill", "indoor", "track", "hilly", "short", "no-balance", "no-dynamics", "implausible"}
)


@dataclass(frozen=True, slots=True)
class Injury:
    id: int
    date: date
    site: str
    side: str
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "date": self.date.isoformat(), "site": self.site, "side": self.side, "note": self.note}


@dataclass(frozen=True, slots=True)
class Symptom:
    """One symptom-log entry: 0–10 scores at one site and side, optionally tied to a stored run."""

    id: int
    date: date
    site: str
    side: str
    during: float | None = None
    after: float | None = None
    morning: float | None = None
    run_sha: str | None = None
    note: str = ""

    def score(self, scale: str) -> float | None:
        return getattr(self, scale)

    @property
    def worst(self) -> float:
        """The highest of the scores given (every entry has at least one)."""
        return max((v for v in (self.during, self.after, self.morning) if v is not None), default=0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "site": self.site,
            "side": self.side,
            "during": self.during,
            "after": self.after,
            "morning": self.morning,
            "run_sha256": self.run_sha,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The few numbers of one run that history rules and trends need (all optional but start)."""

    sha256: str
    start: float  # Unix seconds, UTC
    distance_m: float | None = None
    duration_s: float | None = None
    sensor: str = "none"
    flags: frozenset[str] = frozenset()
    clean_running_s: float | None = None
    balance: float | None = None  # GCT balance, % left
    balance_low: float | None = None
    balance_high: float | None = None
    drift_gct: float | None = None  # % change late vs early at matched speed
    drift_gct_low: float | None = None
    drift_gct_high: float | None = None
    drift_bal: float | None = None  # points toward the left foot, late vs early
    drift_bal_low: float | None = None
    drift_bal_high: float | None = None
    quality: float | None = None  # engine.data_quality for the balance channel
    speed_mps: float | None = None  # clean-running mean speed
    gct_ms: float | None = None  # clean-running mean ground contact time

    @property
    def day(self) -> date:
        return day_of(self.start)

    def comparable(self, min_clean_s: float) -> bool:
        """Flat, outdoor, enough clean running, and a balance interval: fit for a balance baseline."""
        return (
            self.balance_low is not None
            and self.balance_high is not None
            and not (self.flags & NOT_COMPARABLE)
            and (self.clean_running_s or 0.0) >= min_clean_s
        )



@dataclass
class History:
    """All stored runs (sorted by start), the injury log, capacity tests and symptoms (by date);
    picklable, read-only by convention."""

    runs: list[RunSummary]
    injuries: list[Injury] = field(default_factory=list)
    tests: list[CapacityTest] = field(default_factory=list)
    symptoms: list[Symptom] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runs = sorted(self.runs, key=lambda r: r.start)
        self.tests = sorted(self.tests, key=lambda t: (t.date, t.id))
        self.symptoms = sorted(self.symptoms, key=lambda s: (s.date, s.id))
        self._starts = [r.start for r in self.runs]

    def __getstate__(self) -> dict[str, Any]:
        return {"runs": self.runs, "injuries": self.injuries, "tests": self.tests, "symptoms": self.symptoms}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.runs, self.injuries = state["runs"], state["injuries"]
        self.tests, self.symptoms = state.get("tests", []), state.get("symptoms", [])
        self._starts = [r.start for r in self.runs]

    @property
    def empty(self) -> bool:
        return not (self.runs or self.injuries or self.tests or self.symptoms)

    def between(self, start: float, end: float) -> list[RunSummary]:
        """Runs that started at or after ``start`` and strictly before ``end``."""
        return self.runs[bisect_left(self._starts, start) : bisect_left(self._starts, end)]

    def before(self, ts: float, days: float | None = None) -> list[RunSummary]:
        """Runs that started strictly before ``ts`` (and, with ``days``, not earlier than that)."""
        end = bisect_left(self._starts, ts)
        begin = 0 if days is None else bisect_left(self._starts, ts - days * DAY_S)
        return self.runs[begin:end]

    def any_before(self, ts: float) -> bool:
        """Whether any run started strictly before ``ts`` (without listing them)."""
        return bool(self._starts) and self._starts[0] < ts

    @property
    def first_start(self) -> float | None:
        return self._starts[0] if self._starts else None


def robust_spread(values: list[float]) -> float:
    """1.4826 × median absolute deviation: a standard deviation that one odd run cannot inflate."""

    import statistics  # here: `statistics` imports fractions and decimal (start-up of every analyze)

    if len(values) < 2:
        return 0.0
    med = statistics.median(values)
    return 1.4826 * statistics.median(abs(v - med) for v in values)


@dataclass(frozen=True)
class Baseline:
    sensor: str
    median: float
    spread: float
    runs: int

    def band(self, k: float = 2.0, floor: float = 0.0) -> tuple[float, float]:
        half = max(floor, k * self.spread)
        return self.median - half, self.median + half


#: a baseline band (trends) needs this many comparable runs, or weeks with running: the band is
#: median ± k × spread, and the spread of one or two values is no spread (fitglute design choice,
#: as the history rules' min_baseline_runs default)
MIN_BASELINE = 5


def baseline_of(values: list[float], sensor: str) -> Baseline | None:
    if not values:
        return None
    import statistics

    return Baseline(sensor, statistics.median(values), robust_spread(values), len(values))


