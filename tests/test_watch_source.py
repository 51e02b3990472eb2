"""A plugged-in watch / Garmin Express folder as a source: detection, copy-then-import, idempotence.

The mount points are folders under a temporary root (``FITGLUTE_WATCH_ROOTS``) laid out as the
systems lay them out; the FIT files are generated runs whose bytes are known.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fitglute_devkit.synth import Scenario, write_run
from typer.testing import CliRunner

from fitglute.cli import app
from fitglute.history.store import Store
from fitglute.sources import configured
from fitglute.sources.watch import activity_folders, default_roots

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def fit_bytes() -> list[bytes]:
    out = []
    for i in range(3):
        start = (NOW - timedelta(days=i + 1)).replace(hour=6, minute=0, second=0)
        out.append(write_run(None, Scenario(duration_s=900, start=start, seed=60 + i))[0])
    return out


@pytest.fixture
def roots(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "roots"
    root.mkdir()
    monkeypatch.setenv("FITGLUTE_WATCH_ROOTS", os.pathsep.join(str(root / n) for n in ("media", "gvfs", "appsupport")))
    configured.add_entry(configured.Entry("watch", "watch"))
    return root


def cli(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def put(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def stored() -> set[str]:
    with Store() as store:
        return {r["sha256"] for r in store.recent_runs(None)}


def test_every_kind_of_mount_is_found_in_any_case(tmp_path):
    usb = tmp_path / "media" / "ann" / "GARMIN" / "GARMIN" / "ACTIVITY"
    mtp = tmp_path / "gvfs" / "mtp:host=091e_4f29_cafe" / "Internal Storage" / "Garmin" / "Activity"
    express = tmp_path / "appsupport" / "Garmin" / "Devices" / "3999123456" / "Activities"
    other = tmp_path / "media" / "ann" / "Backup" / "photos" / "activity"  # no Garmin folder: not a watch
    for folder in (usb, mtp, express, other):
        folder.mkdir(parents=True)
    found = activity_folders([tmp_path / "media" / "ann", tmp_path / "gvfs", tmp_path / "appsupport"])
    assert found == [usb, mtp, express]


def test_default_roots_are_the_documented_places(monkeypatch):
    monkeypatch.setenv("APPDATA", "C:/Users/ann/AppData/Roaming")
    names = [str(p) for p in default_roots()]
    assert names[0] == "/Volumes" and any(n.startswith("/media/") for n in names)
    assert any("/gvfs" in n for n in names) and names[-1] == "C:/Users/ann/AppData/Roaming"
    assert any(n.endswith("Library/Application Support") for n in names)


def test_copy_then_import_then_nothing_twice(roots: Path, fit_bytes, home):
    watch = roots / "media" / "GARMIN" / "GARMIN" / "ACTIVITY"
    put(watch, "Q1A00700.FIT", fit_bytes[0])
    put(watch, "Q1B00600.FIT", fit_bytes[1])
    first = cli("sources", "pull")
    assert first.exit_code == 0, first.output
    assert stored() == {hashlib.sha256(b).hexdigest() for b in fit_bytes[:2]}
    copies = sorted((home / "data" / "inbox" / "watch").iterdir())
    assert [c.read_bytes() for c in copies] == [fit_bytes[0], fit_bytes[1]]  # copied, byte for byte

    again = cli("sources", "pull")
    assert again.exit_code == 0 and "watch: nothing new" in again.stdout
    assert len(list((home / "data" / "inbox" / "watch").iterdir())) == 2

    # the same run reaches the computer through Garmin Express too: copied, but known by its hash
    put(roots / "appsupport" / "Garmin" / "Devices" / "3999" / "Activities", "2026-11-02-06-00-00.fit", fit_bytes[0])
    put(watch, "Q1C00600.FIT", fit_bytes[2])
    third = cli("sources", "pull")
    assert third.exit_code == 0 and "imported 1 new run(s); 1 already known" in third.stdout
    assert len(stored()) == 3


def test_no_watch_plugged_in_is_quiet_and_fine(roots: Path):
    result = cli("sources", "pull", "--quiet")
    assert (result.exit_code, result.output) == (0, "")
    added = cli("sources", "add", "--watch")
    assert added.exit_code == 0 and "no watch is plugged in right now" in added.stdout


def test_sources_add_watch_shows_what_it_finds(roots: Path, fit_bytes):
    mtp = roots / "gvfs" / "mtp:host=X" / "Primary" / "GARMIN" / "Activity"
    put(mtp, "A.fit", fit_bytes[0])
    result = cli("sources", "add", "--watch")
    assert result.exit_code == 0 and f"found: {mtp}" in result.stdout
    tested = cli("sources", "test", "watch")
    assert tested.exit_code == 0 and "watch: 1 new file(s) to fetch" in tested.stdout
    assert str(mtp / "A.fit") in tested.stdout
