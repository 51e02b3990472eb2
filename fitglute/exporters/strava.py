"""The Strava note exporter: one fitglute block in the description of each matched activity.

Cheap by construction: for each listed activity, fitglute first builds the note it would write
now and compares its digest with the note it last wrote (:mod:`.note_state`); only a *new* note
(new analysis, new history-rule result, new settings) costs a read of the activity, and a write
when the description needs one. A sync with nothing new costs the list pages and nothing else.
At most ``max_reads_per_sync`` activities are read per sync; the rest wait for the next run.

Safe by construction:

* the description is read right before it is written, and only the exact text fitglute wrote is
  ever replaced (:mod:`.note_merge`); an edited or deleted note is left as it is and told once;
* the text about to be written is saved first, so a write whose answer is lost (timeout, the
  sync's deadline, ``kill -9``) is still recognised as fitglute's own — no second note, ever;
* a rate limit stops the run *before* Strava refuses, the overall deadline cuts it off: the
  activities still to do are saved in the store and the next run resumes;
* a refusal that concerns one activity (a 404, a 4xx, a description too long) is reported once
  without stopping the others, and not retried until fitglute has a different note for it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fitglute import config
from fitglute.exporters import Exporter, ExportJob, Outcome
from fitglute.exporters import note_state as states
from fitglute.exporters.note_merge import DELETED, EDITED, SAME, digest, normalise, plan_note, verbatim_spans
from fitglute.exporters.note_text import DETAILS, build_note
from fitglute.exporters.strava_match import find_run
from fitglute.model.hints import REWRITE_NOTE
from fitglute.model.times import iso_utc, parse_datetime

NAME = "strava-note"
STATE = states.STATE
LINKS = "strava-links"  # exporter_state rows: activities checked to still exist while not listed
NOT_BEFORE_KEY = "strava.not_before"
PENDING_KEY = "strava.pending"
NOTE_KEYS = {"note_detail", "note_injuries", "max_reads_per_sync", "description_max_chars"}
PASSED_KEY = "strava.last_full_pass"  # when a run last went through every activity of its window
#: even with nothing new here, look at Strava this often: an activity deleted and uploaded again
#: there (or a run that only now reached Strava) is found within a day
FULL_PASS_EVERY = timedelta(hours=24)

log = logging.getLogger("fitglute.sync")


@dataclass(frozen=True)
class NoteSettings:
    """``[strava]`` note settings. ``description_max_chars``: Strava documents no limit (runners
    measured about 65,000 characters); a longer description is left alone, not sent."""

    detail: str = "summary"
    injuries: bool = False
    max_reads_per_sync: int = 40
    description_max_chars: int = 60_000


def note_settings(cfg: Mapping[str, Any] | None = None) -> NoteSettings:
    """The note settings from ``[strava]``; a typo or a bad value is an error, never a default."""
    from fitglute.strava.settings import StravaSettings

    section = (config.load_config() if cfg is None else cfg).get("strava", {})
    where = f"{config.config_path()}: [strava]"
    if not isinstance(section, Mapping):
        raise config.ConfigError(f"{where} must be a table")
    unknown = set(section) - NOTE_KEYS - set(StravaSettings.__dataclass_fields__)
    if unknown:
        raise config.ConfigError(f"{where}: unknown key {', '.join(sorted(unknown))}")
    detail = str(section.get("note_detail", "summary"))
    if detail not in DETAILS:
        raise config.ConfigError(f"{where} note_detail must be off, summary or full")
    injuries = section.get("note_injuries", False)
    if not isinstance(injuries, bool):
        raise config.ConfigError(f"{where} note_injuries must be true or false")
    numbers = {}
    for key, least in (("max_reads_per_sync", 1), ("description_max_chars", 1000)):
        value = section.get(key, getattr(NoteSettings, key))
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise config.ConfigError(f"{where} {key} must be a whole number of at least {least}")
        numbers[key] = value
    return NoteSettings(detail, injuries, **numbers)


def note_for(store: Any, sha: str, settings: NoteSettings, rules: Mapping[str, Any]) -> str | None:
    """The block for a stored run, as the runner's note settings allow."""
    stored = store.get_run(sha)
    if stored is None:
        return None
    injuries = store.injuries() if settings.injuries else None
    return build_note(stored.result, detail=settings.detail, injuries=injuries, rules=rules)


class ReadBudgetSpent(Exception):
    """This sync read as many activities as it may; the rest wait for the next run."""


class _Sync:
    """One exporter run: the job, the settings, the client, the reads counted, the listing."""

    def __init__(self, job: ExportJob, settings: NoteSettings, client: Any, rules: Mapping[str, Any]) -> None:
        self.job, self.settings, self.client, self.rules = job, settings, client, rules
        self.store = job.store
        self.reads = 0
        self.listed: set[int] = set()
        self.fresh: dict[int, str] = {}  # descriptions read moments ago (pending activities)

    def read(self) -> None:
        """Count one activity read, or stop when the budget of this sync is spent."""
        if self.reads >= self.settings.max_reads_per_sync:
            raise ReadBudgetSpent
        self.reads += 1

    def description(self, activity_id: int) -> str:
        from fitglute import strava

        if activity_id in self.fresh:
            return self.fresh.pop(activity_id)
        self.read()
        return strava.get_description(self.client, activity_id)

    def is_gone(self, activity_id: int) -> bool:
        """A run is linked to an activity the listing does not show: deleted on Strava? (one read)."""
        from fitglute import strava

        if (self.store.get_exporter_state(LINKS, str(activity_id)) or {}).get("day") == self.job.now.date().isoformat():
            return False  # checked today: still there (another sport type, or outside the listing)
        self.read()
        try:
            strava.get_description(self.client, activity_id)
        except strava.ActivityNotFound:
            self.gone(activity_id)
            return True
        self.store.set_exporter_state(LINKS, str(activity_id), {"day": self.job.now.date().isoformat()})
        return False

    def gone(self, activity_id: int) -> None:
        """The activity was deleted: unlink its run (it may match its re-upload) and forget its note."""
        self.store.unlink_strava(activity_id)
        states.forget(self.store, activity_id)
        log.info("activity %s no longer on Strava: unlinked", activity_id)


def export(job: ExportJob) -> None:
    """Annotate the Strava runs since ``job.since`` (and those left pending); never raises for
    Strava problems (they end up in ``job.report``)."""
    from fitglute import plugins, strava

    store, report, now = job.store, job.report, job.now
    settings = note_settings()
    not_before = store.get_sync(NOT_BEFORE_KEY)
    if not_before and datetime.fromisoformat(not_before) > now:  # a preview would be refused too
        report.deferred_until = datetime.fromisoformat(not_before)
        report.deferred_reason = "Strava rate limit reached earlier" + (": nothing previewed" if job.dry_run else "")
        return
    pending = [int(x) for x in json.loads(store.get_sync(PENDING_KEY) or "[]")]
    if not pending and notes_current(job, settings, plugins.rules()):
        report.notes.append(f"every run since {job.since:%Y-%m-%d} has its current note: Strava not asked")
        return
    todo: list[Any] | None = None  # None: stopped before the activities were known
    left: list[int] = []  # pending activities not fetched yet
    try:
        run = _Sync(job, settings, strava.get_client(deadline=job.deadline), plugins.rules())
        activities = strava.list_recent_runs(run.client, job.since)
        run.listed = {a.id for a in activities}
        todo = list(activities)
        left += [i for i in pending if i not in run.listed]
        while todo:  # the listed runs first: new runs never wait behind a long pending list
            report.outcomes.append(sync_one(run, todo[0]))
            todo.pop(0)
        while left:
            info = _pending_activity(run, left[0])
            if info is not None:
                report.outcomes.append(sync_one(run, info))
            left.pop(0)
    except strava.RateLimited as exc:
        store.set_sync(NOT_BEFORE_KEY, exc.not_before.isoformat())
        rest = _save_pending(job, _left(pending, todo, left))
        report.deferred_until, report.deferred_reason = exc.not_before, f"Strava {exc.window} rate limit"
        log.warning("rate limited; %d activities left for the next run", len(rest))
        return
    except ReadBudgetSpent:
        _save_pending(job, _left(pending, todo, left))
        report.stopped = f"read {settings.max_reads_per_sync} activities (the most one sync may)"
        return
    except strava.DeadlineReached as exc:
        _save_pending(job, _left(pending, todo, left))
        report.stopped = f"stopped at the sync's time limit ({exc.seconds:g} s)"
        return
    except strava.StravaAuthError as exc:
        _save_pending(job, _left(pending, todo, left))
        report.auth_error, report.auth_hint = str(exc), exc.hint
        return
    except strava.StravaError as exc:  # Strava unreachable: what is left stays pending, nothing is lost
        _save_pending(job, _left(pending, todo, left))
        report.deferred_until = now + timedelta(minutes=5)
        report.deferred_reason = f"Strava unavailable ({exc})"
        return
    _save_pending(job, [])
    store.delete_sync(NOT_BEFORE_KEY)
    if not (job.dry_run or job.no_post):
        store.set_sync(PASSED_KEY, now.isoformat())


def notes_current(job: ExportJob, settings: NoteSettings, rules: Mapping[str, Any]) -> bool:
    """True when a Strava call could change nothing: a run went through the whole window less than
    :data:`FULL_PASS_EVERY` ago, and every stored run of the window is linked to an activity whose
    note state already holds the note fitglute would write now (written, or left alone by the
    runner's choice). A new run, a re-judged finding or a new note setting makes it False. Then a
    cron run with nothing new makes no Strava request at all."""
    store = job.store
    if job.dry_run or job.no_post or job.force or job.force_all or job.recheck:
        return False
    passed = store.get_sync(PASSED_KEY)
    if passed is None or job.now - parse_datetime(passed) >= FULL_PASS_EVERY:
        return False
    for run in store.runs_between(iso_utc(job.since.timestamp()), iso_utc(job.now.timestamp())):
        aid = run.get("strava_activity_id")
        if aid is None:
            return False
        state = states.load(store, aid)
        if (
            state.sha256 != run["sha256"]
            or state.holds(digest(note_for(store, run["sha256"], settings, rules))) is None
        ):
            return False
    return True


STRAVA_NOTE = Exporter(NAME, export, "one fitglute block in the Strava activity description")


def _left(pending: list[int], todo: list[Any] | None, left: list[int]) -> list[int]:
    """Activities this run did not get to (all pending ones if it stopped before listing)."""
    if todo is None:
        return pending
    return [a.id for a in todo] + left


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


def _pending_activity(run: _Sync, activity_id: int) -> Any:
    """An activity a stopped run left behind (it may be older than ``--since`` by now)."""
    from fitglute import strava

    run.read()
    try:
        activity = run.client.get_activity(activity_id)
    except strava.ActivityNotFound:
        run.gone(activity_id)
        return None
    run.fresh[activity_id] = activity.description or ""
    return strava.activity_info(activity)


def sync_one(run: _Sync, act: Any) -> Outcome:
    """Match, build, compare, and (only when needed) read, merge and write the note of one activity."""
    from fitglute import strava

    job, store = run.job, run.store

    def outcome(status: str, detail: str = "", **kw: Any) -> Outcome:
        return Outcome(act.id, act.name, act.start_date.strftime("%Y-%m-%d %H:%M"), status, detail, sha, **kw)

    sha = None
    if act.manual:
        store.unlink_strava(act.id)  # an older fitglute may have linked a manual entry
    sha, how = find_run(store, act, listed=run.listed, is_gone=run.is_gone)
    if sha is None:
        status = "manual" if act.manual else "ambiguous" if how.startswith("ambiguous") else "no-fit"
        return outcome(status, how)
    store.link_strava(sha, act.id)
    block = note_for(store, sha, run.settings, run.rules)
    want = digest(block)
    state = states.load(store, act.id)
    forced = job.forced(act.id)
    held = None if forced else state.holds(want)
    if held is not None:
        return outcome(held, how if held == "unchanged" else _LEFT_ALONE[state.left_alone or ""])
    if job.no_post:
        return outcome("not-posted", "asked not to post")
    try:
        current = run.description(act.id)
    except strava.ActivityNotFound:
        run.gone(act.id)
        return outcome("gone", "activity no longer on Strava; its run may match a re-upload")
    except strava.RequestRefused as exc:
        return outcome("failed", f"description not read ({exc})")
    legacy = state.digest if state.legacy else None
    plan = plan_note(
        current, block, written=state.last_written(), in_flight=state.in_flight(), legacy_digest=legacy, force=forced
    )

    def keep(new: states.NoteState) -> None:
        if not job.dry_run:
            states.save(store, act.id, new)

    if plan.verdict == SAME:
        keep(state.wrote(sha, plan.written, plan.separator))
        return outcome("unchanged", how)
    if plan.verdict == EDITED:
        keep(state.leave(states.EDITED, want))
        return outcome("left-alone", _LEFT_ALONE[states.EDITED], notice=True, hint=REWRITE_NOTE)
    if plan.verdict == DELETED:
        keep(state.leave(states.DELETED, want))
        return outcome("opted-out", _LEFT_ALONE[states.DELETED], notice=True, hint=REWRITE_NOTE)
    text = plan.description or ""
    if len(text) > run.settings.description_max_chars:
        keep(state.leave(states.TOO_LONG, want))
        return outcome(
            "too-long", _too_long(len(text), run.settings.description_max_chars), notice=True, hint=REWRITE_NOTE
        )
    if job.dry_run:
        job.report.previews[act.id] = block or "(block removed: note detail is off)"
        return outcome("would-post", how)
    keep(state.writing(plan.written, plan.separator))  # a lost answer still finds its text ours
    try:
        stored = strava.update_description(run.client, act.id, text)
    except strava.StravaUnavailable as exc:
        reread = _reread(run.client, act.id) if exc.may_have_applied else None
        if reread is None or normalise(reread) != normalise(text):
            return outcome("failed", f"not written ({exc}); the next sync retries", retry=True)
        stored = reread  # the write did reach Strava: the block is there, exactly once
    except strava.ActivityNotFound:
        run.gone(act.id)
        return outcome("gone", "activity no longer on Strava; its run may match a re-upload")
    except strava.RequestRefused as exc:
        keep(state.leave(states.REFUSED, want))
        return outcome(
            "refused", f"Strava refused the new description ({exc}) — left as it is", notice=True, hint=REWRITE_NOTE
        )
    if normalise(stored) != normalise(text) and not (plan.written and verbatim_spans(stored, plan.written)):
        return _cut_by_strava(run, act.id, state, want, current, len(stored), len(text), outcome)
    keep(state.wrote(sha, plan.written, plan.separator))
    log.info("activity %s: note %s", act.id, "removed" if block is None else "written")
    return outcome("removed" if block is None else "posted", how)


_LEFT_ALONE = {
    states.EDITED: "note edited by you — left as it is",
    states.DELETED: "note deleted by you — not added again",
    states.TOO_LONG: "description too long for Strava — left as it is",
    states.REFUSED: "Strava refused the note — left as it is",
    "": "left as it is",
}


def _too_long(length: int, limit: int) -> str:
    return f"the description would be {length:,} characters, more than fitglute sends ({limit:,}) — left as it is"


def _cut_by_strava(
    run: _Sync, activity_id: int, state: Any, want: str | None, original: str, kept: int, sent: int, outcome: Any
) -> Outcome:
    """Strava kept less than was sent (a length limit): put the runner's text back, and stop trying."""
    from fitglute import strava

    try:
        strava.update_description(run.client, activity_id, original)
        restored = "your description was put back"
    except (strava.StravaUnavailable, strava.RequestRefused) as exc:
        restored = f"putting your description back failed ({exc})"
    states.save(run.store, activity_id, state.leave(states.TOO_LONG, want))
    return outcome(
        "too-long",
        f"Strava kept {kept:,} of {sent:,} characters; {restored} — left as it is",
        notice=True,
        hint=REWRITE_NOTE,
    )


def _reread(client: Any, activity_id: int) -> str | None:
    from fitglute import strava

    try:
        return strava.get_description(client, activity_id)
    except strava.StravaError:
        return None


__all__ = ["NAME", "NOT_BEFORE_KEY", "PENDING_KEY", "STATE", "STRAVA_NOTE", "NoteSettings", "export", "note_settings"]
