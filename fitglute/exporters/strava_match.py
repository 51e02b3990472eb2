"""Which stored run a Strava activity is: a known link, the Garmin id in the file name, or start time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fitglute.model.times import iso_utc, parse_iso

START_TOLERANCE_S = 120.0
CLEAR_MARGIN_S = 60.0  # a second candidate this much further away makes the nearest one clear
_GARMIN_ID = re.compile(r"(?:garmin_(?:ping|push)_)?(\d{6,})")


def garmin_id(external_id: str | None) -> str | None:
    """The Garmin activity id inside Strava's ``external_id`` (``garmin_ping_123…``, ``123….fit``)."""
    if not external_id:
        return None
    match = _GARMIN_ID.search(external_id)
    return match[1] if match else None


def plausible_same_run(run: dict[str, Any], act: Any) -> bool:
    """Duration and distance agree within tolerance (or are missing, e.g. treadmill distance)."""
    tol_t = max(60.0, 0.03 * act.elapsed_time_s)
    dur = run.get("duration_s")
    if dur is not None and not (act.moving_time_s - tol_t <= dur <= act.elapsed_time_s + tol_t):
        return False
    dist = run.get("distance_m")
    if dist and act.distance_m:
        return abs(dist - act.distance_m) <= max(150.0, 0.03 * act.distance_m)
    return True


def find_run(store: Any, act: Any) -> tuple[str | None, str]:
    """(sha256 of the stored run for this activity, how it was found) — or (None, why not).

    Order: a known link (bulk export CSV or an earlier sync), the Garmin id in ``external_id``
    against the file name, then start time within ±120 s with duration/distance tolerance.
    """
    linked = store.run_by_strava_id(act.id)
    if linked is not None:
        return linked.sha256, "linked"
    start = act.start_date.timestamp()
    window = [
        r
        for r in store.runs_between(iso_utc(start - 3 * 3600), iso_utc(start + 3 * 3600))
        if r.get("strava_activity_id") in (None, act.id)
    ]
    gid = garmin_id(act.external_id)
    if gid:
        for r in window:
            stored = store.get_run(r["sha256"])
            if stored is not None and gid in Path(stored.source_path or "").name:
                return r["sha256"], "garmin id"
    near = sorted(
        (
            (abs(parse_iso(r["start_time"]) - start), r)
            for r in window
            if abs(parse_iso(r["start_time"]) - start) <= START_TOLERANCE_S and plausible_same_run(r, act)
        ),
        key=lambda pair: pair[0],  # never compare the run dicts: two files can be equally near
    )
    if not near:
        return None, "no FIT file for this activity in the sources"
    if len(near) > 1 and near[1][0] - near[0][0] < CLEAR_MARGIN_S:
        return None, f"ambiguous: {len(near)} FIT files start within {START_TOLERANCE_S:.0f} s"
    return near[0][1]["sha256"], "start time"
