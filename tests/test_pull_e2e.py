"""The hands-off story as real ``fitglute`` processes, from an empty FITGLUTE_HOME:

``sources add --intervals`` → ``auth strava`` (the browser's part played by following the fake's
redirect) → ``sync`` posts one note per new run → a second ``sync --quiet`` (what cron runs)
downloads nothing, writes nothing, prints nothing and asks Strava nothing.
Both services are fakes on 127.0.0.1 (stravalib and requests unmodified).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import requests
from fake_intervals import FakeIntervals, fake_intervals_fixture
from fake_strava import FakeStrava, fake_strava_fixture
from fitglute_devkit.synth import Scenario, write_run

from fitglute.exporters import note_text
from fitglute.history.store import Store

NOW = datetime.now(UTC).replace(microsecond=0)
A, B = 9_001, 9_002


@pytest.fixture
def strava(monkeypatch, home):
    yield from fake_strava_fixture(monkeypatch, home)


@pytest.fixture
def icu(monkeypatch):
    yield from fake_intervals_fixture(monkeypatch)


def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("STRAVA_", "COV_"))}
    full.pop("FITGLUTE_INTERVALS_API_KEY", None)  # cron has only what fitglute stored
    full.update(env)
    return subprocess.run([sys.executable, "-m", "fitglute", *args], input=stdin, capture_output=True, text=True,
                          env=full, timeout=300)


def auth_strava(strava: FakeStrava) -> subprocess.CompletedProcess:
    """``auth strava --no-browser``: open the printed address as a browser would, paste where it lands."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRAVA_", "COV_"))}
    proc = subprocess.Popen([sys.executable, "-m", "fitglute", "auth", "strava", "--no-browser"], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**env, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None and proc.stdin is not None
    url = ""
    while "/oauth/authorize?" not in url:
        url = proc.stdout.readline()
        assert url, proc.stderr.read() if proc.stderr else "auth strava ended early"
    landed = requests.get(url.strip(), allow_redirects=False, timeout=10).headers["Location"]
    out, err = proc.communicate(landed + "\n", timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_hands_off_story(strava: FakeStrava, icu: FakeIntervals, home, capsys):
    runs = {}
    for key, days, seed in (("r1", 3, 51), ("r2", 1, 52)):
        start = (NOW - timedelta(days=days)).replace(hour=7, minute=0, second=0)
        data, truth = write_run(None, Scenario(duration_s=900, start=start, seed=seed, balance_left_pct=53))
        runs[key] = (data, truth, start)
    icu.add("i1", runs["r1"][2].strftime("%Y-%m-%dT%H:%M:%S"), fit=runs["r1"][0])
    icu.add("i2", runs["r2"][2].strftime("%Y-%m-%dT%H:%M:%S"), fit=runs["r2"][0], strava_id=B)
    icu.add("i3", (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S"), kind="Ride", fit=runs["r1"][0])
    icu.add("i4", (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S"), source="STRAVA")
    for aid, key in ((A, "r1"), (B, "r2")):
        _, truth, start = runs[key]
        strava.add_activity(aid, start=start + timedelta(seconds=20), elapsed_s=truth.elapsed_s,
                            moving_s=truth.duration_s, distance_m=round(truth.distance_m, 1), external_id=None)

    added = run("sources", "add", "--intervals", FITGLUTE_INTERVALS_API_KEY=icu.key)
    assert added.returncode == 0, added.stderr
    assert icu.key not in added.stdout + added.stderr
    connected = auth_strava(strava)
    assert connected.returncode == 0 and "Connected to Strava as Ann Runner" in connected.stdout, connected.stderr

    icu_before, strava_before = len(icu.requests), len(strava.requests)
    first = run("sync")
    assert first.returncode == 0, first.stderr
    icu_first, strava_first = icu.requests[icu_before:], strava.requests[strava_before:]
    downloaded = sorted(r.path for r in icu_first if r.path.endswith("/file"))
    assert downloaded == ["/api/v1/activity/i1/file", "/api/v1/activity/i2/file"]  # no ride, no stub
    puts = [r.path for r in strava_first if r.method == "PUT"]
    assert sorted(puts) == [f"/api/v3/activities/{A}", f"/api/v3/activities/{B}"]
    for aid in (A, B):
        lines = strava.activities[aid]["description"].splitlines()
        assert lines.count(note_text.START_MARKER) == 1 and lines.count(note_text.END_MARKER) == 1
    with Store() as store:
        assert {r["sha256"] for r in store.recent_runs(None)} == {
            hashlib.sha256(runs[k][0]).hexdigest() for k in runs}
        assert store.run_by_strava_id(B).sha256 == hashlib.sha256(runs["r2"][0]).hexdigest()  # the hint, used
    assert "intervals.icu: 2 new file(s) (3 request(s))" in first.stdout
    assert first.stderr.count("reached intervals.icu from Strava") == 1

    inbox = sorted(p.name for p in (home / "data" / "inbox" / "intervals").iterdir())
    icu_mid, strava_mid = len(icu.requests), len(strava.requests)
    second = run("sync", "--quiet")
    assert (second.returncode, second.stdout, second.stderr) == (0, "", "")
    icu_second, strava_second = icu.requests[icu_mid:], strava.requests[strava_mid:]
    assert [r.path for r in icu_second] == ["/api/v1/athlete/0/activities"]  # one list, no download
    assert strava_second == []  # nothing new: Strava is not asked at all
    assert sorted(p.name for p in (home / "data" / "inbox" / "intervals").iterdir()) == inbox

    with capsys.disabled():
        print(
            f"\n[hands-off story] first sync: intervals.icu {len(icu_first)} requests "
            f"({len(downloaded)} downloads), Strava {len(strava_first)} requests ({len(puts)} notes written); "
            f"second sync: intervals.icu {len(icu_second)} request(s), Strava {len(strava_second)}, notes 0"
        )
