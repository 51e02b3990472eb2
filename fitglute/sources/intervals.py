"""intervals.icu as a pulling source: new runs' original FIT files, by activity id.

What is fetched and what is passed over, decided from the activity list alone (no download):

* activities that reached intervals.icu **from Strava** are stubs without a file (``source:
  "STRAVA"``): counted, and the runner is told once how to fix it (connect the watch's own account);
* **not a run** (``type`` other than Run, TrailRun, VirtualRun), **no file** (a manual entry) or an
  original that is **not FIT** (GPX, TCX): counted, never downloaded;
* ids fetched before: nothing (the pull remembers each id).

The Strava id intervals.icu knows for an activity (``strava_id``) travels with the file: the
importer links the stored run to it, so the Strava note finds it first ("linked").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fitglute.model import hints
from fitglute.sources import Item, Listing, Prompter, PullContext, Source, SourceAuthNeeded
from fitglute.sources.intervals_api import (
    KEY_ENV,
    IntervalsClient,
    delete_key,
    load_settings,
    save_key,
    stored_key,
)

NAME = "intervals"
RUN_TYPES = frozenset({"Run", "TrailRun", "VirtualRun"})
STRAVA_STUBS = "strava-stubs"
STRAVA_STUB_NOTE = (
    "some activities reached intervals.icu from Strava, and intervals.icu cannot hand out their files; "
    "connect your watch's own account (Garmin Connect, Coros, Suunto, Polar, Wahoo) in intervals.icu's "
    "settings so new runs arrive with their original FIT file"
)


class IntervalsPuller:
    def __init__(self, ctx: PullContext) -> None:
        key = stored_key()
        if not key:
            raise SourceAuthNeeded("no intervals.icu API key stored", hints.CONNECT_INTERVALS)
        self.ctx = ctx
        self.settings = load_settings()
        self.client = IntervalsClient(self.settings, key, self._counted)

    def _counted(self) -> None:
        self.ctx.requests += 1

    def close(self) -> None:
        self.client.close()

    def list_new(self) -> Listing:
        listing = Listing()
        seen: set[str] = set()
        for oldest, newest in date_pages(self.ctx.since, self.ctx.until, self.settings.page_days):
            for act in self.client.activities(oldest, newest):
                ident = str(act.get("id", ""))
                if not ident or ident in seen:
                    continue
                seen.add(ident)
                item = self._judge(act, listing)
                if item is not None:
                    listing.items.append(item)
        listing.items.sort(key=lambda i: i.start or "")
        return listing

    def _judge(self, act: dict[str, Any], listing: Listing) -> Item | None:
        """The item to fetch, or None with the reason counted."""
        ident = str(act["id"])
        if str(act.get("source") or "").upper() == "STRAVA":
            listing.skip("came from Strava (no file)")
            if (STRAVA_STUBS, STRAVA_STUB_NOTE) not in listing.notes:
                listing.notes.append((STRAVA_STUBS, STRAVA_STUB_NOTE))
            return None
        kind = str(act.get("type") or "")
        if kind not in RUN_TYPES:
            listing.skip("not a run")
            return None
        file_type = str(act.get("file_type") or "").lower()
        if not file_type:
            listing.skip("no file (manual entry)")
            return None
        if file_type != "fit":
            listing.skip(f"original is {file_type.upper()}, not FIT")
            return None
        if self.ctx.known(ident):
            listing.skip("fetched before")
            return None
        distance = act.get("distance")
        label = f"{kind} {act.get('start_date_local', '')}".strip()
        if isinstance(distance, int | float) and distance > 0:
            label += f", {distance / 1000:.1f} km"
        return Item(ident, f"intervals-{ident}", act.get("start_date_local"), _strava_id(act.get("strava_id")), label)

    def fetch(self, item: Item) -> bytes:
        return self.client.original_file(item.key)


def date_pages(since: datetime, until: datetime, days: int) -> list[tuple[str, str]]:
    """Inclusive (oldest, newest) date pairs covering ``since``…``until``, ``days`` per page.

    intervals.icu filters by the activity's *local* start date, so a day of slack on each side
    keeps a run near midnight in another time zone inside the window.
    """
    first, last = (since - timedelta(days=1)).date(), (until + timedelta(days=1)).date()
    pages = []
    while first <= last:
        end = min(first + timedelta(days=days - 1), last)
        pages.append((first.isoformat(), end.isoformat()))
        first = end + timedelta(days=1)
    return pages


def _strava_id(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def connect(prompt: Prompter) -> str:
    """Take the key (environment, else a hidden prompt), check it with one list request, store it 0600."""
    import os
    from datetime import UTC

    from fitglute import config

    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        if not prompt.interactive:
            raise SourceAuthNeeded(f"no intervals.icu API key: set {KEY_ENV} or run this on a terminal")
        prompt.say("Your intervals.icu API key is under Settings → Developer Settings (it stays on this machine).")
        key = prompt.secret("intervals.icu API key").strip()
    if not key:
        raise SourceAuthNeeded("no API key given")
    settings = load_settings()
    client = IntervalsClient(settings, key)
    try:
        now = datetime.now(UTC)
        recent = client.activities((now - timedelta(days=7)).date().isoformat(), now.date().isoformat())
    finally:
        client.close()
    save_key(key)
    return (
        f"intervals.icu: key accepted ({len(recent)} activities in the last 7 days); "
        f"stored in {config.intervals_key_path()} (readable only by you)"
    )


def disconnect() -> str | None:
    from fitglute import config

    return f"deleted {config.intervals_key_path()}" if delete_key() else None


INTERVALS = Source(
    NAME,
    description="intervals.icu: new runs' original FIT files (API key)",
    pull=IntervalsPuller,
    connect=connect,
    disconnect=disconnect,
    title="intervals.icu",
)
