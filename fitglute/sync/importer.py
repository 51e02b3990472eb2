"""Backfill: FIT files, folders, ``.fit.gz`` and Strava bulk exports → the history store.

How a batch flows, and why:

1. **Hash first, in the parent.** Each file is read (gunzipped by magic number) and hashed; a hash
   the store already knows is reported "already known" without decoding. So a rerun after an
   interruption, or importing the same export twice, costs a read and a hash per file.
2. **Decode and analyse in workers** (a ProcessPool, 2 by default). Workers get the bytes that
   were hashed — what is stored is exactly what was checked — and return a :class:`RunResult`.
3. **Write in the parent only** (SQLite has one writer): one transaction per file holds the run,
   its findings and the "re-judge from here" marker. Ctrl-C or ``kill -9`` at any moment leaves
   whole runs or nothing.
4. **Re-judge with history** once the batch is in (:func:`rejudge`). Files of a backfill arrive in
   any order, so a run's history-aware findings (load spike, persistent bias, same-side
   recurrence) are computed after every earlier run is stored — from the stored summaries,
   without decoding again. The marker lives in ``sync_state``: if the re-judge is interrupted,
   the next import (or ``injury add``) finishes it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fitglute.batch import DEFAULT_WORKERS, chunk_size, run_chunks, time_limited, worker_failed
from fitglute.history.rejudge import rejudge
from fitglute.history.store import Store, StoreError
from fitglute.model.result import RunResult

#: progress callback (kind, path, detail); kind is "start" (detail = number of files), then one of
#: "imported", "known", "same" (a copy of a stored activity), "skipped", "failed" per file
EventHook = Callable[[str, str, str], None]


@dataclass
class ImportReport:
    """What a batch did; ``to_json`` is the ``fitglute import --json`` output."""

    files: int = 0
    imported: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    #: (file, the stored run it is a copy of): the same activity under other bytes, stored once
    same: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    linked: int = 0
    rejudged: int = 0
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return len(self.imported) + len(self.known) + len(self.same) + len(self.skipped) + len(self.failed)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "imported": len(self.imported),
            "already_known": len(self.known),
            "same_activity": [{"file": p, "same_as": w} for p, w in self.same],
            "skipped": [{"file": p, "reason": r} for p, r in self.skipped],
            "failed": [{"file": p, "reason": r} for p, r in self.failed],
            "missing": self.missing,
            "warnings": self.warnings,
            "linked_to_strava": self.linked,
            "rejudged": self.rejudged,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 2),
        }


# --------------------------------------------------------------------------- workers


def _analyse_job(data: bytes, path: str) -> RunResult:
    """Worker: decode + analyse one file's bytes, judged on its own (history comes later)."""
    from fitglute.pipeline import analyse_file

    return time_limited(analyse_file, data, name=path, context=None)  # the barrier is in analyse_file


def _analyse_chunk(items: list[tuple[bytes, str, str]]) -> list[RunResult]:
    return [_analyse_job(data, path) for data, path, _ in items]


def _worker_failed(item: tuple[bytes, str, str], exc: BaseException) -> RunResult:
    return RunResult.failed(item[1], "error", worker_failed(exc))


def _hash(path: str) -> tuple[bytes, str] | str:
    """(decompressed bytes, sha256) or a one-line reason the file cannot be read."""
    from fitglute.decode import FitError, read_bytes

    try:
        data, _ = read_bytes(path)
    except FitError as exc:
        return exc.reason
    return data, hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- the batch


@dataclass
class _Batch:
    store: Store
    report: ImportReport
    strava: dict[str, int]
    emit: EventHook
    seen: set[str]
    #: Strava ids met on a duplicate while the first copy was still being analysed
    pending_ids: dict[str, int] = field(default_factory=dict)

    def prepare(self, path: str) -> tuple[bytes, str] | None:
        """Hash one file; report it when it needs no analysis (known, unreadable)."""
        got = _hash(path)
        if isinstance(got, str):
            self.fail(path, got)
            return None
        data, sha = got
        if sha in self.seen:
            self.known(path, sha)
            return None
        self.seen.add(sha)
        return data, sha

    def known(self, path: str, sha: str) -> None:
        """A copy of known content. A Strava id found on it is attached to the stored run, or kept
        until the first copy (say, the watch's .fit next to the export's .fit.gz) is stored."""
        activity = self.strava.get(str(Path(path).resolve()))
        if activity is not None:
            if self.store.known(sha) == "run":
                self.report.linked += int(self.store.link_strava(sha, activity))
            else:
                self.pending_ids.setdefault(sha, activity)
        self.report.known.append(path)
        self.emit("known", path, "already known")

    def fail(self, path: str, reason: str) -> None:
        self.report.failed.append((path, reason))
        self.emit("failed", path, reason)

    def save(self, path: str, sha: str, result: RunResult) -> None:
        """Write one worker result: one transaction for a run, a note for a non-run file."""
        status = result.status
        if status == "ok" and (same := self.store.same_activity(result)) is not None:
            # the same activity under other bytes: stored once, remembered so a re-import skips it
            where = Path(same[1]).name if same[1] else same[0][:12]
            self.store.add_ignored(sha, "duplicate", f"same activity as {where}", str(Path(path).resolve()))
            self.report.same.append((path, where))
            self.emit("same", path, f"same activity as {where}")
        elif status == "ok":
            activity = self.strava.get(str(Path(path).resolve()), self.pending_ids.pop(sha, None))
            if self.store.add_run(result, source_path=str(Path(path).resolve()), strava_activity_id=activity):
                self.report.imported.append(path)
                self.emit("imported", path, "")
            else:
                self.known(path, sha)
        elif status == "skipped":
            reason = result.error or "not a run"
            self.store.add_ignored(sha, "skipped", reason, str(Path(path).resolve()))
            self.report.skipped.append((path, reason))
            self.emit("skipped", path, reason)
        else:
            self.fail(path, result.error or "could not be analysed")


def import_paths(
    inputs: list[str],
    *,
    db: Path | str | None = None,
    workers: int = DEFAULT_WORKERS,
    on_event: EventHook | None = None,
    sources: Sequence[Any] | None = None,
) -> ImportReport:
    """Import every FIT file the sources find under ``inputs``; never raises for bad files.

    ``sources`` default to every registered source (folders, Strava bulk exports, plugins').
    ``KeyboardInterrupt`` stops the batch cleanly: what was written stays, ``report.interrupted``
    is set, and the history re-judge is left for the next run.
    """
    from fitglute.sources import find_all

    if sources is None:
        from fitglute.plugins import sources as registered

        sources = list(registered().values())
    started = time.perf_counter()
    report = ImportReport()
    found = find_all(sources, inputs)
    files, report.missing, report.warnings = found.files, found.missing, list(found.warnings)
    report.files = len(files)
    with Store(db) as store:
        batch = _Batch(store, report, found.strava_ids, on_event or (lambda *_: None), store.known_hashes())
        batch.emit("start", "", str(len(files)))
        # known hashes were loaded up front: prepare() treats them like in-batch duplicates
        try:
            _run(files, batch, workers)
            report.rejudged = rejudge(store)
        except KeyboardInterrupt:
            report.interrupted = True
        except sqlite3.Error as exc:  # e.g. locked by another writer for longer than the timeout
            raise StoreError(f"{store.path}: history database error ({exc}); what was imported is kept") from None
    report.seconds = time.perf_counter() - started
    return report


def _run(files: list[str], batch: _Batch, workers: int) -> None:
    if workers <= 1:
        for path in files:
            got = batch.prepare(path)
            if got is not None:
                batch.save(path, got[1], _analyse_job(got[0], path))
        return

    def prepared() -> Iterator[tuple[bytes, str, str]]:
        for path in files:
            got = batch.prepare(path)
            if got is not None:
                yield got[0], path, got[1]

    jobs = run_chunks(
        prepared(), _analyse_chunk, workers=workers, size=chunk_size(len(files), workers), broken=_worker_failed
    )
    for (_, path, sha), result in jobs:
        batch.save(path, sha, result)
