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


@dataclass
class SyncOptions:
    since: str = "14d"
    dry_run: bool = False
    no_post: bool = False
    force: bool = False
    db: str | None = None
    workers: int = 2
    pull: bool = True  # fetch from the pulling sources first
    recheck: bool = False  # read every Strava run of the window again, even when its note is current


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

    def problems(self, hint: Callable[[str, str | None], str] | None = None) -> list[str]:
        lines = self.pulled.problems(hint) + [f"{path}: {reason}" for path, reason in self.import_failures]
        return lines + super().problems(hint)


def run_sync(opts: SyncOptions, *, now: datetime | None = None) -> SyncReport:
    """One sync; never raises for Strava or file problems (they end up in the report)."""
    from fitglute import plugins
    from fitglute.exporters import enabled
    from fitglute.history.store import Store

    now = now or datetime.now(UTC)
    report = SyncReport()
    after = parse_since(opts.since, now)
    chosen = enabled(plugins.exporters(), config.load_config())
    if opts.pull:
        report.pulled = pull_sources(opts.db, after, now)
    import_sources(opts, report)
    with Store(opts.db) as store:
        job = ExportJob(
            store, after, now, report, dry_run=opts.dry_run, no_post=opts.no_post, force=opts.force,
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
    """Rotating log in the state dir (1 MB × 3): cron runs leave a trail without filling the disk."""
    from logging.handlers import RotatingFileHandler

    path = config.sync_log_path()
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
    path = config.sync_lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


__all__ = [
    "SyncError",
    "SyncOptions",
    "SyncReport",
    "lock_path",
    "parse_since",
    "pull_sources",
    "run_sync",
    "setup_log",
]
