"""``fitglute sync``: new FIT files from the sources → history → every enabled exporter.

The pulling sources (intervals.icu, a watch, plugins') fetch new files into the inbox first
(:mod:`fitglute.sync.pull`; ``pull=False`` skips that); then those and the configured folders are
imported (by content hash: a file already in
history costs a hash, nothing more), so every run is judged through the same path as
``analyze``/``import``; then each exporter (the Strava note is one) does its work on the runs of
the window, with its own state. Problems never raise: they end up in the :class:`SyncReport`,
whose ``exit_code`` tells cron what happened.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fitglute import config
from fitglute.exporters import ExportJob, ExportReport
from fitglute.model.errors import InputError
from fitglute.sources.configured import FOLDER, SourcesFileError, load_entries, load_sources
from fitglute.sync.pull import PullReport

_SINCE = re.compile(r"^\s*(\d+)\s*([dwh])\s*$")

log = logging.getLogger("fitglute.sync")


class SyncError(Exception):
    """A problem that stops the whole sync (bad option, unreadable sources file)."""


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
        raise InputError(f"{{field}} {text!r}: use 14d, 2w, 36h or a date like 2026-11-01", "since") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


DEFAULT_DEADLINE_S = 600.0
SYNC_KEYS = {"sources", "deadline_s"}


@dataclass
class SyncOptions:
    """``force``: activity ids whose note is rewritten even if unchanged or left alone; ``force_all``
    does that for every activity. ``deadline_s`` overrides ``[sync] deadline_s``."""

    since: str = "14d"
    dry_run: bool = False
    no_post: bool = False
    force: tuple[int, ...] = ()
    force_all: bool = False
    db: str | None = None
    workers: int = 2
    deadline_s: float | None = None
    pull: bool = True  # fetch from the pulling sources first
    recheck: bool = False  # read every Strava run of the window again, even when its note is current


def deadline_s(cfg: dict | None = None) -> float:
    """``[sync] deadline_s``: seconds from a sync's start after which no Strava request runs (600).

    Counted from the start (importing new files included), enforced on every request: a trickling
    server cannot hold a sync — and its lock — past it; the sync saves its place and exits 3, and
    the next run goes on. (Importing itself is not cut: it is local and safe to interrupt anyway.)
    """
    section = (config.load_config() if cfg is None else cfg).get("sync", {})
    if not isinstance(section, dict):
        raise config.ConfigError(f"{config.config_path()}: [sync] must be a table")
    unknown = set(section) - SYNC_KEYS
    if unknown:
        raise config.ConfigError(f"{config.config_path()}: [sync]: unknown key {', '.join(sorted(unknown))}")
    value = section.get("deadline_s", DEFAULT_DEADLINE_S)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 86400:
        raise config.ConfigError(f"{config.config_path()}: [sync] deadline_s must be seconds between 1 and 86400")
    return float(value)


@dataclass
class SyncReport(ExportReport):
    imported: int = 0
    import_failures: list[tuple[str, str]] = field(default_factory=list)
    pulled: PullReport = field(default_factory=PullReport)

    def failed(self) -> bool:
        return super().failed() or bool(self.import_failures)

    @property
    def exit_code(self) -> int:
        return max(super().exit_code, self.pulled.exit_code)  # 4 auth > 3 deferred > 1 failed > 0

    def problems(self, hint: Callable[..., str] | None = None) -> list[str]:
        lines = self.pulled.problems(hint) + [f"{path}: {reason}" for path, reason in self.import_failures]
        return lines + super().problems(hint)


def run_sync(opts: SyncOptions, *, now: datetime | None = None) -> SyncReport:
    """One sync; never raises for Strava or file problems (they end up in the report)."""
    from fitglute import plugins
    from fitglute.exporters import enabled
    from fitglute.history.store import Store
    from fitglute.strava import Deadline

    now = now or datetime.now(UTC)
    report = SyncReport()
    after = parse_since(opts.since, now)
    cfg = config.load_config()
    chosen = enabled(plugins.exporters(), cfg)
    deadline = Deadline(opts.deadline_s if opts.deadline_s is not None else deadline_s(cfg))  # from the start
    if opts.pull:
        report.pulled = pull_sources(opts.db, after, now)
    import_sources(opts, report)
    with Store(opts.db) as store:
        job = ExportJob(
            store,
            after,
            now,
            report,
            dry_run=opts.dry_run,
            no_post=opts.no_post,
            force=frozenset(opts.force),
            force_all=opts.force_all,
            deadline=deadline,
            recheck=opts.recheck,
        )
        for exporter in chosen:
            exporter.run(job)
    return report


def pull_sources(db: str | None, since: datetime, now: datetime) -> PullReport:
    """Fetch what every configured pulling source has new into the inbox (one source's trouble
    stays in its line of the report)."""
    from fitglute import plugins
    from fitglute.history.store import Store
    from fitglute.sync.pull import pull_sources as pull

    try:
        entries = load_entries()
    except SourcesFileError as exc:
        raise SyncError(str(exc)) from None
    registered = plugins.sources()
    if all(e.kind == FOLDER or (e.kind in registered and registered[e.kind].pull is None) for e in entries):
        return PullReport()  # folders only: nothing to pull, no store to open
    with Store(db) as store:
        return pull(store, entries, registered, since=since, now=now)


def import_sources(opts: SyncOptions, report: SyncReport) -> None:
    """Bring every source file into history: the configured folders (already-known files cost only
    their hash) and the files pulled into the inbox that are not imported yet."""
    from fitglute.sync.pull import import_inbox_and_folders

    try:
        folders = [s for s in load_sources() if Path(s).exists()]
    except SourcesFileError as exc:
        raise SyncError(str(exc)) from None
    result = import_inbox_and_folders(folders, db=opts.db, workers=opts.workers)
    report.imported = len(result.imported)
    report.import_failures = list(result.failed)


def setup_log() -> Path:
    """Rotating log in the state dir (1 MB × 3): cron runs leave a trail without filling the disk.

    fitglute's records go there, and so do the WARNINGs of the libraries a sync uses (stravalib's
    "Unexpected sport type", urllib3's retries, captured ``warnings``): the log handler also sits
    on the root logger, so Python's last-resort handler never prints them on a terminal or into
    cron's mail — ``--quiet`` prints only fitglute's one line per problem.
    """
    from logging.handlers import RotatingFileHandler

    path = config.sync_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    current = [h for h in log.handlers if isinstance(h, RotatingFileHandler)]
    if any(h.baseFilename == os.path.abspath(path) for h in current):
        return path
    for old in current:  # an earlier sync in this process logged under another FITGLUTE_HOME
        log.removeHandler(old)
        if old in root.handlers:
            root.removeHandler(old)
        old.close()
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(lambda record: record.name.startswith("fitglute") or record.levelno >= logging.WARNING)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    root.addHandler(handler)
    return path


def lock_path() -> Path:
    path = config.sync_lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


__all__ = [
    "SyncError",
    "SyncOptions",
    "SyncReport",
    "deadline_s",
    "lock_path",
    "parse_since",
    "pull_sources",
    "run_sync",
    "setup_log",
]
