"""Schema migrations of the history database, run automatically when a store is opened.

Why a list of steps instead of one ``CREATE`` script: a runner's database outlives many fitglute
versions. Every schema change is appended here as one more step, and a fresh database is built by
running *all* steps from version 0 — so a new database and an old one brought up to date are the
same by construction (tests open a database at every earlier version and compare).

The version lives in ``PRAGMA user_version``. Each step runs inside the caller's transaction
(``BEGIN IMMEDIATE``), so a crash mid-migration leaves the old version intact, and two processes
opening an old database at once migrate it exactly once.

Never edit a released step; add a new one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any


def _script(conn: sqlite3.Connection, script: str) -> None:
    """Run a multi-statement script inside the caller's transaction.

    ``Connection.executescript`` would COMMIT first, breaking the one-transaction migration, so
    statements are split with ``sqlite3.complete_statement`` and executed one by one.
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            conn.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending!r}")


def _v1_core(conn: sqlite3.Connection) -> None:
    """Runs (keyed by the sha256 of the decompressed FIT bytes), their findings, the injury log."""
    _script(
        conn,
        """
        CREATE TABLE runs (
            sha256              TEXT PRIMARY KEY,
            start_time          TEXT NOT NULL,      -- ISO 8601 UTC, 'YYYY-MM-DDTHH:MM:SSZ' (sorts as text)
            sport               TEXT,
            sub_sport           TEXT,
            device              TEXT,
            dynamics_source     TEXT,               -- chest | pod | footpod | watch | none
            source_path         TEXT,
            strava_activity_id  INTEGER,
            distance_m          REAL,
            duration_s          REAL,
            clean_running_s     REAL,
            gct_ms              REAL,
            balance_left_pct    REAL,
            balance_low         REAL,               -- 95 % interval of the flat-running balance
            balance_high        REAL,
            vo_mm               REAL,
            vr_pct              REAL,
            step_mm             REAL,
            cadence_spm         REAL,
            speed_mps           REAL,
            drift_gct_pct       REAL,               -- late vs early third at matched speed
            drift_gct_low       REAL,
            drift_gct_high      REAL,
            drift_balance_pts   REAL,
            drift_balance_low   REAL,
            drift_balance_high  REAL,
            flags               TEXT NOT NULL DEFAULT '',   -- comma-separated run flags
            result_json         TEXT NOT NULL,      -- the full analysis result (README "JSON output")
            imported_at         TEXT NOT NULL
        );
        CREATE INDEX runs_start_time ON runs(start_time);
        CREATE TABLE findings (
            run_sha     TEXT NOT NULL REFERENCES runs(sha256) ON DELETE CASCADE,
            rule        TEXT NOT NULL,
            side        TEXT NOT NULL,
            confidence  REAL NOT NULL
        );
        CREATE INDEX findings_run ON findings(run_sha);
        CREATE INDEX findings_rule ON findings(rule);
        CREATE TABLE injuries (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            date     TEXT NOT NULL,                 -- ISO date the injury happened
            site     TEXT NOT NULL,
            side     TEXT NOT NULL,
            note     TEXT NOT NULL DEFAULT '',
            created  TEXT NOT NULL
        );
        """,
    )


def _v2_exporter_state(conn: sqlite3.Connection) -> None:
    """Room for exporters (the Strava note writer) and for resumable sync work."""
    _script(
        conn,
        """
        CREATE TABLE exporter_state (
            exporter  TEXT NOT NULL,                -- e.g. 'strava'
            key       TEXT NOT NULL,                -- run sha256 or activity id
            state     TEXT NOT NULL,                -- JSON
            updated   TEXT NOT NULL,
            PRIMARY KEY (exporter, key)
        );
        CREATE TABLE sync_state (
            key      TEXT PRIMARY KEY,              -- e.g. 'strava.not_before', 'history.rejudge_from'
            value    TEXT NOT NULL,
            updated  TEXT NOT NULL
        );
        """,
    )


def _v3_sensor_baselines(conn: sqlite3.Connection) -> None:
    """Per-sensor baselines need the sensor and the data quality of each run as columns; files
    that are valid FIT but not runs are remembered so a re-import skips them without decoding."""
    _script(
        conn,
        """
        ALTER TABLE runs ADD COLUMN sensor TEXT NOT NULL DEFAULT 'none';
        ALTER TABLE runs ADD COLUMN quality REAL;
        CREATE INDEX runs_sensor_start ON runs(sensor, start_time);
        CREATE INDEX runs_strava ON runs(strava_activity_id) WHERE strava_activity_id IS NOT NULL;
        CREATE TABLE ignored_files (
            sha256       TEXT PRIMARY KEY,
            status       TEXT NOT NULL,             -- 'skipped' (valid FIT, not a run)
            reason       TEXT NOT NULL,
            source_path  TEXT,
            seen_at      TEXT NOT NULL
        );
        """,
    )
    rows = conn.execute("SELECT sha256, result_json FROM runs").fetchall()
    for sha, text in rows:
        result = json.loads(text)
        conn.execute(
            "UPDATE runs SET sensor = ?, quality = ? WHERE sha256 = ?",
            (_v3_sensor_key(result), _v3_balance_quality(result), sha),
        )


# The sensor key and data quality exactly as version 3 defined them. A migration is a frozen step:
# later changes to the live formulas (fitglute.history.mapping, fitglute.rules.confidence) must not
# change what upgrading an old database writes.
_V3_SENSOR_QUALITY = {"chest": 1.0, "pod": 1.0, "footpod": 0.9, "watch": 0.8, "none": 0.0}
_V3_CONDITION_QUALITY = {"treadmill": 0.6, "track": 0.6, "intervals": 0.5, "hilly": 0.8, "partial": 0.9}


def _v3_sensor_key(result: dict[str, Any]) -> str:
    source = result.get("dynamics_source") or "none"
    if source == "none":
        return "none"
    kinds = {"chest": ("chest", "heart_rate")}.get(source, (source,))
    for label in result.get("sensors") or []:
        name, _, kind = str(label).rpartition(" (")
        if kind.rstrip(")") in kinds and name:
            return f"{source}: {name}"
    if source == "watch":
        return f"watch: {result.get('device') or 'unknown'}"
    return source


def _v3_balance_quality(result: dict[str, Any]) -> float:
    q = min(1.0, (result.get("clean_running_s") or 0.0) / 1800.0) ** 0.5
    balance = (result.get("channels") or {}).get("gct_balance_left_pct")
    if balance is not None:
        q *= min(1.0, balance.get("coverage") or 0.0)
    q *= _V3_SENSOR_QUALITY.get(result.get("dynamics_source") or "none", 0.8)
    for flag in result.get("flags") or []:
        q *= _V3_CONDITION_QUALITY.get(flag, 1.0)
    return round(float(q), 4)


def _v4_own_evidence(conn: sqlite3.Connection) -> None:
    """The runner's own evidence: side-to-side capacity tests and the symptom log (0–10 scales,
    optionally tied to a stored run; a run is never deleted, but if one were the entry stays)."""
    _script(
        conn,
        """
        CREATE TABLE capacity_tests (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            date     TEXT NOT NULL,                 -- ISO date of the test
            kind     TEXT NOT NULL,                 -- heel-raise | heel-raise-bent | bridge | hop | pogo
            left     REAL NOT NULL,                 -- reps, cm or pain 0-10, as the protocol says
            right    REAL NOT NULL,
            note     TEXT NOT NULL DEFAULT '',
            created  TEXT NOT NULL
        );
        CREATE INDEX capacity_tests_date ON capacity_tests(date);
        CREATE TABLE symptoms (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            date     TEXT NOT NULL,                 -- ISO date the scores are about
            site     TEXT NOT NULL,                 -- as in the injury log
            side     TEXT NOT NULL,                 -- left | right | both
            during   REAL,                          -- 0-10 during the run
            after    REAL,                          -- 0-10 after it
            morning  REAL,                          -- 0-10 stiffness the next morning
            run_sha  TEXT REFERENCES runs(sha256) ON DELETE SET NULL,
            note     TEXT NOT NULL DEFAULT '',
            created  TEXT NOT NULL,
            CHECK (during IS NOT NULL OR after IS NOT NULL OR morning IS NOT NULL)
        );
        CREATE INDEX symptoms_date ON symptoms(date);
        """,
    )


#: MIGRATIONS[i] takes the schema from version i to version i + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _v1_core,
    _v2_exporter_state,
    _v3_sensor_baselines,
    _v4_own_evidence,
)
LATEST = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The database was written by a newer fitglute; we must not touch it."""


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> tuple[int, int]:
    """Bring the schema to ``target`` in one immediate transaction → (old version, new version).

    ``conn`` must be in autocommit mode (``isolation_level=None``) so that this function owns the
    transaction. The version is re-read after the write lock is taken: a concurrent process may
    have migrated in between.
    """
    if version(conn) == target:
        return target, target
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = version(conn)
        if current > LATEST:
            raise SchemaTooNew(
                f"the history database has schema version {current}, newer than this fitglute "
                f"knows ({LATEST}): upgrade fitglute"
            )
        for step in range(current, target):
            MIGRATIONS[step](conn)
            conn.execute(f"PRAGMA user_version = {step + 1}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current, max(current, target)
