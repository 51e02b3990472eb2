"""The Strava note exporter: one fitglute block in the description of each matched activity.

Resumable and idempotent by construction:

* each activity's description is read right before it is written, and the fitglute block is
  replaced in place (:func:`fitglute.exporters.note_merge.merge_note`); when it is already there
  unchanged, nothing is written — so a retry, a crash or a second sync can never add a second note;
* a rate limit stops the run *before* Strava refuses: the "not before" time and the activities
  still to do are saved in the store, and the next run resumes;
* a network failure during a write is checked by reading the description again; a write that
  failed stays pending too (so it is retried even once it falls out of the window), while a
  refusal that concerns one activity only (a 404, a 4xx) is reported without stopping the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from fitglute import config
from fitglute.exporters import Exporter, ExportJob, Outcome
from fitglute.exporters.note_merge import merge_note
from fitglute.exporters.note_text import DETAILS, build_note
from fitglute.exporters.strava_match import find_run
from fitglute.model.times import iso_utc

NAME = "strava-note"
STATE = "strava"  # exporter_state rows (one per activity) are kept under this name
NOT_BEFORE_KEY = "strava.not_before"
PENDING_KEY = "strava.pending"
PASSED_KEY = "strava.last_full_pass"  # when a run last went through every activity of its window

log = logging.getLogger("fitglute.sync")


def note_settings() -> tuple[str, bool]:
    """(detail ``off|summary|full``, include injury-log details?) from ``[strava]`` in config."""
    cfg = config.load_config().get("strava", {})
    detail = str(cfg.get("note_detail", "summary"))
    if detail not in DETAILS:
        raise config.ConfigError(f"{config.config_path()}: [strava] note_detail must be off, summary or full")
    injuries = cfg.get("note_injuries", False)
    if not isinstance(injuries, bool):
        raise config.ConfigError(f"{config.config_path()}: [strava] note_injuries must be true or false")
    return detail, injuries


def note_for(store: Any, sha: str, detail: str, include_injuries: bool) -> str | None:
    """The block for a stored run, as the runner's note settings allow."""
    stored = store.get_run(sha)
    if stored is None:
        return None
    return build_note(stored.result, detail=detail, injuries=store.injuries() if include_injuries else None)


def digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()[:16]


def export(job: ExportJob) -> None:
    """Annotate the Strava runs since ``job.since`` (and those left pending); never raises for
    Strava problems (they end up in ``job.report``)."""
    from fitglute import strava

    store, report, now = job.store, job.report, job.now
    detail, include_injuries = note_settings()
    not_before = store.get_sync(NOT_BEFORE_KEY)
    if not_before and datetime.fromisoformat(not_before) > now and not job.dry_run:
        report.deferred_until = datetime.fromisoformat(not_before)
        report.deferred_reason = "Strava rate limit reached earlier"
        return
    pending = [int(x) for x in json.loads(store.get_sync(PENDING_KEY) or "[]")]
    if not pending and notes_current(job, detail, include_injuries):
        report.notes.append(f"every run since {job.since:%Y-%m-%d} has its current note: Strava not asked")
        return
    todo: list[Any] | None = None  # None: stopped before the activities were known
    try:
        client = strava.get_client()
        activities = strava.list_recent_runs(client, job.since)
        listed = {a.id for a in activities}
        activities += _pending_activities(client, [i for i in pending if i not in listed])
        todo = list(activities)
        while todo:
            report.outcomes.append(sync_one(client, job, todo[0], detail, include_injuries))
            todo.pop(0)
    except strava.RateLimited as exc:
        store.set_sync(NOT_BEFORE_KEY, exc.not_before.isoformat())
        left = _save_pending(job, pending if todo is None else [a.id for a in todo])
        report.deferred_until, report.deferred_reason = exc.not_before, f"Strava {exc.window} rate limit"
        log.warning("rate limited; %d activities left for the next run", len(left))
        return
    except strava.StravaAuthError as exc:
        _save_pending(job, pending if todo is None else [a.id for a in todo])
        report.auth_error, report.auth_hint = str(exc), exc.hint
        return
    except strava.StravaError as exc:  # Strava unreachable: what is left stays pending, nothing is lost
        _save_pending(job, pending if todo is None else [a.id for a in todo])
        report.deferred_until = now + timedelta(minutes=5)
        report.deferred_reason = f"Strava unavailable ({exc})"
        return
    _save_pending(job, [])
    store.delete_sync(NOT_BEFORE_KEY)
    if not (job.dry_run or job.no_post):
        store.set_sync(PASSED_KEY, now.isoformat())


def notes_current(job: ExportJob, detail: str, include_injuries: bool) -> bool:
    """True when a Strava call could change nothing: an earlier run went through the whole window,
    and every stored run of the window is linked to an activity whose note fitglute wrote from this
    very run and analysis (a new run, a re-judged finding or a new note setting makes it False).
    Then an hourly cron with nothing new makes no Strava request at all."""
    store = job.store
    if job.dry_run or job.no_post or job.force or job.recheck or store.get_sync(PASSED_KEY) is None:
        return False
    for run in store.runs_between(iso_utc(job.since.timestamp()), iso_utc(job.now.timestamp())):
        aid = run.get("strava_activity_id")
        state = store.get_exporter_state(STATE, str(aid)) if aid is not None else None
        if not state or state.get("sha256") != run["sha256"]:
            return False
        if state.get("note") != digest(note_for(store, run["sha256"], detail, include_injuries)):
            return False
    return True


STRAVA_NOTE = Exporter(NAME, export, "one fitglute block in the Strava activity description")


def _save_pending(job: ExportJob, left: list[int]) -> list[int]:
    """Remember the activities the next run must do even if they fall out of ``--since`` by then:
    those not reached yet plus those whose write failed. A run that writes nothing (``--dry-run``,
    ``--no-post``) leaves the list as it was: it did none of that work."""
    ids = sorted({*left, *(o.activity_id for o in job.report.outcomes if o.retry)})
    if job.dry_run or job.no_post:
        return ids
    if ids:
        job.store.set_sync(PENDING_KEY, json.dumps(ids))
    else:
        job.store.delete_sync(PENDING_KEY)
    return ids


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


def sync_one(client: Any, job: ExportJob, act: Any, detail: str, include_injuries: bool) -> Outcome:
    """Match, build, merge, write (or not) the note of one activity."""
    from fitglute import strava

    store = job.store
    start = act.start_date.strftime("%Y-%m-%d %H:%M")
    sha, how = find_run(store, act)
    if sha is None:
        status = "ambiguous" if how.startswith("ambiguous") else "no-fit"
        return Outcome(act.id, act.name, start, status, how)
    store.link_strava(sha, act.id)
    block = note_for(store, sha, detail, include_injuries)
    state = store.get_exporter_state(STATE, str(act.id)) or {}
    try:
        current = strava.get_description(client, act.id)
    except strava.ActivityNotFound:
        store.delete_exporter_state(STATE, str(act.id))
        return Outcome(act.id, act.name, start, "failed", "activity no longer on Strava", sha)
    except strava.StravaError as exc:
        if not _refused_for_this_activity(exc):
            raise
        return Outcome(act.id, act.name, start, "failed", f"description not read ({exc})", sha)
    merged = merge_note(current, block)
    if merged is None and job.force and block is not None:
        merged = current  # --force: write even though nothing changed
    if merged is None:
        _remember(store, act.id, sha, block, state)
        return Outcome(act.id, act.name, start, "unchanged", how, sha)
    if job.dry_run:
        job.report.previews[act.id] = block or "(block removed: note detail is off)"
        return Outcome(act.id, act.name, start, "would-post", how, sha)
    if job.no_post:
        return Outcome(act.id, act.name, start, "not-posted", "asked not to post", sha)
    try:
        strava.update_description(client, act.id, merged)
    except strava.StravaUnavailable as exc:
        if exc.may_have_applied and merge_note(_reread(client, act.id), block) is None:
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
        store.set_exporter_state(STATE, str(activity_id), {**new, "updated": datetime.now(UTC).isoformat()})
