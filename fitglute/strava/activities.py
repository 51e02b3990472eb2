"""The few Strava calls sync needs: recent runs, and an activity's description (read and write)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stravalib import Client

from fitglute.strava.settings import RUN_SPORT_TYPES


@dataclass(frozen=True)
class ActivityInfo:
    """A Strava activity as the list endpoint returns it.

    There is **no description** here: Strava's summary objects do not carry it, so reading the
    runner's text costs one :func:`get_description` (``GET /activities/{id}``) per activity.
    """

    id: int
    name: str
    sport_type: str
    start_date: datetime  # timezone-aware UTC
    elapsed_time_s: int
    moving_time_s: int
    distance_m: float | None
    external_id: str | None
    manual: bool = False
    trainer: bool = False

    @property
    def is_run(self) -> bool:
        return self.sport_type in RUN_SPORT_TYPES


def _enum_text(value: Any) -> str:
    value = getattr(value, "root", value)
    return "" if value is None else str(value)


def activity_info(activity: Any) -> ActivityInfo:
    """Convert a stravalib Summary/DetailedActivity into plain types."""
    start = activity.start_date
    if start is not None:
        start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    distance = activity.distance
    return ActivityInfo(
        id=int(activity.id),
        name=activity.name or "",
        sport_type=_enum_text(activity.sport_type) or _enum_text(activity.type),
        start_date=start,
        elapsed_time_s=int(activity.elapsed_time or 0),
        moving_time_s=int(activity.moving_time or 0),
        distance_m=float(distance) if distance is not None else None,
        external_id=activity.external_id,
        manual=bool(activity.manual),
        trainer=bool(activity.trainer),
    )


def list_recent_runs(
    client: Client, after: datetime, before: datetime | None = None, *, limit: int | None = None
) -> list[ActivityInfo]:
    """Run-type activities (Run, TrailRun, VirtualRun) started after ``after``, oldest first.

    Naive datetimes are taken as UTC. One list request per 200 activities.
    """
    items = client.get_activities(after=_as_utc(after), before=_as_utc(before) if before else None,
                                  limit=limit)
    runs = [info for info in (activity_info(a) for a in items) if info.is_run]
    return sorted(runs, key=lambda a: (a.start_date or datetime.min.replace(tzinfo=UTC), a.id))


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def get_description(client: Client, activity_id: int) -> str:
    """The activity's current description ("" when empty); one GET of the detailed activity."""
    return client.get_activity(activity_id).description or ""


def update_description(client: Client, activity_id: int, text: str) -> str:
    """PUT the full description (only that field is sent); returns what Strava stored.

    Not retried after a read timeout or 5xx (see the module doc): on
    ``StravaUnavailable(may_have_applied=True)`` re-read with :func:`get_description` first.
    """
    updated = client.update_activity(activity_id, description=text)
    return updated.description or ""
