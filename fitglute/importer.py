"""Backfill: FIT files, folders, ``.fit.gz`` and Strava bulk exports → the history store.

How a batch flows, and why:

1. **Hash first, in the parent.** Each file is read (gunzipped by magic number) and hashed; a hash
   the store already knows is reported "already known" without decoding. So a rerun after an
   interruption, or importing the same export twice, costs a read and a hash per file.
2. **Decode and analyse in workers** (a ProcessPool, 2 by default). Workers get the bytes that
   were hashed — what is stored is exactly what was checked — and return the plain result dict.
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

import csv
import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fitglute.analysis import empty_result, expand_paths
from fitglute.store import Store, StoreError

DEFAULT_WORKERS = 2
STRAVA_CSV = "activities.csv"
#: progress callback (kind, path, detail); kind is "start" (detail = number of files), then one of
#: "imported", "known", "skipped", "failed" per file
EventHook = Callable[[str, str, str], None]


@dataclass
class ImportReport:
    """What a batch did; ``to_json`` is the ``fitglute import --json`` output."""

    files: int = 0
    imported: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
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
        return len(self.imported) + len(self.known) + len(self.skipped) + len(self.failed)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "imported": len(self.imported),
            "already_known": len(self.known),
            "skipped": [{"file": p, "reason": r} for p, r in self.skipped],
            "failed": [{"file": p, "reason": r} for p, r in self.failed],
            "missing": self.missing,
            "warnings": self.warnings,
            "linked_to_strava": self.linked,
            "rejudged": self.rejudged,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 2),
        }


# --------------------------------------------------------------------------- Strava bulk export


def export_roots(inputs: list[str]) -> set[Path]:
    """Strava bulk-export folders among the inputs: the folder with ``activities.csv``, given
    itself, as its ``activities/`` sub-folder, or through a file inside that sub-folder."""
    roots: set[Path] = set()
    for raw in inputs:
        p = Path(raw).expanduser()
        candidates = [p, p.parent] if p.is_dir() else [p.parent.parent]
        roots.update(c.resolve() for c in candidates if (c / STRAVA_CSV).is_file())
    return roots


def read_activities_csv(root: Path) -> tuple[dict[str, int], str | None]:
    """{resolved file path: Strava activity id} from an export's ``activities.csv``.

    The CSV repeats some column names (two "Distance" columns…), so columns are found by the
    first header named "Activity ID" and "Filename"; rows without a file are manual entries.
    """
    mapping: dict[str, int] = {}
    path = root / STRAVA_CSV
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            if "Activity ID" not in header or "Filename" not in header:
                return {}, f"{path}: no 'Activity ID' / 'Filename' columns; files imported without Strava ids"
            i_id, i_file = header.index("Activity ID"), header.index("Filename")
            for row in reader:
                if len(row) <= max(i_id, i_file) or not row[i_file].strip():
                    continue
                try:
                    mapping[str((root / row[i_file].strip()).resolve())] = int(row[i_id])
                except ValueError:
                    continue
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        return {}, f"{path}: cannot read ({exc}); files imported without Strava ids"
    return mapping, None


def strava_ids(inputs: list[str], report: ImportReport) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for root in sorted(export_roots(inputs)):
        found, warning = read_activities_csv(root)
        mapping.update(found)
        if warning:
            report.warnings.append(warning)
    return mapping


# --------------------------------------------------------------------------- workers


def _analyse_job(data: bytes, path: str) -> dict[str, Any]:
    """Worker: decode + analyse one file's bytes, judged on its own (history comes later)."""
    from fitglute.analysis import analyse_file

    try:
        return analyse_file(data, name=path, context=None)
    except Exception as exc:  # noqa: BLE001 - a bug on one odd file must not stop the batch
        return empty_result(path, "error", f"internal error while analysing ({type(exc).__name__}: {exc})")


def _hash(path: str) -> tuple[bytes, str] | str:
    """(decompressed bytes, sha256) or a one-line reason the file cannot be read."""
    from fitglute.fit import FitError, read_bytes

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

    def save(self, path: str, sha: str, result: dict[str, Any]) -> None:
        """Write one worker result: one transaction for a run, a note for a non-run file."""
        status = result.get("status")
        if status == "ok":
            activity = self.strava.get(str(Path(path).resolve()), self.pending_ids.pop(sha, None))
            if self.store.add_run(result, source_path=str(Path(path).resolve()), strava_activity_id=activity):
                self.report.imported.append(path)
                self.emit("imported", path, "")
            else:
                self.known(path, sha)
        elif status == "skipped":
            reason = result.get("error") or "not a run"
            self.store.add_ignored(sha, "skipped", reason, str(Path(path).resolve()))
            self.report.skipped.append((path, reason))
            self.emit("skipped", path, reason)
        else:
            self.fail(path, result.get("error") or "could not be analysed")


def import_paths(
    inputs: list[str],
    *,
    db: Path | str | None = None,
    workers: int = DEFAULT_WORKERS,
    on_event: EventHook | None = None,
) -> ImportReport:
    """Import every FIT file under ``inputs``; never raises for bad files (they are listed).

    ``KeyboardInterrupt`` stops the batch cleanly: what was written stays, ``report.interrupted``
    is set, and the history re-judge is left for the next run.
    """
    started = time.perf_counter()
    report = ImportReport()
    files, report.missing = expand_paths(inputs)
    report.files = len(files)
    mapping = strava_ids(inputs, report)
    with Store(db) as store:
        batch = _Batch(store, report, mapping, on_event or (lambda *_: None), store.known_hashes())
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


def _analyse_chunk(items: list[tuple[bytes, str]]) -> list[dict[str, Any]]:
    """Worker: several files per task — a task hand-off costs milliseconds, a file ~20 ms."""
    return [_analyse_job(data, path) for data, path in items]


def chunk_size(n_files: int, workers: int) -> int:
    """Files per task: 1 for small batches (all workers busy), up to 8 for backfills."""
    return max(1, min(8, n_files // (workers * 8)))


def _run(files: list[str], batch: _Batch, workers: int) -> None:
    if workers <= 1:
        for path in files:
            got = batch.prepare(path)
            if got is not None:
                batch.save(path, got[1], _analyse_job(got[0], path))
        return
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from fitglute.analysis import _quiet_worker

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, initializer=_quiet_worker)

    pool = new_pool()
    Job = list[tuple[str, str]]  # (path, sha256) of each file in a task
    inflight: dict[Future[list[dict[str, Any]]], Job] = {}
    todo: Iterator[str] = iter(files)
    size = chunk_size(len(files), workers)
    limit = workers * 2  # tasks queued: workers never wait, little memory held

    def feed() -> None:
        nonlocal pool
        while len(inflight) < limit:
            items: list[tuple[bytes, str]] = []
            job: Job = []
            while len(items) < size and (path := next(todo, None)) is not None:
                got = batch.prepare(path)
                if got is not None:
                    items.append((got[0], path))
                    job.append((path, got[1]))
            if not items:
                return
            try:
                inflight[pool.submit(_analyse_chunk, items)] = job
            except BrokenProcessPool:  # a worker died (OOM killer…): its files fail, the batch goes on
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                inflight[pool.submit(_analyse_chunk, items)] = job

    clean = False
    try:
        feed()
        while inflight:
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in done:
                job = inflight.pop(fut)
                for (path, sha), result in zip(job, _results_of(fut, job), strict=True):
                    batch.save(path, sha, result)
            feed()
        clean = True
    finally:
        pool.shutdown(wait=clean, cancel_futures=True)


def _results_of(fut: Any, job: list[tuple[str, str]]) -> list[dict[str, Any]]:
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OS (BrokenProcessPool)
        return [empty_result(path, "error", f"worker failed ({type(exc).__name__}: {exc})") for path, _ in job]


# --------------------------------------------------------------------------- re-judging with history


def rejudge(store: Store, since: str | None = None, *, batch_size: int = 250) -> int:
    """Recompute the history-aware findings of every run from ``since`` (default: the pending
    marker) with the store's full history; returns how many runs were re-judged."""
    since = since or store.pending_rejudge()
    if since is None:
        return 0
    from fitglute.rules import registry
    from fitglute.rules.config import disabled, resolve, rule_overrides
    from fitglute.rules.history import REJUDGED

    rules = registry()
    overrides = rule_overrides()
    thresholds = resolve(rules, overrides)
    off = disabled(overrides)
    todo = sorted((rules[r] for r in REJUDGED if r in rules and r not in off), key=lambda r: (r.stage, r.id))
    history = store.history()
    items = list(store.results_since(since))
    for i in range(0, len(items), batch_size):
        with store.transaction():
            for sha, result in items[i : i + batch_size]:
                store.replace_judgement(sha, judge_again(result, history, todo, thresholds))
    store.clear_rejudge(since)
    return len(items)


def judge_again(result: dict[str, Any], history: Any, rules: list[Any], thresholds: dict[str, dict]) -> dict:
    """A stored result with its history-aware (and composite) findings recomputed.

    Findings of single-run rules are kept as stored; the rules in ``rules`` run again on the
    run's summary, in stage order, exactly as :func:`fitglute.rules.evaluate` would run them.
    """
    from dataclasses import fields

    from fitglute.history import summary_from_result
    from fitglute.rules.engine import Finding, NotAssessed, RuleContext

    redo = {r.id for r in rules}
    names = [f.name for f in fields(Finding)]
    kept = [Finding(**{n: f.get(n) for n in names}) for f in result.get("findings") or [] if f["rule"] not in redo]
    not_assessed = {k: v for k, v in (result.get("not_assessed") or {}).items() if k not in redo}
    ctx = RuleContext(run=summary_from_result(result), metrics=None, history=history, findings=kept)
    for rule in rules:
        out = rule.check(ctx, thresholds[rule.id])
        if isinstance(out, NotAssessed):
            not_assessed[rule.id] = out.reason
        else:
            ctx.findings.extend(out)
    ordered = sorted(ctx.findings, key=lambda f: -f.confidence)
    return {**result, "findings": [f.to_json() for f in ordered], "not_assessed": not_assessed}
