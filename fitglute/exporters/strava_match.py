"""Which stored run a Strava activity is: a known link, then start time, then the Garmin id.

Order and why:

1. a link already known (a Strava bulk export's ``activities.csv``, or an earlier sync);
2. **start time** within ±120 s with duration and distance agreeing — the primary match, because
   ``external_id`` cannot be trusted to carry the Garmin id: recent Garmin uploads say
   ``garmin_ping_<n>`` where ``<n>`` is *not* the Garmin activity id;
3. the Garmin id of an old-style ``garmin_push_<id>`` (or an uploaded file's name) against the FIT
   file names — only to decide between start-time candidates, or when none is near enough.

Manual entries are never matched: a run typed in before the watch synced would otherwise take
the note of the real upload. A run linked to an activity the listing no longer shows may be
linked to a deleted one: ``is_gone`` asks Strava (one read), and a 404 frees the run to be
matched again (a deleted and re-uploaded activity gets its note).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fitglute.model.times import iso_utc, parse_iso

START_TOLERANCE_S = 120.0
CLEAR_MARGIN_S = 60.0  # a second candidate this much further away makes the nearest one clear
WINDOW_S = 3 * 3600.0  # stored runs looked at around an activity's start
_GARMIN_PUSH = re.compile(r"^garmin_push_(\d{6,})$")
_FILE_ID = re.compile(r"^(\d{6,})(?:_ACTIVITY)?\.fit(?:\.gz)?$", re.IGNORECASE)


def garmin_id(external_id: str | None) -> str | None:
    """The Garmin activity id an ``external_id`` really carries (``garmin_push_<id>``, ``<id>.fit``).

    ``garmin_ping_<n>`` carries none: ``<n>`` is not the Garmin activity id.
    """
    text = (external_id or "").strip()
    match = _GARMIN_PUSH.match(text) or _FILE_ID.match(Path(text).name)
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


def find_run(
    store: Any,
    act: Any,
    *,
    listed: set[int] | None = None,
    is_gone: Callable[[int], bool] | None = None,
) -> tuple[str | None, str]:
    """(sha256 of the stored run for this activity, how it was found) — or (None, why not).

    ``listed`` are the activity ids Strava listed in this sync; a run linked to another id that is
    not among them is offered to ``is_gone`` (True: that activity was deleted — the caller's
    function unlinks it) before it counts as taken.
    """
    if act.manual:
        return None, "manual entry: not matched to a FIT file"
    linked = store.run_by_strava_id(act.id)
    if linked is not None:
        return linked.sha256, "linked"
    start = act.start_date.timestamp()
    window = store.runs_between(iso_utc(start - WINDOW_S), iso_utc(start + WINDOW_S))

    def free(run: dict[str, Any]) -> bool:
        other = run.get("strava_activity_id")
        if other in (None, act.id):
            return True
        if listed is None or is_gone is None or other in listed:
            return False
        return is_gone(int(other))

    gid = garmin_id(act.external_id)
    near = sorted(
        (
            (abs(parse_iso(r["start_time"]) - start), r)
            for r in window
            if abs(parse_iso(r["start_time"]) - start) <= START_TOLERANCE_S and plausible_same_run(r, act)
        ),
        key=lambda pair: pair[0],  # never compare the run dicts: two files can be equally near
    )
    near = [(gap, r) for gap, r in near if free(r)]
    if len(near) == 1 or (len(near) > 1 and near[1][0] - near[0][0] >= CLEAR_MARGIN_S):
        return near[0][1]["sha256"], "start time"
    by_id = [r for r in ([r for _, r in near] if near else window) if gid and _named_for(store, r, gid)]
    by_id = [r for r in by_id if near or free(r)]
    if len(by_id) == 1:
        return by_id[0]["sha256"], "garmin id"
    if near:
        return None, f"ambiguous: {len(near)} FIT files start within {START_TOLERANCE_S:.0f} s"
    return None, "no FIT file for this activity in the sources"


def _named_for(store: Any, run: dict[str, Any], gid: str) -> bool:
    stored = store.get_run(run["sha256"])
    return stored is not None and gid in Path(stored.source_path or "").name
