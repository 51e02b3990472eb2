"""What a run's own numbers cannot be: limits on dates, duration, distance and speed.

A damaged file or a confused device can claim a run of 82 years, 18,000 km, or dated 1989 or
2058. Such a value is never stored as truth: the device's summary figure is replaced by what
the samples themselves cover when that is plausible, and otherwise the run is kept with a
warning and marked ``implausible`` (kept out of baselines and comparisons, README "Bad input").
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np

#: GPS-era running watches; FIT's own epoch is 1989-12-31, where a zeroed clock lands
EARLIEST_START = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
#: a clock a day fast is a time zone gone wrong; more is a wrong date
FUTURE_SLACK_S = 86400.0
#: longer than the longest single-stage races (Spartathlon's 36 h cut-off, 48-h track races)
MAX_DURATION_S = 72 * 3600.0
#: farther than anyone covers in MAX_DURATION_S on foot (the 48-h record is ~435 km)
MAX_DISTANCE_M = 1_000_000.0
#: faster on average than a 100-m world record (10.4 m/s): not a run on foot
MAX_MEAN_SPEED_MPS = 12.5


def plausible_start(ts: float | None, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return ts is not None and np.isfinite(ts) and EARLIEST_START <= ts <= now + FUTURE_SLACK_S


def checked_totals(
    duration: float | None, distance: float | None, t: np.ndarray, dist_col: np.ndarray
) -> tuple[float | None, float | None, list[str], bool]:
    """(duration, distance, warnings, implausible) with the device's totals checked against limits.

    An implausible total is replaced by the span of the samples when that span is plausible.
    """
    warnings: list[str] = []
    bad = False
    span = float(t[-1] - t[0]) if t.size else None
    if duration is not None and not 0.0 <= duration <= MAX_DURATION_S:
        ok_span = span is not None and 0.0 <= span <= MAX_DURATION_S
        warnings.append(
            f"the file's timer time ({duration / 3600:.0f} h) is implausible; "
            + ("the time the samples cover is used" if ok_span else "kept out of comparisons")
        )
        duration, bad = (span, bad) if ok_span else (duration, True)
    if distance is not None and not 0.0 <= distance <= MAX_DISTANCE_M:
        finite = dist_col[np.isfinite(dist_col)]
        rec = float(finite.max() - finite.min()) if finite.size else None
        ok_rec = rec is not None and 0.0 <= rec <= MAX_DISTANCE_M
        warnings.append(
            f"the file's distance ({distance / 1000:.0f} km) is implausible; "
            + ("the distance the samples cover is used" if ok_rec else "kept out of comparisons")
        )
        distance, bad = (rec, bad) if ok_rec else (distance, True)
    if duration and distance and distance / duration > MAX_MEAN_SPEED_MPS and duration > 60:
        warnings.append(
            f"the mean speed ({distance / duration:.1f} m/s) is faster than anyone runs; kept out of comparisons"
        )
        bad = True
    return duration, distance, warnings, bad


def date_warning(start_ts: float) -> str:
    """The warning of a run whose start is before 2000 or in the future."""
    when = datetime.fromtimestamp(start_ts, tz=UTC).strftime("%Y-%m-%d")
    return f"the run's date ({when}) is before 2000 or in the future (a wrong clock?); kept out of comparisons"


def drop_repeated_sessions(sessions: list[dict]) -> tuple[list[dict], str | None]:
    """Sessions with one start time and timer time counted once: chained copies of one recording.

    A FIT file may chain several FIT files; a sync tool that appends a run to itself makes the
    same session appear twice (and every sample twice, which :mod:`fitglute.decode.timeaxis`
    folds). Counted twice, the run would be twice as long and twice as far.
    """
    seen: set[tuple] = set()
    out = []
    for s in sessions:
        key = (s.get("start_time"), s.get("total_timer_time"), s.get("total_distance"), s.get("sport"))
        if s.get("start_time") is not None and key in seen:
            continue
        seen.add(key)
        out.append(s)
    if len(out) == len(sessions):
        return sessions, None
    n = len(sessions) - len(out)
    return out, f"the file repeats {n} session(s) (chained copies of the same recording); each is counted once"
