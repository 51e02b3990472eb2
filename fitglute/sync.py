"""``fitglute sync``: recent Strava runs → their FIT files → analysis → one note per activity.

Resumable and idempotent by construction:

* the FIT files of the configured sources are imported first (by content hash: a file already
  in history costs a hash, nothing more), so every activity is judged through the same path as
  ``analyze``/``import``;
* each activity's description is read right before it is written, and the fitglute block is
  replaced in place (:func:`fitglute.note.merge_note`); when it is already there unchanged,
  nothing is written — so a retry, a crash or a second sync can never add a second note;
* a rate limit stops the run *before* Strava refuses: the "not before" time and the activities
  still to do are saved in the store, the run exits with code 3, and the next run resumes;
* a network failure during a write is checked by reading the description again; a write that
  failed stays pending too (so it is retried even once it falls out of ``--since``), while a
  refusal that concerns one activity only (a 404, a 4xx) is reported without stopping the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fitglute import config
from fitglute.history import iso_utc, parse_iso

EXPORTER = "strava"
NOT_BEFORE_KEY = "strava.not_before"
PENDING_KEY = "strava.pending"
START_TOLERANCE_S = 120.0
CLEAR_MARGIN_S = 60.0  # a second candidate this much further away makes the nearest one clear
_GARMIN_ID = re.compile(r"(?:garmin_(?:ping|push)_)?(\d{6,})")
_SINCE = re.compile(r"^\s*(\d+)\s*([dwh])\s*$")

EXIT_OK, EXIT_SOME_FAILED, EXIT_DEFERRED, EXIT_AUTH = 0, 1, 3, 4

log = logging.getLogger("fitglute.sync")


class SyncError(Exception):
    """A problem that stops the whole sync (bad option, unreadable sources file)."""


# --------------------------------------------------------------------------- sources


def sources_path() -> Path:
    return config.config_dir() / "sources.json"


def load_sources() -> list[str]:
    """Folders/files holding FIT files: ``sources.json`` plus ``[sync] sources`` in config.toml."""
    listed: list[str] = []
    path = sources_path()
    if path.is_file():
        try:
            listed = [str(p) for p in json.loads(path.read_text())]
        except (ValueError, TypeError) as exc:
            raise SyncError(f"{path}: not a JSON list of folders ({exc})") from None
    extra = config.load_config().get("sync", {}).get("sources", [])
    return list(dict.fromkeys([*listed, *(str(Path(p).expanduser()) for p in extra)]))


def save_sources(paths: list[str]) -> None:
    path = sources_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(paths, indent=1))
    tmp.replace(path)


# --------------------------------------------------------------------------- options & report


def parse_since(text: str, now: datetime) -> datetime:
    """``14d``, ``2w``, ``36h`` or an ISO date → the UTC moment to list activities after."""
    match = _SINCE.match(text)
    if match:
        n, unit = int(match[1]), match[2]
        delta = {"d": timedelta(days=n), "w": timedelta(weeks=n), "h": timedelta(hours=n)}[unit]
        return now - delta
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SyncError(f"--since {text!r}: use 14d, 2w, 36h or a date like 2026-11-01") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class SyncOptions:
    since: str = "14d"
    dry_run: bool = False
    no_post: bool = False
    force: bool = False
    db: str | None = None
    workers: int = 2


@dataclass
class Outcome:
    """What happened to one Strava activity."""

    activity_id: int
    name: str
    start: str
    status: str  # posted | unchanged | would-post | not-posted | no-fit | ambiguous | failed | removed
    detail: str = ""
    sha256: str | None = None
    retry: bool = False  # the write failed in a way the next sync should retry (kept pending)

    @property
    def problem(self) -> bool:
        return self.status in ("failed", "ambiguous")


@dataclass
class SyncReport:
    outcomes: list[Outcome] = field(default_factory=list)
    imported: int = 0
    import_failures: list[tuple[str, str]] = field(default_factory=list)
    deferred_until: datetime | None = None
    deferred_reason: str = ""
    auth_error: str | None = None
    previews: dict[int, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        if self.auth_error:
            return EXIT_AUTH
        if self.deferred_until is not None:
            return EXIT_DEFERRED
        if any(o.problem for o in self.outcomes) or self.import_failures:
            return EXIT_SOME_FAILED
        return EXIT_OK

    def problems(self) -> list[str]:
        """One line per problem (what ``--quiet`` prints)."""
        lines = [f"{path}: {reason}" for path, reason in self.import_failures]
        lines += [f"activity {o.activity_id} ({o.start}): {o.status}: {o.detail}" for o in self.outcomes if o.problem]
        if self.auth_error:
            lines.append(self.auth_error)
        if self.deferred_until is not None:
            lines.append(f"{self.deferred_reason}; resumes after {self.deferred_until:%Y-%m-%d %H:%M} UTC")
        return lines


# --------------------------------------------------------------------------- matching


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
        return linked["sha256"], "linked"
    start = act.start_date.timestamp()
    window = [
        r
        for r in store.runs_between(iso_utc(start - 3 * 3600), iso_utc(start + 3 * 3600))
        if r.get("strava_activity_id") in (None, act.id)
    ]
    gid = garmin_id(act.external_id)
    if gid:
        for r in window:
            full = store.get_run(r["sha256"]) or {}
            if gid in Path(full.get("source_path") or "").name:
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


# --------------------------------------------------------------------------- the note


def note_settings() -> tuple[str, bool]:
    """(detail ``off|summary|full``, include injury-log details?) from ``[strava]`` in config."""
    cfg = config.load_config().get("strava", {})
    detail = str(cfg.get("note_detail", "summary"))
    if detail not in ("off", "summary", "full"):
        raise config.ConfigError(f"{config.config_path()}: [strava] note_detail must be off, summary or full")
    injuries = cfg.get("note_injuries", False)
    if not isinstance(injuries, bool):
        raise config.ConfigError(f"{config.config_path()}: [strava] note_injuries must be true or false")
    return detail, injuries


def note_for(store: Any, sha: str, detail: str, include_injuries: bool) -> str | None:
    from fitglute.plugins import exporter

    result = store.get_run(sha) or {}
    if include_injuries:
        result["injuries"] = [i.to_json() for i in store.injuries()]
    return exporter("strava-note").build(result, detail=detail, include_injuries=include_injuries)


def digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- the run


def run_sync(opts: SyncOptions, *, now: datetime | None = None) -> SyncReport:
    """One sync; never raises for Strava or file problems (they end up in the report)."""
    from fitglute import strava
    from fitglute.store import Store

    now = now or datetime.now(UTC)
    report = SyncReport()
    after = parse_since(opts.since, now)
    detail, include_injuries = note_settings()
    import_sources(opts, report)
    with Store(opts.db) as store:
        not_before = store.get_sync(NOT_BEFORE_KEY)
        if not_before and datetime.fromisoformat(not_before) > now and not opts.dry_run:
            report.deferred_until = datetime.fromisoformat(not_before)
            report.deferred_reason = "Strava rate limit reached earlier"
            return report
        pending = [int(x) for x in json.loads(store.get_sync(PENDING_KEY) or "[]")]
        todo: list[Any] | None = None  # None: stopped before the activities were known
        try:
            client = strava.get_client()
            activities = strava.list_recent_runs(client, after)
            listed = {a.id for a in activities}
            activities += _pending_activities(client, [i for i in pending if i not in listed])
            todo = list(activities)
            while todo:
                act = todo[0]
                report.outcomes.append(sync_one(client, store, act, opts, detail, include_injuries, report))
                todo.pop(0)
        except strava.RateLimited as exc:
            store.set_sync(NOT_BEFORE_KEY, exc.not_before.isoformat())
            left = _save_pending(store, opts, report, pending if todo is None else [a.id for a in todo])
            report.deferred_until, report.deferred_reason = exc.not_before, f"Strava {exc.window} rate limit"
            log.warning("rate limited; %d activities left for the next run", len(left))
            return report
        except strava.StravaAuthError as exc:
            _save_pending(store, opts, report, pending if todo is None else [a.id for a in todo])
            report.auth_error = str(exc)
            return report
        except strava.StravaError as exc:  # Strava unreachable: what is left stays pending, nothing is lost
            _save_pending(store, opts, report, pending if todo is None else [a.id for a in todo])
            report.deferred_until = now + timedelta(minutes=5)
            report.deferred_reason = f"Strava unavailable ({exc})"
            return report
        _save_pending(store, opts, report, [])
        store.delete_sync(NOT_BEFORE_KEY)
    return report


def _save_pending(store: Any, opts: SyncOptions, report: SyncReport, left: list[int]) -> list[int]:
    """Remember the activities the next run must do even if they fall out of ``--since`` by then:
    those not reached yet plus those whose write failed. A run that writes nothing (``--dry-run``,
    ``--no-post``) leaves the list as it was: it did none of that work."""
    ids = sorted({*left, *(o.activity_id for o in report.outcomes if o.retry)})
    if opts.dry_run or opts.no_post:
        return ids
    if ids:
        store.set_sync(PENDING_KEY, json.dumps(ids))
    else:
        store.delete_sync(PENDING_KEY)
    return ids


def import_sources(opts: SyncOptions, report: SyncReport) -> None:
    """Bring every source file into history (already-known files cost only their hash)."""
    from fitglute.importer import import_paths

    sources = [s for s in load_sources() if Path(s).exists()]
    if not sources:
        return
    result = import_paths(sources, db=opts.db, workers=opts.workers)
    report.imported = len(result.imported)
    report.import_failures = list(result.failed)


def _pending_activities(client: Any, ids: list[int]) -> list[Any]:
    """Activities a rate-limited run left behind (they may be older than ``--since`` by now)."""
    from fitglute import strava

    out = []
    for aid in ids:
        try:
            out.append(strava.activity_info(client.get_activity(aid)))
        except strava.ActivityNotFound:
            continue
    return out


def sync_one(
    client: Any, store: Any, act: Any, opts: SyncOptions, detail: str, include_injuries: bool, report: SyncReport
) -> Outcome:
    """Match, build, merge, write (or not) the note of one activity."""
    from fitglute import note, strava

    start = act.start_date.strftime("%Y-%m-%d %H:%M")
    sha, how = find_run(store, act)
    if sha is None:
        status = "ambiguous" if how.startswith("ambiguous") else "no-fit"
        return Outcome(act.id, act.name, start, status, how)
    store.link_strava(sha, act.id)
    block = note_for(store, sha, detail, include_injuries)
    state = store.get_exporter_state(EXPORTER, str(act.id)) or {}
    try:
        current = strava.get_description(client, act.id)
    except strava.ActivityNotFound:
        store.delete_exporter_state(EXPORTER, str(act.id))
        return Outcome(act.id, act.name, start, "failed", "activity no longer on Strava", sha)
    except strava.StravaError as exc:
        if not _refused_for_this_activity(exc):
            raise
        return Outcome(act.id, act.name, start, "failed", f"description not read ({exc})", sha)
    merged = note.merge_note(current, block)
    if merged is None and opts.force and block is not None:
        merged = current  # --force: write even though nothing changed
    if merged is None:
        _remember(store, act.id, sha, block, state)
        return Outcome(act.id, act.name, start, "unchanged", how, sha)
    if opts.dry_run:
        report.previews[act.id] = block or "(block removed: note detail is off)"
        return Outcome(act.id, act.name, start, "would-post", how, sha)
    if opts.no_post:
        return Outcome(act.id, act.name, start, "not-posted", "--no-post", sha)
    try:
        strava.update_description(client, act.id, merged)
    except strava.StravaUnavailable as exc:
        if exc.may_have_applied and note.merge_note(_reread(client, act.id), block) is None:
            pass  # the write did reach Strava: the block is there, exactly once
        else:
            return Outcome(
                act.id, act.name, start, "failed", f"not written ({exc}); the next sync retries", sha, retry=True
            )
    except strava.StravaError as exc:
        if not _refused_for_this_activity(exc):
            raise
        return Outcome(act.id, act.name, start, "failed", f"not written ({exc})", sha)
    _remember(store, act.id, sha, block, state)
    log.info("activity %s: note %s", act.id, "removed" if block is None else "written")
    return Outcome(act.id, act.name, start, "removed" if block is None else "posted", how, sha)


def _refused_for_this_activity(exc: Exception) -> bool:
    """Strava refused one activity (404 on the write, a 4xx): report it and go on with the others.

    Rate limits, authorisation and unavailability concern every activity: they stop the run (and
    what is left stays pending). Stopping on a one-activity refusal instead would keep that activity
    first in every later run and block all the others behind it."""
    from fitglute import strava

    return not isinstance(exc, strava.RateLimited | strava.StravaAuthError | strava.StravaUnavailable)


def _reread(client: Any, activity_id: int) -> str | None:
    from fitglute import strava

    try:
        return strava.get_description(client, activity_id)
    except strava.StravaError:
        return None


def _remember(store: Any, activity_id: int, sha: str, block: str | None, state: dict[str, Any]) -> None:
    new = {"sha256": sha, "note": digest(block)}
    if {k: state.get(k) for k in new} != new:
        store.set_exporter_state(EXPORTER, str(activity_id), {**new, "updated": datetime.now(UTC).isoformat()})


# --------------------------------------------------------------------------- logging & locking


def setup_log() -> Path:
    """Rotating log in the state dir (1 MB × 3): cron runs leave a trail without filling the disk."""
    from logging.handlers import RotatingFileHandler

    path = config.state_dir() / "sync.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    ours = [h for h in log.handlers if isinstance(h, RotatingFileHandler)]
    if any(h.baseFilename == os.path.abspath(path) for h in ours):
        return path
    for old in ours:  # an earlier sync in this process logged under another FITGLUTE_HOME
        log.removeHandler(old)
        old.close()
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return path


def lock_path() -> Path:
    path = config.state_dir() / "sync.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
