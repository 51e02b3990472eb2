"""The few Strava calls sync needs: recent runs, and an activity's description (read and write).

Listing pages on until Strava returns an **empty** page (at most :data:`MAX_PAGES`): stravalib's
iterator stops at the first page shorter than ``per_page``, but Strava does not promise full pages,
so a short page does not prove the end. The pages are fetched through stravalib's own fetcher and
read as plain JSON, so a sport type stravalib does not know yet is seen as Strava sent it (and
stravalib logs no warning per listed activity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stravalib import Client

from fitglute.strava.settings import RUN_SPORT_TYPES

PER_PAGE = 200  # Strava's largest page: fewest requests
MAX_PAGES = 20  # 4,000 activities: a bound, not a window anyone syncs


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

    Naive datetimes are taken as UTC. One request per page of 200, plus the empty page that ends
    the listing (two requests for a normal window).
    """
    pages = client.get_activities(after=_as_utc(after), before=_as_utc(before) if before else None)
    runs: list[ActivityInfo] = []
    for page in range(1, MAX_PAGES + 1):
        raw = pages.result_fetcher(page=page, per_page=PER_PAGE)
        if not raw:
            break
        runs += [info for info in map(_info_from_json, raw) if info is not None and info.is_run]
        if limit is not None and len(runs) >= limit:
            break
    runs.sort(key=lambda a: (a.start_date, a.id))
    return runs[:limit] if limit is not None else runs


def _info_from_json(raw: Any) -> ActivityInfo | None:
    """A summary activity as Strava sent it; an entry fitglute cannot read is skipped."""
    try:
        start = datetime.fromisoformat(str(raw["start_date"]).replace("Z", "+00:00"))
        distance = raw.get("distance")
        return ActivityInfo(
            id=int(raw["id"]),
            name=str(raw.get("name") or ""),
            sport_type=str(raw.get("sport_type") or raw.get("type") or ""),
            start_date=start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC),
            elapsed_time_s=int(raw.get("elapsed_time") or 0),
            moving_time_s=int(raw.get("moving_time") or 0),
            distance_m=float(distance) if distance is not None else None,
            external_id=raw.get("external_id"),
            manual=bool(raw.get("manual")),
            trainer=bool(raw.get("trainer")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


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


def athlete(client: Client) -> tuple[int | None, str | None]:
    """(id, name) of the connected athlete: one cheap request that proves the token works."""
    who = client.get_athlete()
    name = " ".join(p for p in (who.firstname, who.lastname) if p) or None
    return who.id, name
