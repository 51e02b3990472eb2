"""Pull: every configured pulling source → new files in the inbox → the one importer.

Why the work is split this way: a source (intervals.icu, Garmin Connect, a watch) only *lists*
and *fetches*; everything that must be right for all of them lives here, once:

* **Where bytes go**: ``<data dir>/inbox/<source>/<name>.fit[.gz]``, written atomically (temp file
  + rename), so a crash never leaves half a file for the importer. A zip (Garmin's "original"
  download) is unpacked to its FIT members; gzip stays gzip (the importer sniffs it).
* **What is remembered** (the store's ``sync_state``, no schema change): per source its state
  (cursor, last pull, status, files pulled, "not before"), one row per fetched item (so an id is
  downloaded once, ever), said-once notes, and the inbox files not imported yet (a pull that
  stops before the import leaves them for the next run).
* **Isolation**: each source runs in its own ``try``; a refusal (401), a rate limit (429), an
  outage or even a plugin's bug ends that source's turn with a status and one line, and the
  others go on. A rate limit or a budget saves a "not before" time and the next run resumes.
* **The window**: a pull lists from ``min(now − since, cursor)``. After a complete pull the cursor
  is the moment it listed up to; after an interrupted one it stays at the start of what was
  asked, so the next run finishes a backfill. Listing always re-covers ``since`` (14 days by
  default) because watches upload late; already-fetched ids cost nothing but their list entry.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fitglute import config
from fitglute.model.exitcodes import ExitCode
from fitglute.sources import (
    Found,
    Item,
    ItemFailed,
    PullContext,
    Source,
    SourceAuthNeeded,
    SourceDeferred,
    SourceError,
    SourceUnavailable,
)
from fitglute.sources.configured import FOLDER, Entry

log = logging.getLogger("fitglute.sync")

PENDING_KEY = "inbox.pending"
UNAVAILABLE_RETRY = timedelta(minutes=5)
ITEM_ATTEMPTS = 3  # an item that fails this many pulls in a row is passed over from then on
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # a FIT file of a 24-hour ultra is ~10 MB: refuse zip bombs
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class PullLimits:
    """``[pull]`` in config.toml: how much one pull may do before it stops and resumes next run."""

    max_files: int = 200
    max_seconds: float = 900.0


@dataclass
class SourcePull:
    """What one source did in one pull (or one test)."""

    name: str
    title: str
    status: str = "ok"  # ok | waiting | deferred | auth | unavailable | error
    detail: str = ""
    hint: str | None = None
    requests: int = 0
    pulled: list[str] = field(default_factory=list)
    would_fetch: list[Item] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    not_before: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "requests": self.requests,
            "pulled": len(self.pulled),
            "failed": [{"item": k, "reason": r} for k, r in self.failures],
            "skipped": self.skipped,
            "not_before": self.not_before.isoformat() if self.not_before else None,
        }


@dataclass
class PullReport:
    sources: list[SourcePull] = field(default_factory=list)

    @property
    def pulled(self) -> int:
        return sum(len(s.pulled) for s in self.sources)

    @property
    def exit_code(self) -> int:
        codes = [ExitCode.OK]
        for s in self.sources:
            if s.status == "auth":
                codes.append(ExitCode.AUTH)
            elif s.status in ("deferred", "unavailable", "waiting"):
                codes.append(ExitCode.DEFERRED)
            elif s.status == "error" or s.failures:
                codes.append(ExitCode.SOME_FAILED)
        return max(codes)

    def problems(self, hint: Callable[[str, str | None], str] | None = None) -> list[str]:
        """One line per problem, and each said-once note (the runner must hear it even under cron)."""
        lines: list[str] = []
        for s in self.sources:
            lines += [f"{s.title}: {note}" for note in s.notes]
            lines += [f"{s.title}: {key}: {reason}" for key, reason in s.failures]
            if s.status in ("auth", "error", "deferred", "unavailable", "waiting"):
                text = f"{s.title}: {s.detail}"
                lines.append(hint(text, s.hint) if hint else text)
        return lines


# --------------------------------------------------------------------------- state in the store


def _key(source: str, *parts: str) -> str:
    return ".".join(["source", source, *parts])


def load_state(store: Any, name: str) -> dict[str, Any]:
    """A source's state: cursor, last_pull, status, detail, files, not_before (all optional)."""
    return json.loads(store.get_sync(_key(name, "state")) or "{}")


def _save_state(store: Any, name: str, state: dict[str, Any]) -> None:
    store.set_sync(_key(name, "state"), json.dumps(state, sort_keys=True))


def forget(store: Any, name: str) -> None:
    """Drop a removed source's state (what it fetched stays remembered: re-adding it re-downloads nothing)."""
    store.delete_sync(_key(name, "state"))


def pending(store: Any) -> list[dict[str, Any]]:
    """Inbox files fetched but not imported yet: ``{"path", "strava_id", "source"}``."""
    return json.loads(store.get_sync(PENDING_KEY) or "[]")


def _add_pending(store: Any, entries: list[dict[str, Any]]) -> None:
    have = pending(store)
    paths = {e["path"] for e in have}
    store.set_sync(PENDING_KEY, json.dumps(have + [e for e in entries if e["path"] not in paths]))


def drop_pending(store: Any, paths: set[str]) -> None:
    left = [e for e in pending(store) if e["path"] not in paths]
    if left:
        store.set_sync(PENDING_KEY, json.dumps(left))
    else:
        store.delete_sync(PENDING_KEY)


# --------------------------------------------------------------------------- the inbox


def inbox_files(source: str, item: Item, data: bytes) -> list[tuple[str, bytes]]:
    """(file name, bytes) to write for one fetched item: gzip kept, zip unpacked, else ``.fit``."""
    stem = _SAFE_NAME.sub("_", item.filename).strip("._") or _SAFE_NAME.sub("_", item.key)
    if data[:2] == b"\x1f\x8b":
        return [(f"{stem}.fit.gz", data)]
    if data[:4] == b"PK\x03\x04":
        return _unzip(stem, data)
    return [(f"{stem}.fit", data)]


def _unzip(stem: str, data: bytes) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".fit") and not m.is_dir()]
            if not members:
                raise ItemFailed("the download is a zip without a FIT file")
            out = []
            for i, m in enumerate(members):
                if m.file_size > MAX_MEMBER_BYTES:
                    raise ItemFailed(f"{m.filename} in the zip is {m.file_size} bytes: too big for a FIT file")
                name = f"{stem}.fit" if len(members) == 1 else f"{stem}_{i + 1}.fit"
                out.append((name, archive.read(m)))
            return out
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ItemFailed(f"the download is a damaged zip ({exc})") from None


# --------------------------------------------------------------------------- one pull


def pull_sources(
    store: Any,
    entries: list[Entry],
    registered: dict[str, Source],
    *,
    since: datetime,
    now: datetime,
    limits: PullLimits | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PullReport:
    """Pull every configured pulling source in turn; never raises for a source's problems."""
    limits = limits or load_limits()
    report = PullReport()
    for entry in entries:
        source = registered.get(entry.kind)
        if source is None and entry.kind != FOLDER:  # configured, but its plugin is gone or disabled
            report.sources.append(SourcePull(entry.name, entry.kind, "error",
                                             f"no installed plugin provides this source ({entry.kind})"))
        elif source is not None and source.pull is not None:
            report.sources.append(_pull_one(store, entry, source, since, now, limits, clock))
    return report


def _pull_one(
    store: Any, entry: Entry, source: Source, since: datetime, now: datetime, limits: PullLimits, clock: Any
) -> SourcePull:
    name = entry.name
    out = SourcePull(name, source.title or source.name)
    state = load_state(store, name)
    not_before = state.get("not_before")
    if not_before and datetime.fromisoformat(not_before) > now:
        out.status, out.not_before = "waiting", datetime.fromisoformat(not_before)
        out.detail = f"{state.get('detail') or 'paused'} earlier; resumes after {out.not_before:%Y-%m-%d %H:%M} UTC"
        return out
    start = min(since, datetime.fromisoformat(state["cursor"])) if state.get("cursor") else since
    ctx = PullContext(name, start, now, state.get("cursor"), lambda k: store.get_sync(_key(name, "got", k)) is not None,
                      entry.options)
    deadline = clock() + limits.max_seconds
    complete = False
    puller = None
    try:
        puller = source.pull(ctx)
        listing = puller.list_new()
        out.skipped = dict(listing.skipped)
        _say_once(store, name, listing.notes, out)
        for item in listing.items:
            if len(out.pulled) >= limits.max_files or clock() > deadline:
                raise SourceDeferred(f"stopped after {len(out.pulled)} files (the per-pull budget)", now)
            try:
                data = puller.fetch(item)
                written = [str(_write(name, fname, blob)) for fname, blob in inbox_files(name, item, data)]
            except ItemFailed as exc:
                out.failures.append((item.label or item.key, _failed(store, name, item, str(exc), now)))
                continue
            _add_pending(store, [{"path": p, "strava_id": item.strava_id, "source": name} for p in written])
            store.set_sync(_key(name, "got", item.key), now.isoformat())
            out.pulled += written
        complete = True
    except SourceAuthNeeded as exc:
        out.status, out.detail, out.hint = "auth", str(exc), exc.hint
    except SourceDeferred as exc:
        out.status, out.detail, out.not_before = "deferred", str(exc), exc.not_before
    except SourceUnavailable as exc:
        out.status, out.detail, out.not_before = "unavailable", str(exc), now + UNAVAILABLE_RETRY
    except SourceError as exc:
        out.status, out.detail = "error", str(exc)
    except Exception as exc:  # noqa: BLE001 - a plugin's bug must not stop the other sources
        out.status, out.detail = "error", f"internal error ({type(exc).__name__}: {exc})"
    finally:
        _close(puller)
    out.requests = ctx.requests
    _record(store, name, state, out, start, now, complete)
    log.info("pull %s: %s, %d request(s), %d file(s)%s", name, out.status, out.requests, len(out.pulled),
             f" ({out.detail})" if out.detail else "")
    return out


def _close(puller: Any) -> None:
    close = getattr(puller, "close", None)
    if callable(close):
        close()


def _failed(store: Any, name: str, item: Item, reason: str, now: datetime) -> str:
    """Count an item's failure; after ``ITEM_ATTEMPTS`` in a row it is remembered as done (passed over)."""
    key = _key(name, "failed", item.key)
    attempts = int(store.get_sync(key) or 0) + 1
    if attempts < ITEM_ATTEMPTS:
        store.set_sync(key, str(attempts))
        return f"{reason} (tried again next run)"
    store.delete_sync(key)
    store.set_sync(_key(name, "got", item.key), f"gave up {now.isoformat()}")
    return f"{reason} (failed {attempts} times: passed over from now on)"


def _write(source: str, filename: str, data: bytes) -> Path:
    """Write into the source's inbox; a different file already under that name is never replaced."""
    folder = config.inbox_dir(source)
    path, n = folder / filename, 1
    while path.exists() and path.read_bytes() != data:
        n += 1
        stem, dot, rest = filename.partition(".")
        path = folder / f"{stem}-{n}{dot}{rest}"
    config.write_private(path, data)  # the runner's GPS tracks: private like the keys
    return path


def _say_once(store: Any, name: str, notes: list[tuple[str, str]], out: SourcePull) -> None:
    for key, text in notes:
        said = _key(name, "said", key)
        if store.get_sync(said) is None:
            out.notes.append(text)
            store.set_sync(said, text)


def _record(store: Any, name: str, state: dict[str, Any], out: SourcePull, start: datetime, now: datetime,
            complete: bool) -> None:
    state.update(last_pull=now.isoformat(), status=out.status, detail=out.detail,
                 files=int(state.get("files", 0)) + len(out.pulled), requests=out.requests)
    state["cursor"] = now.isoformat() if complete else min(start, now).isoformat()
    if out.not_before is not None:
        state["not_before"] = out.not_before.isoformat()
    else:
        state.pop("not_before", None)
    _save_state(store, name, state)


def preview_source(store: Any, entry: Entry, source: Source, *, since: datetime, now: datetime) -> SourcePull:
    """One listing, nothing fetched: what the next pull would download (``sources test``)."""
    out = SourcePull(entry.name, source.title or source.name)
    state = load_state(store, entry.name)
    ctx = PullContext(entry.name, since, now, state.get("cursor"),
                      lambda k: store.get_sync(_key(entry.name, "got", k)) is not None, entry.options)
    puller = None
    try:
        puller = source.pull(ctx)  # type: ignore[misc]
        listing = puller.list_new()
        out.would_fetch, out.skipped = list(listing.items), dict(listing.skipped)
        out.notes = [text for _, text in listing.notes]
    except SourceAuthNeeded as exc:
        out.status, out.detail, out.hint = "auth", str(exc), exc.hint
    except (SourceDeferred, SourceUnavailable) as exc:
        out.status, out.detail = "deferred", str(exc)
    except SourceError as exc:
        out.status, out.detail = "error", str(exc)
    finally:
        _close(puller)
    out.requests = ctx.requests
    return out


def load_limits() -> PullLimits:
    def check(values: dict[str, Any]) -> None:
        if values.get("max_files", 1) < 1 or values.get("max_seconds", 1.0) <= 0:
            raise config.ConfigError("[pull] max_files and max_seconds must be positive")

    return config.load_section(PullLimits, "pull", env_prefix="FITGLUTE_PULL_", check=check)


# --------------------------------------------------------------------------- into history


def hint_source(store: Any) -> Source:
    """A finding source that tells the importer the Strava id each pulled file is known to have."""
    hints = {str(Path(e["path"]).resolve()): int(e["strava_id"]) for e in pending(store) if e.get("strava_id")}
    return Source("pulled", lambda _inputs: Found(strava_ids=hints), "Strava ids the pulling sources know")


def import_inbox_and_folders(folders: list[str], *, db: Any = None, workers: int = 2) -> Any:
    """Import the configured folders and every pulled file not imported yet, through the one importer.

    Pulled files carry the Strava ids their source knew (linked at import, as a bulk export's
    are). Once the batch is done (not interrupted) the pulled files leave the pending list,
    whatever became of them: a file that failed was reported once and stays in the inbox.
    """
    from fitglute.history.store import Store
    from fitglute.plugins import sources as registered
    from fitglute.sync.importer import ImportReport, import_paths

    with Store(db) as store:
        todo = pending(store)
        hints = hint_source(store)
    paths = list(folders) + [e["path"] for e in todo if Path(e["path"]).exists()]
    if not paths:
        return ImportReport()
    report = import_paths(paths, db=db, workers=workers, sources=[*registered().values(), hints])
    if not report.interrupted and todo:
        with Store(db) as store:
            drop_pending(store, {e["path"] for e in todo})
    return report
