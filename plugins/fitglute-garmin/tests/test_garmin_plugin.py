"""fitglute-garmin against a fake Garmin Connect on 127.0.0.1, garminconnect unmodified.

A fake token is written where ``fitglute auth garmin`` would store it; garminconnect's login is
never exercised (the fake answers any login page with a 500 and the tests assert none was asked).
Runs in the Python 3.12 venv of ``.ci/run``; elsewhere it skips (garminconnect needs 3.12).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

pytest.importorskip("garminconnect", reason="fitglute-garmin needs garminconnect (Python 3.12); see .ci/run")
pytest.importorskip("fitglute_garmin", reason="fitglute-garmin is not installed in this venv")

from fake_garmin_connect import LIST, FakeGarmin  # noqa: E402
from fitglute_devkit.synth import Scenario, write_run  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def server():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "fitglute-home"
    (path / "config").mkdir(parents=True)
    monkeypatch.setenv("FITGLUTE_HOME", str(path))
    monkeypatch.setenv("FITGLUTE_PLUGINS", "garmin")
    return path


@pytest.fixture
def fake(server, home, monkeypatch):
    server.clear()
    fake = FakeGarmin(server)
    monkeypatch.setenv("FITGLUTE_GARMIN_BASE_URL", fake.base_url)
    monkeypatch.setenv("FITGLUTE_GARMIN_MIN_INTERVAL_S", "0")
    monkeypatch.setenv("FITGLUTE_GARMIN_RETRY_ATTEMPTS", "0")
    yield fake
    server.clear()


@pytest.fixture(scope="module")
def fits() -> dict[str, bytes]:
    out = {}
    for key, days, seed, sport in (("r1", 3, 71, "running"), ("r2", 1, 72, "running"), ("ride", 2, 73, "cycling")):
        start = (NOW - timedelta(days=days)).replace(hour=7, minute=0, second=0)
        out[key] = write_run(None, Scenario(duration_s=900, start=start, seed=seed, sport=sport))[0]
    return out


def gmt(days: int) -> str:
    return (NOW - timedelta(days=days)).replace(hour=7, minute=0, second=0).strftime("%Y-%m-%d %H:%M:%S")


def store_tokens(home, tokens: dict[str, str]) -> None:
    path = home / "config" / "garmin_tokens.json"
    path.write_text(json.dumps(tokens))
    path.chmod(0o600)


def fitglute(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "fitglute", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def add_source(home) -> None:
    (home / "config" / "sources.json").write_text(json.dumps({"sources": [{"kind": "garmin", "name": "garmin"}]}))


def no_login_pages(fake: FakeGarmin) -> bool:
    return not any(p.startswith(("/sso", "/mobile", "/app", "/portal", "/signin")) for p in fake.paths())


def test_pull_downloads_each_new_run_once_through_unmodified_garminconnect(fake: FakeGarmin, home, fits):
    fake.add(1001, gmt(3), fits["r1"])
    fake.add(1002, gmt(1), fits["r2"])
    fake.add(2001, gmt(2), fits["ride"], kind="cycling")
    store_tokens(home, fake.tokens())
    add_source(home)

    first = fitglute("sources", "pull")
    assert first.returncode == 0, first.stderr
    downloads = sorted(p for p in fake.paths() if p.startswith("/download-service"))
    assert downloads == ["/download-service/files/activity/1001", "/download-service/files/activity/1002"]
    inbox = home / "data" / "inbox" / "garmin"
    assert sorted(p.name for p in inbox.iterdir()) == ["1001_ACTIVITY.fit", "1002_ACTIVITY.fit"]
    assert (inbox / "1002_ACTIVITY.fit").read_bytes() == fits["r2"]  # unzipped, byte for byte
    assert "imported 2 new run(s)" in first.stdout and "Garmin Connect: 2 new file(s)" in first.stdout

    before = len(fake.requests)
    again = fitglute("sources", "pull", "--quiet")
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert not any(p.startswith("/download-service") for p in fake.paths()[before:])
    assert no_login_pages(fake)

    from fitglute.history.store import Store

    with Store() as store:
        assert {r["sha256"] for r in store.recent_runs(None)} == {hashlib.sha256(fits[k]).hexdigest()
                                                                 for k in ("r1", "r2")}


def test_an_expiring_token_refreshes_itself_and_is_stored_0600(fake: FakeGarmin, home, fits):
    fake.add(1001, gmt(3), fits["r1"])
    store_tokens(home, fake.tokens(expires_in=60))  # within garminconnect's 15-minute margin
    add_source(home)
    result = fitglute("sources", "pull")
    assert result.returncode == 0, result.stderr
    assert fake.paths().count("/di-oauth2-service/oauth/token") == 1
    path = home / "config" / "garmin_tokens.json"
    saved = json.loads(path.read_text())
    assert saved["di_refresh_token"] == "refresh-2" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert saved["di_token"] not in result.stdout + result.stderr and no_login_pages(fake)


def test_an_expired_login_is_exit_4_in_one_line_and_never_a_password_login(fake: FakeGarmin, home, fits):
    fake.add(1001, gmt(3), fits["r1"])
    store_tokens(home, {"di_token": "revoked", "di_refresh_token": "revoked", "di_client_id": "X"})
    add_source(home)
    result = fitglute("sources", "pull")
    assert result.returncode == 4
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "fitglute: Garmin Connect: the Garmin Connect login has expired or was refused; log in again: "
        "run `fitglute auth garmin`"
    ]
    assert "revoked" not in result.stdout + result.stderr and no_login_pages(fake)


def test_not_logged_in_needs_no_request(fake: FakeGarmin, home):
    add_source(home)
    result = fitglute("sources", "pull")
    assert result.returncode == 4 and "not logged in to Garmin Connect: run `fitglute auth garmin`" in result.stderr
    assert fake.requests == []


def test_a_429_defers_the_source(fake: FakeGarmin, home, fits):
    fake.add(1001, gmt(3), fits["r1"])
    store_tokens(home, fake.tokens())
    add_source(home)
    fake.throttle = 1
    result = fitglute("sources", "pull")
    assert result.returncode == 3 and "Garmin Connect rate limit reached" in result.stderr
    later = fitglute("sources", "pull")  # within the pause: no request
    assert later.returncode == 3 and "resumes after" in later.stderr and len(fake.requests) == 1


def test_sources_test_lists_without_downloading(fake: FakeGarmin, home, fits):
    for i in range(23):  # more than one of garminconnect's 20-activity pages
        fake.add(3000 + i, gmt(1 + i % 10), fits["r1"])
    store_tokens(home, fake.tokens())
    add_source(home)
    result = fitglute("sources", "test", "garmin")
    assert result.returncode == 0, result.stderr
    assert "Garmin Connect: 23 new file(s) to fetch (3 request(s) made)" in result.stdout
    assert [p for p in fake.paths()] == [LIST] * 3


def test_auth_garmin_is_there_and_refuses_without_a_terminal(fake: FakeGarmin, home):
    listed = fitglute("plugins", "--json")
    garmin = next(p for p in json.loads(listed.stdout)["plugins"] if p["name"] == "garmin")
    assert garmin["sources"] == ["garmin"] and garmin["commands"] == ["auth"]
    result = subprocess.run([sys.executable, "-m", "fitglute", "auth", "garmin"], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, env=dict(os.environ), timeout=120)
    assert result.returncode == 4 and "needs a terminal" in result.stderr and fake.requests == []


def test_a_zip_is_unpacked_by_fitglute(tmp_path):
    from fitglute.api import Item
    from fitglute.sync.pull import inbox_files

    buf = tmp_path / "a.zip"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("77_ACTIVITY.fit", b"fitbytes")
    assert inbox_files("garmin", Item("77", "77_ACTIVITY"), buf.read_bytes()) == [("77_ACTIVITY.fit", b"fitbytes")]
