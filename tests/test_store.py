"""The history store: migrations from every earlier schema, idempotence, state tables, speed."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from fitglute.history import load_history, migrations
from fitglute.history.mapping import columns_of, summary_from_row
from fitglute.history.store import Store, StoreError
from fitglute.model.history import History
from fitglute.model.result import RunResult
from fitglute.model.times import iso_utc, parse_iso

SHORT_S = 720  # 12 minutes: above the 10-minute minimum of clean running


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def result() -> RunResult:
    """One real analysis result (a generated 12-minute chest-strap run)."""
    from fitglute_devkit.synth import Scenario, write_run

    from fitglute.pipeline import analyse_file

    data, _ = write_run(None, Scenario(duration_s=SHORT_S, seed=3, balance_left_pct=51.5))
    out = analyse_file(data, name="run.fit", context=None)
    assert out.status == "ok"
    return out


def variant(result: RunResult, i: int) -> RunResult:
    """The same run, stored as a different file one day later per ``i``."""
    start = iso_utc(parse_iso(result.start_time) + i * 86400)
    return replace(result, sha256=f"{i:064x}", start_time=start)


def table_columns(conn: sqlite3.Connection) -> dict[str, list[tuple[str, str]]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: [(c[1], c[2]) for c in conn.execute(f"PRAGMA table_info({t})")] for t in tables}


def index_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}


# --------------------------------------------------------------------------- migrations


def seed_version(conn: sqlite3.Connection, version: int, result: RunResult) -> None:
    """Rows as a fitglute of that schema version would have written them."""
    if version >= 1:
        v3_columns = ("sensor", "quality")  # written from version 3 on (hand-checked value below)
        cols = {k: v for k, v in columns_of(result).items() if version >= 3 or k not in v3_columns}
        cols.update(
            result_json=json.dumps(result.to_json()), imported_at="2026-01-01T00:00:00Z", source_path="/old/run.fit"
        )
        conn.execute(
            f"INSERT INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", tuple(cols.values())
        )
        conn.execute("INSERT INTO findings VALUES (?, 'gct-balance-bias', 'left', 0.5)", (result.sha256,))
        conn.execute(
            "INSERT INTO injuries (date, site, side, note, created) VALUES "
            "('2025-12-01', 'calf', 'right', 'old', '2025-12-02T00:00:00Z')"
        )
    if version >= 2:
        conn.execute("INSERT INTO exporter_state VALUES ('strava', '123', '{\"posted\": true}', 'x')")
        conn.execute("INSERT INTO sync_state VALUES ('strava.not_before', '2026-01-01T00:00:00Z', 'x')")
    if version >= 3:
        conn.execute("INSERT INTO ignored_files VALUES ('ab', 'skipped', 'not a run', '/ride.fit', 'x')")
    if version >= 4:
        conn.execute(
            "INSERT INTO capacity_tests (date, kind, left, right, note, created) VALUES "
            "('2025-12-10', 'heel-raise', 25, 18, '', 'x')"
        )
        conn.execute(
            "INSERT INTO symptoms (date, site, side, during, after, morning, run_sha, note, created) VALUES "
            "('2025-12-11', 'achilles', 'left', 3, 4, 2, ?, '', 'x')",
            (result.sha256,),
        )


@pytest.mark.parametrize("version", range(migrations.LATEST))
def test_migrates_from_every_earlier_version(tmp_path: Path, version: int, result: RunResult) -> None:
    old = tmp_path / f"v{version}.sqlite"
    conn = sqlite3.connect(old, isolation_level=None)
    migrations.migrate(conn, target=version)
    assert migrations.version(conn) == version
    seed_version(conn, version, result)
    conn.close()

    with Store(old) as store:
        assert store.schema_version() == migrations.LATEST
        migrated_tables, migrated_indexes = table_columns(store.conn), index_names(store.conn)
        if version >= 1:
            run = store.get_run(result.sha256)
            assert run is not None and run.source_path == "/old/run.fit"
            row = store.conn.execute("SELECT sensor, quality FROM runs").fetchone()
            assert row[0] == "chest: garmin hrm_pro_plus"  # backfilled from the stored JSON (v3)
            assert row[1] == pytest.approx(columns_of(result)["quality"])
            assert store.findings_for([result.sha256])[result.sha256][0]["rule"] == "gct-balance-bias"
            assert [i.site for i in store.injuries()] == ["calf"]
        if version >= 2:
            assert store.get_exporter_state("strava", "123") == {"posted": True}
            assert store.get_sync("strava.not_before") == "2026-01-01T00:00:00Z"
        if version >= 3:
            assert store.known("ab") == "skipped"
        if version >= 4:
            assert [(t.kind, t.left, t.right) for t in store.tests()] == [("heel-raise", 25.0, 18.0)]
            assert [(s.site, s.morning, s.run_sha) for s in store.symptoms()] == [("achilles", 2.0, result.sha256)]
        # whatever the old version, the own-evidence tables (v4) work and reach the history snapshot
        store.add_test(date(2026, 1, 2), "bridge", 20, 20)
        store.add_symptom(date(2026, 1, 3), "calf", "right", {"after": 2.0})
        history = store.history()
        assert history.tests[-1].kind == "bridge" and history.symptoms[-1].site == "calf"
    with Store(tmp_path / "fresh.sqlite") as fresh:
        assert migrated_tables == table_columns(fresh.conn)
        assert migrated_indexes == index_names(fresh.conn)


def test_failed_migration_keeps_the_old_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "h.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(conn, target=1)
    conn.close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "MIGRATIONS", (migrations.MIGRATIONS[0], broken))
    monkeypatch.setattr(migrations, "LATEST", 2)
    with pytest.raises(RuntimeError):
        Store(path)
    conn = sqlite3.connect(path)
    assert migrations.version(conn) == 1
    assert "half_done" not in table_columns(conn)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_wal_mode_and_default_location(home_db: Path) -> None:
    with Store() as store:
        assert store.path == home_db
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.fixture
def home_db(tmp_path: Path) -> Path:
    return tmp_path / "home" / "data" / "history.sqlite"


# --------------------------------------------------------------------------- runs and state


def test_add_run_is_idempotent_and_marks_rejudge(tmp_path: Path, result: RunResult) -> None:
    with Store(tmp_path / "h.sqlite") as store:
        assert store.add_run(result, source_path="/x/run.fit", strava_activity_id=42)
        assert not store.add_run(result, source_path="/y/copy.fit")
        assert store.run_count() == 1
        assert store.known(result.sha256) == "run"
        assert store.run_by_strava_id(42).sha256 == result.sha256
        stored = store.findings_for([result.sha256])[result.sha256]
        assert len(stored) == len(result.findings)
        assert store.pending_rejudge() == columns_of(result)["start_time"]
        store.clear_rejudge(store.pending_rejudge())
        assert store.pending_rejudge() is None


def test_link_strava_only_fills_a_missing_id(tmp_path: Path, result: RunResult) -> None:
    with Store(tmp_path / "h.sqlite") as store:
        store.add_run(result)
        assert store.link_strava(result.sha256, 7)
        assert not store.link_strava(result.sha256, 8)
        assert store.get_run(result.sha256).strava_activity_id == 7


def test_ignored_files_are_known(tmp_path: Path) -> None:
    with Store(tmp_path / "h.sqlite") as store:
        store.add_ignored("ab" * 32, "skipped", "not a running activity (sport: cycling)", "/ride.fit")
        assert store.known("ab" * 32) == "skipped"
        assert "ab" * 32 in store.known_hashes()


def test_exporter_and_sync_state_round_trip(tmp_path: Path) -> None:
    with Store(tmp_path / "h.sqlite") as store:
        assert store.get_exporter_state("strava", "1") is None
        store.set_exporter_state("strava", "1", {"note_hash": "abc", "posted": 1})
        store.set_exporter_state("strava", "1", {"note_hash": "def"})
        assert store.get_exporter_state("strava", "1") == {"note_hash": "def"}
        store.delete_exporter_state("strava", "1")
        assert store.get_exporter_state("strava", "1") is None
        store.set_sync("strava.not_before", "2026-03-01T10:00:00Z")
        assert store.get_sync("strava.not_before") == "2026-03-01T10:00:00Z"
        store.delete_sync("strava.not_before")
        assert store.get_sync("strava.not_before") is None


def test_injuries_add_list_remove(tmp_path: Path) -> None:
    with Store(tmp_path / "h.sqlite") as store:
        a = store.add_injury(date(2026, 3, 2), "hamstring", "left", "strain")
        store.add_injury(date(2025, 6, 1), "calf", "right")
        assert [i.site for i in store.injuries()] == ["calf", "hamstring"]
        assert store.pending_rejudge() == "2025-06-01T00:00:00Z"
        assert store.remove_injury(a.id) == a
        assert store.remove_injury(a.id) is None
        with pytest.raises(ValueError):
            store.add_injury(date(2026, 1, 1), "elbow", "left")


def test_transaction_rolls_back_on_interrupt(tmp_path: Path, result: RunResult) -> None:
    with Store(tmp_path / "h.sqlite") as store:
        with pytest.raises(KeyboardInterrupt), store.transaction() as conn:
            conn.execute("INSERT INTO sync_state VALUES ('k', 'v', 'now')")
            raise KeyboardInterrupt
        assert store.get_sync("k") is None


# --------------------------------------------------------------------------- reading


def test_readers_never_create_a_database(home_db: Path) -> None:
    assert load_history() is None
    assert not home_db.exists()
    with pytest.raises(StoreError):
        Store(home_db, readonly=True)
    assert not home_db.exists()


def test_history_snapshot_is_plain_sorted_data(tmp_path: Path, result: RunResult) -> None:
    import pickle

    db = tmp_path / "h.sqlite"
    with Store(db) as store:
        for i in (3, 1, 2):
            store.add_run(variant(result, i))
        store.add_injury(date(2026, 1, 1), "glute", "both")
    history = load_history(db)
    assert isinstance(history, History)
    assert [r.sha256[-1] for r in history.runs] == ["1", "2", "3"]
    assert history.before(history.runs[2].start) == history.runs[:2]
    assert history.before(history.runs[2].start, days=1.5) == history.runs[1:2]
    again = pickle.loads(pickle.dumps(history))
    assert again.runs == history.runs and again.before(history.runs[1].start) == history.runs[:1]
    assert summary_from_row(columns_of(variant(result, 1))) == history.runs[0]


def test_history_lists_the_newest_of_3000_runs(tmp_path: Path, result: RunResult) -> None:
    """Functional only: its speed is measured by benchmarks/bench_history.py, not here."""
    from typer.testing import CliRunner

    from fitglute.cli import app

    db = tmp_path / "big.sqlite"
    with Store(db) as store:
        for i in range(3000):
            store.add_run(variant(result, i))
        assert store.run_count() == 3000
    runner = CliRunner()
    out = runner.invoke(app, ["history", "--db", str(db)])
    as_json = runner.invoke(app, ["history", "--db", str(db), "--json", "--limit", "50"])
    assert out.exit_code == 0 and "20 of 3000 runs" in out.stdout
    rows = json.loads(as_json.stdout)
    assert len(rows) == 50 and rows[0]["start_time"] > rows[1]["start_time"]
