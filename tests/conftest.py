"""Shared fixtures: the real-file corpus in ``../shared/fit`` and generated runs with known truth.

* ``home`` (autouse): every test gets its own ``FITGLUTE_HOME``, so no test ever reads or writes
  the real config/data/state folders; ``core_only`` (autouse): no installed plugin is loaded.
* ``shared_fit``: the folder of 37 real FIT files. A user's clone has no ``../shared``; tests that
  need it skip with a clear reason instead of failing.
* ``corpus``: every real file decoded once per session by both decoder paths (fitfast-first and
  fitparse-only) plus an *independent* read with plain python-fitparse (session messages and a
  few raw record fields). The fitparse work dominates the suite's run time, so it is spread over
  two worker processes and shared by every test that needs it.
* generated runs (``chest_run``, ``wrist_run``, ...): written once per session with
  :mod:`fitglute_devkit.synth` into a temporary folder; each carries the generator's :class:`Truth`.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

SHARED_FIT = Path(__file__).resolve().parents[2] / "shared" / "fit"
SKIP_NO_SHARED = "../shared/fit not present (real-file tests need the shared corpus)"
# Real-file names for parametrisation; a placeholder keeps the test ids stable when absent.
REAL_FILES = sorted(p.name for p in SHARED_FIT.glob("*.fit")) if SHARED_FIT.is_dir() else ["<no shared corpus>"]
# The independent python-fitparse read costs ~0.2 s per 1,000 records; the 1 MB multisport file
# (24,239 records, ~5 s) is left out of it to keep the suite fast. Both decoder paths still run on it.
RAW_READ_MAX_BYTES = 500_000
NOT_DECODED = "not-decoded"
RAW_RECORD_FIELDS = ("timestamp", "cadence", "fractional_cadence", "stance_time", "stance_time_balance")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private fitglute home for every test (config, data, state all live under it)."""
    path = tmp_path / "fitglute-home"
    path.mkdir()
    monkeypatch.setenv("FITGLUTE_HOME", str(path))
    return path


@pytest.fixture(autouse=True)
def core_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Core tests run with fitglute's default plugins only, whatever is installed: the first-party
    plugins are tested in their own folders (plugins/*/tests), with every plugin loaded."""
    monkeypatch.setenv("FITGLUTE_PLUGINS", "0")


@pytest.fixture(scope="session")
def shared_fit() -> Path:
    if not SHARED_FIT.is_dir() or not any(SHARED_FIT.glob("*.fit")):
        pytest.skip(SKIP_NO_SHARED)
    return SHARED_FIT


# --------------------------------------------------------------------------- real-file corpus


@dataclass
class Outcome:
    """What ``fit.read`` did: a Run, or the exception class name + kind + reason."""

    run: Any = None
    error: str | None = None  # "NotRunning" | "FitError" | other exception class name
    kind: str | None = None
    reason: str | None = None


@dataclass
class RawRead:
    """Plain python-fitparse, read in the test process family, never through fitglute."""

    sessions: list[dict[str, Any]]
    records: list[dict[str, Any]]
    error: str | None  # the exception that stopped the read, if any


@dataclass
class CorpusEntry:
    name: str
    path: Path
    fitfast: Outcome
    fitparse: Outcome
    raw: RawRead | None


def _utc_ts(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC).timestamp()
    return value


def raw_fitparse(path: str | Path, record_fields: tuple[str, ...] = RAW_RECORD_FIELDS) -> RawRead:
    """Session messages (all fields) and a few record fields, exactly as python-fitparse gives them."""
    import fitparse

    sessions: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    error = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            for msg in fitparse.FitFile(str(path)).get_messages(["session", "record"]):
                values = msg.get_values()
                if msg.name == "session":
                    sessions.append({k: _utc_ts(v) for k, v in values.items()})
                else:
                    records.append({k: _utc_ts(values.get(k)) for k in record_fields})
        except Exception as exc:  # noqa: BLE001 - damaged files: keep what was read, note why
            error = f"{type(exc).__name__}: {exc}"
    return RawRead(sessions, records, error)


def _outcome(path: Path, prefer: str) -> Outcome:
    from fitglute import decode as fit

    try:
        return Outcome(run=fit.read(path, prefer=prefer))
    except fit.NotRunning as exc:
        return Outcome(error="NotRunning", kind=exc.kind, reason=exc.reason)
    except fit.FitError as exc:
        return Outcome(error="FitError", kind=exc.kind, reason=exc.reason)
    except Exception as exc:  # noqa: BLE001 - a crash is a finding, reported by the tests
        return Outcome(error=type(exc).__name__, reason=str(exc))


def _fitfast_rejects(path: Path) -> bool:
    import fitfast

    try:
        fitfast.records(path.read_bytes(), "record")
    except fitfast.FitDecodeError:
        return True
    return False


def provenance() -> dict[str, dict[str, str]]:
    """PROVENANCE.tsv rows by file name (what python-fitparse read when the corpus was built)."""
    table = SHARED_FIT / "PROVENANCE.tsv"
    if not table.is_file():
        return {}
    lines = table.read_text().splitlines()
    head = lines[0].split("\t")
    return {row[0]: dict(zip(head, row, strict=False)) for row in (line.split("\t") for line in lines[1:] if line)}


def load_entry(path_str: str, prov: dict[str, str] | None = None) -> CorpusEntry:
    """Both decoder paths plus the raw read, skipping only work that cannot tell anything:

    * fitfast rejects a file the provenance lists as no run: not decoded at all (marked
      ``NOT_DECODED``; the differential test skips it);
    * fitfast rejects the file: the "fitfast" path already ran the fitparse path, so decoding it a
      second time would compare the same code with itself;
    * fitfast says "not running" and the corpus provenance (python-fitparse's own reading) lists
      no running session: the fitparse path is not run again (seconds each for the big rides);
    * the raw read is only needed for runs whose records carry running dynamics.
    """
    path = Path(path_str)
    prov = prov or {}
    sports = prov.get("sport/sub_sport")
    not_a_run = sports is not None and "running" not in sports
    rejected = _fitfast_rejects(path)
    if not_a_run and rejected:
        # both "paths" would be one python-fitparse decode of a file that is no run (seconds for
        # the big rides): nothing to compare, so nothing is decoded
        nothing = Outcome(error=NOT_DECODED, reason="no running session per PROVENANCE.tsv; fitfast rejects it")
        return CorpusEntry(path.name, path, nothing, nothing, None)
    fast = _outcome(path, "fitfast")
    fell_back = (fast.run is not None and fast.run.decoder == "fitparse") or rejected
    agreed_not_a_run = fast.error == "NotRunning" and not_a_run
    slow = fast if fell_back or agreed_not_a_run else _outcome(path, "fitparse")
    raw = None
    is_run = fast.run is not None or slow.run is not None
    has_dynamics = prov.get("running_dynamics", "?") != "-"
    if is_run and has_dynamics and path.stat().st_size <= RAW_READ_MAX_BYTES:
        raw = raw_fitparse(path)
    return CorpusEntry(path.name, path, fast, slow, raw)


def _pool_context() -> Any:
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


@pytest.fixture(scope="session")
def corpus(shared_fit: Path) -> dict[str, CorpusEntry]:
    """Every real file, decoded both ways and read raw once; biggest files first for balance."""
    paths = sorted(shared_fit.glob("*.fit"), key=lambda p: p.stat().st_size, reverse=True)
    prov = provenance()
    args = [str(p) for p in paths], [prov.get(p.name) for p in paths]
    ctx = _pool_context()
    if ctx is None:
        entries = list(map(load_entry, *args))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: workers only decode
            with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
                entries = list(pool.map(load_entry, *args))
    return {e.name: e for e in entries}


# --------------------------------------------------------------------------- generated runs


@dataclass
class Generated:
    path: Path
    data: bytes
    truth: Any  # fitglute_devkit.synth.Truth
    scenario: Any  # fitglute_devkit.synth.Scenario


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("synth")


def _generate(folder: Path, name: str, **knobs: Any) -> Generated:
    pytest.importorskip("fit_tool")
    from fitglute_devkit.synth import Scenario, write_run

    scenario = Scenario(**knobs)
    path = folder / f"{name}.fit"
    data, truth = write_run(path, scenario)
    return Generated(path, data, truth, scenario)


@pytest.fixture(scope="session")
def chest_run(synth_dir: Path) -> Generated:
    """40-min chest-strap run with everything that must be cleaned away: 2 stops, 2 walk breaks,
    2 dynamics dropouts, 1 timer pause; a 2-point left bias and 6 % late-run GCT fatigue."""
    return _generate(
        synth_dir,
        "chest",
        duration_s=2400,
        seed=11,
        balance_left_pct=52.0,
        fatigue_gct_pct=6.0,
        stops=2,
        walk_breaks=2,
        dropouts=2,
        pauses=1,
    )


@pytest.fixture(scope="session")
def short_run(synth_dir: Path) -> Generated:
    """10-min chest run (one stop, one dropout) for the tests that must go through python-fitparse."""
    return _generate(synth_dir, "short", duration_s=600, seed=21, stops=1, dropouts=1)


@pytest.fixture(scope="session")
def wrist_run(synth_dir: Path) -> Generated:
    return _generate(synth_dir, "wrist", duration_s=1200, seed=17, sensor="wrist", walk_breaks=1)


@pytest.fixture(scope="session")
def nodyn_run(synth_dir: Path) -> Generated:
    return _generate(synth_dir, "nodyn", duration_s=900, seed=18, sensor="none")


@pytest.fixture(scope="session")
def cycling_run(synth_dir: Path) -> Generated:
    return _generate(synth_dir, "ride", duration_s=600, seed=19, sport="cycling")


@pytest.fixture(scope="session")
def slowdown_run(synth_dir: Path) -> Generated:
    return _generate(synth_dir, "slowdown", duration_s=2400, seed=12, profile="slowdown")


@pytest.fixture(scope="session")
def cooldown_run(synth_dir: Path) -> Generated:
    return _generate(synth_dir, "cooldown", duration_s=2400, seed=13, profile="cooldown", balance_left_pct=49.0)


@pytest.fixture(scope="session")
def hills_run(synth_dir: Path) -> Generated:
    return _generate(synth_dir, "hills", duration_s=2400, seed=14, profile="hills", balance_left_pct=51.5)


@pytest.fixture(scope="session")
def intervals_run(synth_dir: Path) -> Generated:
    return _generate(synth_dir, "intervals", duration_s=2400, seed=15, profile="intervals")


@pytest.fixture(scope="session")
def treadmill_run(synth_dir: Path) -> Generated:
    return _generate(synth_dir, "treadmill", duration_s=1200, seed=16, sub_sport="treadmill")


@pytest.fixture(scope="session")
def stryd_run(synth_dir: Path) -> Generated:
    """Developer fields (Stryd + RunScribe-style) for the decoder differential."""
    return _generate(synth_dir, "devfields", duration_s=600, seed=20, stryd=True, runscribe=True, dropouts=1)


@pytest.fixture(scope="session")
def generated_runs(chest_run, wrist_run, nodyn_run, stryd_run) -> dict[str, Generated]:
    return {"chest": chest_run, "wrist": wrist_run, "nodyn": nodyn_run, "devfields": stryd_run}
