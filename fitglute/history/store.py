"""The history database: one SQLite file per runner (``data_dir()/history.sqlite``, ``--db``).

Why SQLite in WAL mode with one transaction per imported file: a backfill of years of runs can
be interrupted at any moment (Ctrl-C, ``kill -9``, a full disk). Each file's run row, its
findings and the "re-judge from here" marker commit together or not at all, so the database is
always consistent and a rerun simply continues (files are keyed by the sha256 of their
decompressed bytes, so nothing is imported twice). WAL lets ``history``/``analyze`` read while an
import writes; ``synchronous=NORMAL`` keeps commits cheap and is safe against process crashes
(a power cut may lose the last few commits, never consistency).

Only the parent process writes (the importer's workers decode and analyse); readers open the
file read-only and never migrate it. The schema is versioned (:mod:`fitglute.migrations`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fitglute import config
from fitglute.history import migrations
from fitglute.history.logbook import Logbook
from fitglute.history.mapping import SUMMARY_COLUMNS, columns_of, summary_from_row
from fitglute.model.history import History
from fitglute.model.result import RunResult
from fitglute.model.times import iso_utc, now_iso, parse_iso

REJUDGE_KEY = "history.rejudge_from"
#: the columns ``fitglute history`` lists (with start_time first)
LIST_COLUMNS = (
    "sha256",
    "start_time",
    "sub_sport",
    "distance_m",
    "duration_s",
    "gct_ms",
    "balance_left_pct",
    "vo_mm",
    "vr_pct",
    "step_mm",
    "cadence_spm",
    "sensor",
    "flags",
    "strava_activity_id",
)


#: one activity from two sources (a re-saved copy, a second export) starts within seconds of
#: itself on the same device and lasts as long; two real runs on one watch are minutes apart
SAME_START_S = 5.0
SAME_DURATION = 0.02


class StoreError(Exception):
    """The database cannot be opened or used; the message is one readable line."""


class Store(Logbook):
    """A connection to one history database, migrated to the latest schema on open.

    The hand-kept logs (injuries, capacity tests, symptoms) are the :class:`Logbook` part.
    """

    def __init__(self, path: Path | str | None = None, *, readonly: bool = False, timeout: float = 30.0) -> None:
        self.path = Path(path) if path is not None else config.db_path()
        self.readonly = readonly
        try:
            self.conn = self._connect(timeout)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the history database ({exc})") from None

    def _connect(self, timeout: float) -> sqlite3.Connection:
        if self.readonly:
            if not self.path.is_file():
                raise StoreError(f"{self.path}: no history database yet")
            conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True, timeout=timeout)
            have = migrations.version(conn)
            if have != migrations.LATEST:
                conn.close()
                raise StoreError(f"{self.path}: schema version {have}, expected {migrations.LATEST}")
            return conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        try:
            migrations.migrate(conn)
        except migrations.SchemaTooNew as exc:
            conn.close()
            raise StoreError(f"{self.path}: {exc}") from None
        return conn

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One immediate (write-locked) transaction; rolled back on any exception, Ctrl-C included."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # busy beyond the timeout, read-only file, disk full
            raise StoreError(f"{self.path}: cannot write to the history database ({exc})") from None
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def schema_version(self) -> int:
        return migrations.version(self.conn)

    # ------------------------------------------------------------------ runs

    def known(self, sha256: str) -> str | None:
        """``"run"`` or ``"skipped"`` (not a run, or a copy of a stored run) when this content was
        seen before, else None."""
        if self.conn.execute("SELECT 1 FROM runs WHERE sha256 = ?", (sha256,)).fetchone():
            return "run"
        if self.conn.execute("SELECT 1 FROM ignored_files WHERE sha256 = ?", (sha256,)).fetchone():
            return "skipped"
        return None

    def known_hashes(self) -> set[str]:
        rows = self.conn.execute("SELECT sha256 FROM runs UNION ALL SELECT sha256 FROM ignored_files")
        return {r[0] for r in rows}

    def same_activity(self, result: RunResult) -> tuple[str, str | None] | None:
        """A stored run that is this one under other bytes (a re-saved copy, a second export):
        the same device, started within :data:`SAME_START_S` and as long within
        :data:`SAME_DURATION` → its (sha256, source path), else None."""
        if not result.start_time:
            return None
        t = parse_iso(result.start_time)
        sql = (
            "SELECT sha256, source_path, duration_s FROM runs WHERE start_time >= ? AND start_time <= ? "
            "AND device IS ? AND sha256 != ? ORDER BY start_time"
        )
        args = (iso_utc(t - SAME_START_S), iso_utc(t + SAME_START_S), result.device, result.sha256 or "")
        for sha, path, duration in self.conn.execute(sql, args):
            a, b = duration or 0.0, result.duration_s or 0.0
            if abs(a - b) <= SAME_DURATION * max(a, b, 1.0):
                return sha, path
        return None

    def add_run(
        self, result: RunResult, *, source_path: str | None = None, strava_activity_id: int | None = None
    ) -> bool:
        """Store an analysed run and its findings in one transaction; False if already known."""
        cols = columns_of(result)
        cols.update(
            source_path=source_path,
            strava_activity_id=strava_activity_id,
            result_json=_dumps(result),
            imported_at=now_iso(),
        )
        names = ", ".join(cols)
        marks = ", ".join("?" for _ in cols)
        with self.transaction() as conn:
            cur = conn.execute(f"INSERT OR IGNORE INTO runs ({names}) VALUES ({marks})", tuple(cols.values()))
            if cur.rowcount == 0:
                return False
            self._insert_findings(cols["sha256"], result)
            self._mark_rejudge(cols["start_time"])
        return True

    def _insert_findings(self, sha256: str, result: RunResult) -> None:
        rows = [(sha256, f["rule"], f["side"], f["confidence"]) for f in (x.to_json() for x in result.findings)]
        self.conn.executemany("INSERT INTO findings (run_sha, rule, side, confidence) VALUES (?, ?, ?, ?)", rows)

    def replace_judgement(self, sha256: str, result: RunResult) -> None:
        """New findings for a stored run (after a history re-judge); call inside a transaction."""
        text = _dumps(result)
        self.conn.execute("UPDATE runs SET result_json = ? WHERE sha256 = ?", (text, sha256))
        self.conn.execute("DELETE FROM findings WHERE run_sha = ?", (sha256,))
        self._insert_findings(sha256, result)

    def add_ignored(self, sha256: str, status: str, reason: str, source_path: str | None) -> None:
        """Remember a valid FIT file that is not a run, so a re-import skips it undecoded."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO ignored_files (sha256, status, reason, source_path, seen_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (sha256, status, reason, source_path, now_iso()),
            )

    def link_strava(self, sha256: str, activity_id: int) -> bool:
        """Attach a Strava activity id to a stored run that has none yet."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE runs SET strava_activity_id = ? WHERE sha256 = ? AND strava_activity_id IS NULL",
                (activity_id, sha256),
            )
        return cur.rowcount > 0

    def unlink_strava(self, activity_id: int) -> int:
        """Forget a Strava activity id (deleted on Strava, or a manual entry): its runs may match again."""
        with self.transaction() as conn:
            cur = conn.execute("UPDATE runs SET strava_activity_id = NULL WHERE strava_activity_id = ?", (activity_id,))
        return cur.rowcount

    def run_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def get_run(self, sha256: str) -> StoredRun | None:
        """A stored run: its result, where its file was, and its Strava activity."""
        row = self.conn.execute(
            "SELECT result_json, source_path, strava_activity_id FROM runs WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return None if row is None else _stored(row)

    def run_by_strava_id(self, activity_id: int) -> StoredRun | None:
        row = self.conn.execute(
            "SELECT result_json, source_path, strava_activity_id FROM runs WHERE strava_activity_id = ? "
            "ORDER BY start_time LIMIT 1",
            (activity_id,),
        ).fetchone()
        return None if row is None else _stored(row)

    def recent_runs(self, limit: int | None = 20) -> list[dict[str, Any]]:
        """Newest first; ``limit`` None or 0 = all. Uses the start_time index (no JSON parsing)."""
        sql = f"SELECT {', '.join(LIST_COLUMNS)} FROM runs ORDER BY start_time DESC"
        rows = self.conn.execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ())
        return [dict(zip(LIST_COLUMNS, r, strict=True)) for r in rows]

    def runs_between(self, start_iso: str, end_iso: str) -> list[dict[str, Any]]:
        cols = ", ".join(LIST_COLUMNS)
        sql = f"SELECT {cols} FROM runs WHERE start_time >= ? AND start_time <= ? ORDER BY start_time"
        return [dict(zip(LIST_COLUMNS, r, strict=True)) for r in self.conn.execute(sql, (start_iso, end_iso))]

    def latest_start(self) -> str | None:
        """The latest run's start, runs flagged ``implausible`` aside (a clock set to 2058 would
        leave every trend window empty), unless there are no others."""
        return self._start_bound("MAX")

    def earliest_start(self) -> str | None:
        return self._start_bound("MIN")

    def _start_bound(self, fn: str) -> str | None:
        return self._bounds_where("1")[0 if fn == "MIN" else 1]

    def span_with(self, column: str) -> tuple[str | None, str | None]:
        """First and last start of the runs that have ``column`` (a runs-table column), runs
        flagged ``implausible`` aside unless there are no others."""
        if column not in LIST_COLUMNS:
            raise ValueError(f"not a runs column: {column}")
        return self._bounds_where(f"{column} IS NOT NULL")

    def _bounds_where(self, condition: str) -> tuple[str | None, str | None]:
        """MIN and MAX start of the runs matching ``condition`` (a trusted SQL fragment): the
        plausible ones when there are any, else all of them."""
        plausible = "(',' || flags || ',') NOT LIKE '%,implausible,%'"
        for where in (f"({condition}) AND {plausible}", condition):
            row = self.conn.execute(f"SELECT MIN(start_time), MAX(start_time) FROM runs WHERE {where}").fetchone()  # noqa: S608
            if row and row[1] is not None:
                return row[0], row[1]
        return None, None

    def findings_for(self, shas: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Findings per run, most confident first (for listings; no JSON parsing)."""
        out: dict[str, list[dict[str, Any]]] = {s: [] for s in shas}
        for i in range(0, len(shas), 500):
            chunk = shas[i : i + 500]
            marks = ",".join("?" for _ in chunk)
            rows = self.conn.execute(
                f"SELECT run_sha, rule, side, confidence FROM findings WHERE run_sha IN ({marks}) "
                "ORDER BY confidence DESC",
                chunk,
            )
            for sha, rule, side, conf in rows:
                out[sha].append({"rule": rule, "side": side, "confidence": round(conf, 2)})
        return out

    def finding_runs(self, rule: str, start_iso: str, end_iso: str) -> list[dict[str, Any]]:
        """Runs in a time range with a finding of ``rule`` (e.g. load spikes for trends)."""
        rows = self.conn.execute(
            "SELECT r.sha256, r.start_time, f.side, f.confidence, r.result_json FROM findings f "
            "JOIN runs r ON r.sha256 = f.run_sha WHERE f.rule = ? AND r.start_time >= ? AND r.start_time <= ? "
            "ORDER BY r.start_time",
            (rule, start_iso, end_iso),
        )
        out = []
        for sha, start, side, conf, text in rows:
            values = next((f.get("values") or {} for f in json.loads(text)["findings"] if f["rule"] == rule), {})
            out.append({"sha256": sha, "start_time": start, "side": side, "confidence": conf, "values": values})
        return out

    def results_since(self, start_iso: str) -> Iterator[tuple[str, RunResult]]:
        """(sha256, stored result) of every run starting at or after ``start_iso``, oldest first."""
        rows = self.conn.execute(
            "SELECT sha256, result_json FROM runs WHERE start_time >= ? ORDER BY start_time", (start_iso,)
        ).fetchall()
        for sha, text in rows:
            yield sha, RunResult.from_json(json.loads(text))

    def latest_run(self) -> tuple[str, str] | None:
        """(sha256, start time) of the newest stored run, or None."""
        row = self.conn.execute("SELECT sha256, start_time FROM runs ORDER BY start_time DESC LIMIT 1").fetchone()
        return None if row is None else (row[0], row[1])

    def run_start(self, sha256: str) -> str | None:
        """The start time of a stored run, or None when the store does not hold it."""
        row = self.conn.execute("SELECT start_time FROM runs WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else row[0]

    def history(self) -> History:
        """Every run as a RunSummary plus the injury log, tests and symptoms: what history-aware
        rules read."""
        rows = self.conn.execute(f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM runs ORDER BY start_time")
        return History([summary_from_row(r) for r in rows], self.injuries(), self.tests(), self.symptoms())

    # ------------------------------------------------------------------ re-judge marker

    def _mark_rejudge(self, start_iso: str) -> None:
        """Runs from ``start_iso`` on need their history findings recomputed (inside a transaction)."""
        row = self.conn.execute("SELECT value FROM sync_state WHERE key = ?", (REJUDGE_KEY,)).fetchone()
        if row is None or start_iso < row[0]:
            self.conn.execute(
                "INSERT OR REPLACE INTO sync_state (key, value, updated) VALUES (?, ?, ?)",
                (REJUDGE_KEY, start_iso, now_iso()),
            )

    def mark_rejudge(self, start_iso: str) -> None:
        with self.transaction():
            self._mark_rejudge(start_iso)

    def pending_rejudge(self) -> str | None:
        return self.get_sync(REJUDGE_KEY)

    def clear_rejudge(self, up_to: str) -> None:
        """Drop the marker only if nobody moved it earlier than what was just re-judged."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sync_state WHERE key = ? AND value >= ?", (REJUDGE_KEY, up_to))

    # ------------------------------------------------------------------ exporter and sync state

    def get_exporter_state(self, exporter: str, key: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT state FROM exporter_state WHERE exporter = ? AND key = ?", (exporter, key)
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def set_exporter_state(self, exporter: str, key: str, state: dict[str, Any]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO exporter_state (exporter, key, state, updated) VALUES (?, ?, ?, ?)",
                (exporter, key, json.dumps(state, ensure_ascii=False), now_iso()),
            )

    def delete_exporter_state(self, exporter: str, key: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM exporter_state WHERE exporter = ? AND key = ?", (exporter, key))

    def get_sync(self, key: str) -> str | None:
        """A value of the small key/value table for resumable work ("not before", pending ids)."""
        row = self.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_sync(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO sync_state (key, value, updated) VALUES (?, ?, ?)", (key, value, now_iso())
            )

    def delete_sync(self, key: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))


@dataclass(frozen=True)
class StoredRun:
    result: RunResult
    source_path: str | None
    strava_activity_id: int | None

    @property
    def sha256(self) -> str:
        return self.result.sha256 or ""


def _stored(row: tuple[str, str | None, int | None]) -> StoredRun:
    return StoredRun(RunResult.from_json(json.loads(row[0])), row[1], row[2])


def _dumps(result: RunResult) -> str:
    return json.dumps(result.to_json(), ensure_ascii=False, separators=(",", ":"))
