"""Where FIT files come from: a source either *finds* FIT files under the places it is given, or
*pulls* new ones from somewhere else (a web service, a plugged-in watch) into fitglute's inbox.

A :class:`Source` is registered through the ``register_sources`` hook.

* ``find(inputs)``: the importer asks every finding source about the inputs (the paths given to
  ``fitglute import``, or the configured sync folders) and merges what they find: the files, and
  per file what a source knows about it (the Strava activity a bulk export says it belongs to).
* ``pull(context)``: opens a :class:`Puller` that lists what is new since the source's cursor and
  fetches each item's bytes. The puller never writes files and never keeps state: fitglute
  writes the bytes into ``<data dir>/inbox/<source>/`` (atomically), remembers what was fetched,
  the cursor, the status and a "not before" time in the store, and then the one importer reads
  the inbox like any folder (hash → analyse → store). So every kind of source goes through the
  same analysis, and one failing source never blocks the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass
class Found:
    """What one source found under the inputs."""

    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # inputs that matched nothing
    warnings: list[str] = field(default_factory=list)
    #: resolved file path → the Strava activity id the source knows for it
    strava_ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """One file a pulling source can fetch."""

    key: str  #: stable within the source (an activity id): what "already fetched" remembers
    filename: str  #: its name in the inbox without suffix; fitglute adds .fit / .fit.gz from the bytes
    start: str | None = None  #: ISO start time, for listings
    strava_id: int | None = None  #: the Strava activity this file is, when the source knows it
    label: str = ""  #: a few words for ``sources test`` ("Run, 10.0 km")


@dataclass
class Listing:
    """What a puller found new: the items to fetch (oldest first) and what it passed over."""

    items: list[Item] = field(default_factory=list)
    #: reason → how many listed entries were passed over for it (rides, entries without a file…)
    skipped: dict[str, int] = field(default_factory=dict)
    #: (key, text): things to tell the runner once ever, not on every run ("Strava stubs: …")
    notes: list[tuple[str, str]] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass
class PullContext:
    """What a puller gets: the window to list, what was fetched before, its options, a request count."""

    source: str
    since: datetime  #: list entries starting at or after this moment (UTC) …
    until: datetime  #: … and up to this one
    cursor: str | None  #: the source's own bookmark from its last complete pull (None: first pull)
    known: Callable[[str], bool]  #: was this item key fetched before?
    options: Mapping[str, Any] = field(default_factory=dict)  #: the configured source's options
    requests: int = 0  #: pullers add every request they make (reported per source)


class Puller(Protocol):
    """An open connection to a pulling source (made by ``Source.pull(context)``)."""

    def list_new(self) -> Listing: ...

    def fetch(self, item: Item) -> bytes: ...


@dataclass(frozen=True)
class Prompter:
    """How an interactive set-up talks to the runner (the command line gives the real one)."""

    ask: Callable[[str], str]  #: a visible answer
    secret: Callable[[str], str]  #: a hidden answer (password, API key, MFA code)
    say: Callable[[str], None]
    interactive: bool = True  #: False under cron or a pipe: a set-up must not prompt then


@dataclass(frozen=True)
class Source:
    """A kind of place FIT files come from (folders, a Strava bulk export, intervals.icu, a watch, …)."""

    name: str
    find: Callable[[Sequence[str]], Found] | None = None
    description: str = ""
    #: open a :class:`Puller` for one pull; may raise :class:`SourceAuthNeeded` before any request
    pull: Callable[[PullContext], Puller] | None = None
    #: interactive set-up (ask for a key, log in); returns one line saying what is connected
    connect: Callable[[Prompter], str] | None = None
    #: forget the stored credentials when the runner removes the source; what was deleted, or None
    disconnect: Callable[[], str | None] | None = None
    #: what the runner sees in ``sources list`` ("intervals.icu", "watch", …)
    title: str = ""


class SourceError(Exception):
    """A pull went wrong; the message is one readable line that never holds a secret."""

    hint: str | None = None


class SourceAuthNeeded(SourceError):
    """The source refuses the stored credentials (or there are none): the runner must act."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class SourceDeferred(SourceError):
    """Rate-limited or over a budget: stop this source now, resume after ``not_before``."""

    def __init__(self, message: str, not_before: datetime) -> None:
        super().__init__(message)
        self.not_before = not_before


class SourceUnavailable(SourceError):
    """The service cannot be reached or keeps failing (5xx, timeouts): try again later."""


class ItemFailed(SourceError):
    """This one item cannot be fetched (gone, not a file); the others go on."""


def find_all(sources: Sequence[Source], inputs: Sequence[str]) -> Found:
    """Merge what every finding source finds under ``inputs`` (files de-duplicated, first mention wins)."""
    merged = Found()
    for source in sources:
        if source.find is None:
            continue
        got = source.find(inputs)
        merged.files.extend(got.files)
        merged.missing.extend(m for m in got.missing if m not in merged.missing)
        merged.warnings.extend(got.warnings)
        merged.strava_ids.update(got.strava_ids)
    seen: set[str] = set()
    merged.files = [f for f in merged.files if not (f in seen or seen.add(f))]
    return merged
