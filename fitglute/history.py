"""The runner's history as plain data: what history-aware rules see through ``RuleContext.history``.

Why plain data: ``analyze`` spreads files over worker processes, and a sqlite connection cannot be
pickled. So the store is read once into a :class:`History` — a sorted list of small
:class:`RunSummary` records plus the injury log — that crosses process boundaries cheaply, and
every rule asks it only about runs *before* the run it judges (the run's own start time is the
cut, so a file already in the store never counts as its own history).

The same :class:`RunSummary` is built for the run being judged, from the very result dict the
store saves (:func:`summary_from_result`), so a run judged live by ``analyze`` and a stored run
re-judged after a backfill go through identical numbers.

Baselines are per runner (one database = one runner; ``--db`` for another) and per sensor
(:func:`sensor_key`): chest strap, pod, wrist and footpod read different absolute levels
(evidence.md, "Confounders"), so a new sensor starts a new baseline instead of looking like a
change in the runner.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

DAY_S = 86400.0
SITES = ("hamstring", "calf", "achilles", "knee", "hip", "glute", "foot", "shin", "other")
POSTERIOR_CHAIN = ("hamstring", "calf", "achilles", "glute")
INJURY_SIDES = ("left", "right", "both")
#: run flags that make a run not comparable for left/right baselines (evidence.md "Confounders":
#: treadmill has its own baseline, a track's bends bias balance, hills change balance)
NOT_COMPARABLE = frozenset({"treadmill", "indoor", "track", "hilly", "short", "no-balance", "no-dynamics"})


# --------------------------------------------------------------------------- time helpers


def iso_utc(ts: float) -> str:
    """Unix seconds → the store's fixed text form, which sorts like the time it names."""
    return datetime.fromtimestamp(round(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """The store's (or any ISO 8601) time text → Unix seconds; naive times are UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def day_of(ts: float) -> date:
    return datetime.fromtimestamp(ts, tz=UTC).date()


# --------------------------------------------------------------------------- injury input

MAX_NOTE = 500


def validate_injury(
    side: str | None, site: str | None, day: str | None, note: str | None, today: date
) -> tuple[date, str, str, str]:
    """Check injury-log input → (date, site, side, note); ValueError with one readable line.

    The log feeds same-side-recurrence, so a typo must be an error, not a silently useless entry.
    """
    site_v = (site or "").strip().lower()
    side_v = (side or "").strip().lower()
    if not site_v:
        raise ValueError(f"--site is required (one of: {', '.join(SITES)})")
    if site_v not in SITES:
        raise ValueError(f"unknown --site {site!r} (one of: {', '.join(SITES)})")
    if not side_v:
        raise ValueError("--side is required (left, right or both)")
    if side_v not in INJURY_SIDES:
        raise ValueError(f"unknown --side {side!r} (left, right or both)")
    if day is None or not day.strip():
        when = today
    else:
        try:
            when = date.fromisoformat(day.strip())
        except ValueError:
            raise ValueError(f"--date {day!r} is not an ISO date like 2026-03-02") from None
    if when > today:
        raise ValueError(f"--date {when.isoformat()} is in the future")
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise ValueError(f"--note is too long ({len(text)} characters, at most {MAX_NOTE})")
    return when, site_v, side_v, text


# --------------------------------------------------------------------------- records


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


# --------------------------------------------------------------------------- result dict → columns


def sensor_key(result: dict[str, Any]) -> str:
    """Which sensor produced the dynamics: ``"chest: garmin hrm_pro_plus"``, ``"pod: …"``, ``"none"``.

    Baselines are kept per key, so replacing a strap or switching to a pod starts a new baseline.
    """
    source = result.get("dynamics_source") or "none"
    if source == "none":
        return "none"
    kinds = {"chest": ("chest", "heart_rate")}.get(source, (source,))
    for label in result.get("sensors") or []:
        name, _, kind = str(label).rpartition(" (")
        if kind.rstrip(")") in kinds and name:
            return f"{source}: {name}"
    if source == "watch":
        return f"watch: {result.get('device') or 'unknown'}"
    return source


def balance_quality(result: dict[str, Any]) -> float:
    """The engine's data-quality factor for the balance channel, computed from a result dict.

    Uses :func:`fitglute.rules.engine.data_quality` itself (on a light stand-in for RunMetrics),
    so a stored run and a live run get the same number.
    """
    from fitglute.rules.engine import data_quality

    channels = result.get("channels") or {}
    stand_in = SimpleNamespace(
        clean_running_s=result.get("clean_running_s") or 0.0,
        channels={k: SimpleNamespace(coverage=v.get("coverage") or 0.0) for k, v in channels.items()},
        dynamics_source=result.get("dynamics_source") or "none",
        flags=list(result.get("flags") or []),
    )
    return round(float(data_quality(stand_in, ("gct_balance_left_pct",))), 4)


def _drift(result: dict[str, Any], key: str) -> tuple[Any, Any, Any]:
    d = (result.get("drift") or {}).get(key) or {}
    return d.get("change"), d.get("low"), d.get("high")


def columns_of(result: dict[str, Any]) -> dict[str, Any]:
    """The ``runs`` table columns of an analysed run (everything but paths, ids and JSON)."""
    m = result.get("metrics") or {}
    ci = result.get("balance_ci") or [None, None]
    gct, gct_lo, gct_hi = _drift(result, "gct_ms")
    bal, bal_lo, bal_hi = _drift(result, "gct_balance_left_pct")
    return {
        "sha256": result["sha256"],
        "start_time": iso_utc(parse_iso(result["start_time"])) if result.get("start_time") else iso_utc(0),
        "sport": result.get("sport"),
        "sub_sport": result.get("sub_sport"),
        "device": result.get("device"),
        "dynamics_source": result.get("dynamics_source"),
        "sensor": sensor_key(result),
        "distance_m": result.get("distance_m"),
        "duration_s": result.get("duration_s"),
        "clean_running_s": result.get("clean_running_s"),
        "gct_ms": m.get("gct_ms"),
        "balance_left_pct": m.get("gct_balance_left_pct"),
        "balance_low": ci[0],
        "balance_high": ci[1],
        "vo_mm": m.get("vertical_oscillation_mm"),
        "vr_pct": m.get("vertical_ratio_pct"),
        "step_mm": m.get("step_length_mm"),
        "cadence_spm": m.get("cadence_spm"),
        "speed_mps": result.get("speed_mps"),
        "drift_gct_pct": gct,
        "drift_gct_low": gct_lo,
        "drift_gct_high": gct_hi,
        "drift_balance_pts": bal,
        "drift_balance_low": bal_lo,
        "drift_balance_high": bal_hi,
        "flags": ",".join(result.get("flags") or []),
        "quality": balance_quality(result),
    }


#: runs-table columns a RunSummary is built from, in this order (see :func:`summary_from_row`)
SUMMARY_COLUMNS = (
    "sha256",
    "start_time",
    "distance_m",
    "duration_s",
    "sensor",
    "flags",
    "clean_running_s",
    "balance_left_pct",
    "balance_low",
    "balance_high",
    "drift_gct_pct",
    "drift_gct_low",
    "drift_gct_high",
    "drift_balance_pts",
    "drift_balance_low",
    "drift_balance_high",
    "quality",
)


def summary_from_row(row: tuple[Any, ...] | dict[str, Any]) -> RunSummary:
    """A ``runs`` row (SUMMARY_COLUMNS order, or a dict of columns) → RunSummary."""
    v = dict(zip(SUMMARY_COLUMNS, row, strict=True)) if not isinstance(row, dict) else row
    flags = v.get("flags") or ""
    return RunSummary(
        sha256=v["sha256"],
        start=parse_iso(v["start_time"]),
        distance_m=v.get("distance_m"),
        duration_s=v.get("duration_s"),
        sensor=v.get("sensor") or "none",
        flags=frozenset(f for f in flags.split(",") if f),
        clean_running_s=v.get("clean_running_s"),
        balance=v.get("balance_left_pct"),
        balance_low=v.get("balance_low"),
        balance_high=v.get("balance_high"),
        drift_gct=v.get("drift_gct_pct"),
        drift_gct_low=v.get("drift_gct_low"),
        drift_gct_high=v.get("drift_gct_high"),
        drift_bal=v.get("drift_balance_pts"),
        drift_bal_low=v.get("drift_balance_low"),
        drift_bal_high=v.get("drift_balance_high"),
        quality=v.get("quality"),
    )


def summary_from_result(result: dict[str, Any]) -> RunSummary:
    """The run being judged, from its result dict — the same path its stored row took."""
    return summary_from_row(columns_of(result))


# --------------------------------------------------------------------------- the history snapshot


@dataclass
class History:
    """All stored runs (sorted by start) and the injury log; picklable, read-only by convention."""

    runs: list[RunSummary]
    injuries: list[Injury] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runs = sorted(self.runs, key=lambda r: r.start)
        self._starts = [r.start for r in self.runs]
        self._current: tuple[Any, RunSummary] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"runs": self.runs, "injuries": self.injuries}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.runs, self.injuries = state["runs"], state["injuries"]
        self._starts = [r.start for r in self.runs]
        self._current = None

    def before(self, ts: float, days: float | None = None) -> list[RunSummary]:
        """Runs that started strictly before ``ts`` (and, with ``days``, not earlier than that)."""
        end = bisect_left(self._starts, ts)
        begin = 0 if days is None else bisect_left(self._starts, ts - days * DAY_S)
        return self.runs[begin:end]

    @property
    def first_start(self) -> float | None:
        return self._starts[0] if self._starts else None

    def current(self, ctx: Any) -> RunSummary:
        """The run a rule is judging, as a RunSummary (computed once per run, shared by rules).

        A re-judge passes a RunSummary as ``ctx.run``; a live analysis passes the decoded Run and
        its RunMetrics, which are turned into the same result dict the store would save. The
        cache holds a reference to the run object, so an identity match cannot be a stale id.
        """
        run = ctx.run
        if isinstance(run, RunSummary):
            return run
        if self._current is not None and self._current[0] is run:
            return self._current[1]
        from fitglute.analysis import run_result

        summary = summary_from_result(run_result(run, ctx.metrics))
        self._current = (run, summary)
        return summary


def robust_spread(values: list[float]) -> float:
    """1.4826 × median absolute deviation: a standard deviation that one odd run cannot inflate."""
    import statistics

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


def baseline_of(values: list[float], sensor: str) -> Baseline | None:
    import statistics

    if not values:
        return None
    return Baseline(sensor, statistics.median(values), robust_spread(values), len(values))


# --------------------------------------------------------------------------- loading


def default_db_path() -> Path:
    from fitglute.config import data_dir

    return data_dir() / "history.sqlite"


def load_history(db: Path | str | None = None) -> History | None:
    """The history in ``db`` (default: the data dir's), read-only; None when there is none.

    Never creates or migrates a database: ``analyze`` must not write. A database of another
    schema version is ignored (any writing command such as ``fitglute import`` migrates it).
    """
    from fitglute.store import Store, StoreError

    path = Path(db) if db is not None else default_db_path()
    if not path.is_file():
        return None
    try:
        with Store(path, readonly=True) as store:
            history = store.history()
    except StoreError:
        return None
    return history if history.runs or history.injuries else None
