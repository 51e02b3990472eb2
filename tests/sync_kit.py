"""What the ``fitglute sync`` tests share: generated runs shaped like real folders, the fake Strava,
and small helpers to sync, read descriptions and count requests.

Import the fixtures into a test module (``from sync_kit import fake, runs, two``) so pytest sees
them there. Short generated runs (15 min, :mod:`fitglute_devkit.synth`) are written once per
module; every test has its own ``FITGLUTE_HOME`` (conftest), so it imports them into a fresh
history and a fresh token file.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fake_strava import FakeStrava, fake_strava_fixture
from fitglute_devkit.synth import Scenario, Truth, write_run
from typer.testing import CliRunner

from fitglute import config
from fitglute import sync as s
from fitglute.cli import app
from fitglute.exporters import note_text
from fitglute.exporters.note_merge import complete_blocks
from fitglute.sources import configured

NOW = datetime.now(UTC).replace(microsecond=0)
GARMIN_ID = 14234567890
EXPORT_ID = 11223344556
A, B, OLD, GARMIN, EXPORT, TWINS, NOFIT = 101, 102, 103, GARMIN_ID, EXPORT_ID, 106, 107
READ_ONLY = "read,activity:read_all"
LIST = "GET /api/v3/athlete/activities"


def days_ago(n: int, hour: int = 6, minute: int = 30) -> datetime:
    return (NOW - timedelta(days=n)).replace(hour=hour, minute=minute, second=0)


@dataclass(frozen=True)
class Gen:
    path: Path
    start: datetime
    truth: Truth


def make_run(root: Path, rel: str, start: datetime, seed: int, minutes: float = 15, **knobs) -> Gen:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    scenario = Scenario(duration_s=int(minutes * 60), start=start, seed=seed, **{"balance_left_pct": 53, **knobs})
    data, truth = write_run(None, scenario)
    path.write_bytes(gzip.compress(data) if rel.endswith(".gz") else data)
    return Gen(path, start, truth)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Gen]:
    """Short runs in folders shaped like a watch folder, a Garmin export and a Strava export."""
    root = tmp_path_factory.mktemp("fit")
    out = {
        "a": make_run(root, "watch/a.fit", days_ago(3), 1),
        "b": make_run(root, "watch/b.fit", days_ago(2), 2),
        "old": make_run(root, "old/old.fit", days_ago(20), 3),
        "garmin": make_run(root, f"garmin/{GARMIN_ID}_ACTIVITY.fit", days_ago(4), 4),
        "decoy": make_run(root, "decoy/2026-decoy.fit", days_ago(4) + timedelta(minutes=10), 5),
        "export": make_run(root, f"export/activities/{EXPORT_ID}.fit.gz", days_ago(5), 6),
        "twin1": make_run(root, "twins/t1.fit", days_ago(6, hour=18), 7),
        "twin2": make_run(root, "twins/t2.fit", days_ago(6, hour=18) + timedelta(seconds=30), 8),
    }
    header = ["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
              "Elapsed Time", "Distance", "Filename", "Elapsed Time", "Moving Time", "Distance"]
    rows = [
        [EXPORT_ID, "May 1, 2026, 6:30:00 AM", "Export run", "Run", "", "900", "2.70",
         f"activities/{EXPORT_ID}.fit.gz", "900", "900", "2700.0"],
        [99887766, "May 2, 2026, 7:00:00 AM", "Treadmill (manual)", "Run", "", "1800", "5.0", "", "1800", "1800",
         "5000.0"],
    ]
    with (root / "export" / "activities.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])  # repeated column names, a manual entry without a file
    (root / "export" / "activities" / "99.gpx").write_text("<gpx/>")  # not a FIT file: ignored
    return out


@pytest.fixture
def fake(monkeypatch, home):
    yield from fake_strava_fixture(monkeypatch, home)


@pytest.fixture
def two(fake: FakeStrava, runs):
    """Logged in; the watch folder (runs a and b) is the source; two matching activities on Strava."""
    fake.login()
    add(fake, runs["a"], A, description="Felt good, windy.")
    add(fake, runs["b"], B)
    sources(runs["a"])
    return fake


def add(fake: FakeStrava, gen: Gen, activity_id: int, *, offset_s: float = 20, **kw) -> dict:
    """The Strava activity a watch upload of ``gen`` would create (starts ``offset_s`` later)."""
    kw.setdefault("external_id", None)
    return fake.add_activity(
        activity_id,
        start=gen.start + timedelta(seconds=offset_s),
        elapsed_s=gen.truth.elapsed_s,
        moving_s=gen.truth.duration_s,
        distance_m=round(gen.truth.distance_m, 1),
        **kw,
    )


def sources(*gens_or_paths) -> None:
    configured.save_sources([str(g.path.parent if isinstance(g, Gen) else g) for g in gens_or_paths])


def sync(now: datetime | None = None, **kw) -> s.SyncReport:
    return s.run_sync(s.SyncOptions(workers=1, **kw), now=now)


def statuses(report: s.SyncReport) -> dict[int, str]:
    return {o.activity_id: o.status for o in report.outcomes}


def desc(fake: FakeStrava, activity_id: int) -> str | None:
    return fake.activities[activity_id]["description"]


def puts(fake: FakeStrava, activity_id: int | None = None) -> list:
    return fake.calls("PUT", rf"/activities/{activity_id}$" if activity_id else None)


def gets(fake: FakeStrava, activity_id: int) -> list:
    return fake.calls("GET", rf"/activities/{activity_id}$")


def count_blocks(text: str | None) -> int:
    lines = (text or "").splitlines()
    assert lines.count(note_text.START_MARKER) == lines.count(note_text.END_MARKER)
    return lines.count(note_text.START_MARKER)


def block_of(text: str | None) -> str:
    """The one complete fitglute block in ``text``."""
    (span,) = complete_blocks(text or "")
    return (text or "")[span[0]: span[1]]


def set_config(text: str) -> None:
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


def since(fake: FakeStrava, mark: int) -> list[str]:
    """``METHOD path`` of every request after the first ``mark`` ones."""
    return fake.paths()[mark:]
