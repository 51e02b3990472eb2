"""intervals.icu as a source, against the fake intervals.icu on 127.0.0.1 (the real requests client).

Generated 15-minute runs (:mod:`fitglute_devkit.synth`) are the activities' original files; what
fitglute stores is checked against those bytes (their sha256), not against fitglute's own output.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fake_intervals import API_KEY, FakeIntervals, fake_intervals_fixture
from fitglute_devkit.synth import Scenario, write_run
from typer.testing import CliRunner

from fitglute import config
from fitglute.cli import app
from fitglute.history.store import Store
from fitglute.sources import configured
from fitglute.sources.intervals import STRAVA_STUB_NOTE, date_pages
from fitglute.sources.intervals_api import IntervalsClient, IntervalsSettings
from fitglute.sync import pull as p

NOW = datetime.now(UTC).replace(microsecond=0)
STRAVA_HINT = 12_345_678_901


def local(days: float, hour: int = 7) -> str:
    return (NOW - timedelta(days=days)).replace(hour=hour, minute=0, second=0).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.fixture(scope="module")
def fits() -> dict[str, bytes]:
    """Three runs and a ride, as a watch would have recorded them."""

    def make(days: float, seed: int, **kw) -> bytes:
        start = (NOW - timedelta(days=days)).replace(hour=7, minute=0, second=0)
        data, _ = write_run(None, Scenario(duration_s=900, start=start, seed=seed, **kw))
        return data

    return {"r1": make(5, 31), "r2": make(3, 32), "r3": make(1, 33), "ride": make(2, 34, sport="cycling")}


@pytest.fixture
def fake(monkeypatch):
    yield from fake_intervals_fixture(monkeypatch)


@pytest.fixture
def icu(fake: FakeIntervals, fits):
    """Three runs (one Strava knows), a ride, two Strava stubs, a GPX upload and a manual entry."""
    fake.add("i1001", local(5), fit=fits["r1"])
    fake.add("i1002", local(3), fit=fits["r2"], strava_id=STRAVA_HINT)
    fake.add("i1003", local(1), fit=fits["r3"])
    fake.add("i2001", local(2), kind="Ride", fit=fits["ride"])
    fake.add("i3001", local(4), source="STRAVA")
    fake.add("i3002", local(2, hour=18), source="STRAVA")
    fake.add("i4001", local(3, hour=18), file_type="gpx")
    fake.add("i5001", local(4, hour=18), file_type=None, source="UPLOAD")
    configured.add_entry(configured.Entry("intervals", "intervals"))
    return fake


def cli(*args: str, **kw):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"}, **kw)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def downloads(fake: FakeIntervals) -> list[str]:
    return [r.path.split("/")[-2] for r in fake.calls(r"/file$")]


def stored_shas() -> set[str]:
    with Store() as store:
        return {r["sha256"] for r in store.recent_runs(None)}


# ----------------------------------------------------------------------------- pull
def test_pull_downloads_only_new_runs_and_a_second_pull_downloads_nothing(icu: FakeIntervals, fits, home):
    first = cli("sources", "pull")
    assert first.exit_code == 0, first.output
    assert sorted(downloads(icu)) == ["i1001", "i1002", "i1003"]  # no ride, stub, GPX or manual entry
    assert stored_shas() == {sha(fits[k]) for k in ("r1", "r2", "r3")}
    inbox = sorted((home / "data" / "inbox" / "intervals").iterdir())
    assert [f.name for f in inbox] == ["intervals-i1001.fit.gz", "intervals-i1002.fit.gz", "intervals-i1003.fit.gz"]
    assert gzip.decompress(inbox[1].read_bytes()) == fits["r2"]  # the original, byte for byte
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in inbox)
    assert STRAVA_STUB_NOTE in first.stderr and first.stderr.count("reached intervals.icu from Strava") == 1
    assert "intervals.icu: 3 new file(s) (4 request(s))" in first.stdout

    lists_before = len(icu.calls("/activities$"))
    again = cli("sources", "pull")
    assert again.exit_code == 0, again.output
    assert len(downloads(icu)) == 3 and len(icu.calls("/activities$")) == lists_before + 1
    assert "from Strava" not in again.stderr  # said once, not on every run
    assert "intervals.icu: nothing new (1 request(s))" in again.stdout


def test_strava_id_from_intervals_links_the_stored_run(icu: FakeIntervals, fits):
    assert cli("sources", "pull").exit_code == 0
    with Store() as store:
        linked = store.run_by_strava_id(STRAVA_HINT)
        assert linked is not None and linked.sha256 == sha(fits["r2"])
        assert store.get_run(sha(fits["r1"])).strava_activity_id is None


def test_listing_pages_by_date_without_gaps_or_overlaps(icu: FakeIntervals, fits, monkeypatch):
    icu.add("i0999", local(65), fit=fits["r1"][:-2] + b"\x00\x00")  # a run two months back (damaged CRC)
    monkeypatch.setenv("FITGLUTE_INTERVALS_PAGE_DAYS", "30")
    result = cli("sources", "pull", "--since", "70d")
    pages = [(r.query["oldest"], r.query["newest"]) for r in icu.calls("/activities$")]
    assert len(pages) == 3
    for (_, end), (start, _) in zip(pages, pages[1:], strict=False):
        assert (datetime.fromisoformat(start) - datetime.fromisoformat(end)).days == 1
    assert pages[0][0] <= (NOW - timedelta(days=71)).date().isoformat()
    assert pages[-1][1] >= NOW.date().isoformat()
    assert "i0999" in downloads(icu)
    assert result.exit_code == 1 and "intervals-i0999.fit.gz" in result.stderr  # damaged file: one line, exit 1


def test_date_pages_cover_the_window_with_a_day_of_slack():
    since, until = datetime(2026, 1, 10, 12, tzinfo=UTC), datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert date_pages(since, until, 30) == [("2026-01-09", "2026-02-07"), ("2026-02-08", "2026-03-02")]


def test_wrong_key_is_exit_4_with_the_next_step_and_nothing_downloaded(icu: FakeIntervals, monkeypatch, home):
    monkeypatch.setenv("FITGLUTE_INTERVALS_API_KEY", "not-the-key")
    result = cli("sources", "pull")
    assert result.exit_code == 4
    assert "intervals.icu refused the API key (HTTP 401): run `fitglute sources add --intervals`" in result.stderr
    assert downloads(icu) == [] and "Traceback" not in result.output
    assert "not-the-key" not in result.output + (home / "state" / "sync.log").read_text()


def test_429_defers_saves_where_it_was_and_the_next_run_resumes(icu: FakeIntervals, fits):
    icu.fail_next(429, path=r"/i1002/file$", headers={"Retry-After": "120"})
    first = cli("sources", "pull")
    assert first.exit_code == 3 and "intervals.icu rate limit reached" in first.stderr
    assert stored_shas() == {sha(fits["r1"])}  # what came before the 429 is kept and imported

    waiting = cli("sources", "pull")  # within Retry-After: no request at all, still deferred
    assert waiting.exit_code == 3 and "rate limit reached earlier; resumes after" in waiting.stderr
    assert len(downloads(icu)) == 2

    report = pull_later(minutes=3)  # after Retry-After
    assert report.exit_code == 0 and sorted(downloads(icu)) == ["i1001", "i1002", "i1002", "i1003"]
    p.import_inbox_and_folders([])
    assert stored_shas() == {sha(fits[k]) for k in ("r1", "r2", "r3")}


def pull_later(minutes: float) -> p.PullReport:
    """A pull as a cron run ``minutes`` from now would make it."""
    from fitglute.sources.intervals import INTERVALS

    later = datetime.now(UTC) + timedelta(minutes=minutes)  # not NOW: the module may have loaded long ago
    with Store() as store:
        entries = configured.load_entries()
        return p.pull_sources(store, entries, {"intervals": INTERVALS}, since=later - timedelta(days=14), now=later)


def test_5xx_is_retried_and_a_persistent_outage_defers(icu: FakeIntervals):
    icu.fail_next(503, path="/activities$")
    ok = cli("sources", "pull")
    assert ok.exit_code == 0 and len(icu.calls("/activities$")) == 2 and len(downloads(icu)) == 3

    icu.fail_next(500, times=3, path="/activities$")
    down = cli("sources", "pull", "--since", "20d")
    assert down.exit_code == 3 and "intervals.icu unavailable: HTTP 500 after 3 attempt(s)" in down.stderr


def test_a_stalled_download_is_cut_off_and_retried_next_run(icu: FakeIntervals, fits, monkeypatch):
    monkeypatch.setenv("FITGLUTE_INTERVALS_READ_TIMEOUT_S", "0.5")
    icu.fail_next("stall", path=r"/i1001/file$", delay=3.0)
    stalled = cli("sources", "pull")
    assert stalled.exit_code == 3 and "download of activity i1001 broke off" in stalled.stderr
    assert stored_shas() == set() and not list((config.inbox_dir("intervals")).glob("*i1001*"))
    pull_later(minutes=6)  # the next run, after the outage pause, fetches it whole
    p.import_inbox_and_folders([])
    assert stored_shas() == {sha(fits[k]) for k in ("r1", "r2", "r3")}


def test_one_failing_source_does_not_block_the_others(icu: FakeIntervals, fits, monkeypatch, tmp_path):
    monkeypatch.setenv("FITGLUTE_INTERVALS_API_KEY", "wrong")
    watch = tmp_path / "media" / "GARMIN" / "GARMIN" / "ACTIVITY"
    watch.mkdir(parents=True)
    (watch / "A1B20700.FIT").write_bytes(fits["r3"])
    monkeypatch.setenv("FITGLUTE_WATCH_ROOTS", str(tmp_path / "media"))
    configured.add_entry(configured.Entry("watch", "watch"))
    result = cli("sources", "pull")
    assert result.exit_code == 4 and "refused the API key" in result.stderr
    assert stored_shas() == {sha(fits["r3"])}


def test_sources_test_lists_what_would_be_fetched_in_one_request(icu: FakeIntervals):
    result = cli("sources", "test", "intervals")
    assert result.exit_code == 0, result.output
    assert "intervals.icu: 3 new file(s) to fetch (1 request(s) made)" in result.stdout
    assert "passed over: 2 × came from Strava (no file)" in result.stdout and "1 × not a run" in result.stdout
    assert "1 × original is GPX, not FIT" in result.stdout and "1 × no file (manual entry)" in result.stdout
    assert downloads(icu) == [] and len(icu.requests) == 1


# ----------------------------------------------------------------------------- add, list, remove
def test_add_intervals_stores_the_key_0600_and_never_shows_it(fake: FakeIntervals, home, monkeypatch):
    configured.save_sources([str(home)])  # an existing folder stays
    result = cli("sources", "add", "--intervals")
    assert result.exit_code == 0, result.output
    key_file = config.intervals_key_path()
    assert json.loads(key_file.read_text()) == {"api_key": API_KEY}
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert API_KEY not in result.output and API_KEY not in config.sources_path().read_text()
    assert [(e.kind, e.name) for e in configured.load_entries()] == [("folder", str(home)), ("intervals", "intervals")]
    listed = cli("sources", "list", "--json")
    assert API_KEY not in listed.output
    rows = json.loads(listed.stdout)
    assert [(r["kind"], r["status"]) for r in rows] == [("folder", "ok"), ("intervals.icu", "never pulled")]

    monkeypatch.delenv("FITGLUTE_INTERVALS_API_KEY")  # cron: the stored key is enough
    assert cli("sources", "pull").exit_code == 0 and len(fake.calls("/activities$")) == 2

    removed = cli("sources", "remove", "intervals")
    assert removed.exit_code == 0 and not key_file.exists()
    assert [e.kind for e in configured.load_entries()] == ["folder"]


def test_add_intervals_asks_with_a_hidden_prompt_and_refuses_a_wrong_key(fake: FakeIntervals, monkeypatch):
    from fitglute.commands import sources

    monkeypatch.delenv("FITGLUTE_INTERVALS_API_KEY")
    piped = cli("sources", "add", "--intervals", input="x\n")
    assert piped.exit_code == 4 and "FITGLUTE_INTERVALS_API_KEY" in piped.stderr  # no terminal: no prompt

    monkeypatch.setattr(sources, "_interactive", lambda: True)
    wrong = cli("sources", "add", "--intervals", input="wrong-key\n")
    assert wrong.exit_code == 4 and "refused the API key" in wrong.output
    assert not config.intervals_key_path().exists() and configured.load_entries() == []
    right = cli("sources", "add", "--intervals", input=f"{API_KEY}\n")
    assert right.exit_code == 0 and API_KEY not in right.output  # typed, never echoed
    assert config.intervals_key_path().is_file()


def test_an_old_sources_file_of_folders_is_still_read(fake: FakeIntervals, tmp_path):
    config.sources_path().parent.mkdir(parents=True, exist_ok=True)
    config.sources_path().write_text(json.dumps([str(tmp_path)]))
    assert configured.load_sources() == [str(tmp_path)]
    assert cli("sources", "add", "--intervals").exit_code == 0
    data = json.loads(config.sources_path().read_text())
    assert data == {"sources": [{"kind": "folder", "name": str(tmp_path)}, {"kind": "intervals", "name": "intervals"}]}


def test_a_damaged_sources_file_is_one_line(fake: FakeIntervals):
    config.sources_path().parent.mkdir(parents=True, exist_ok=True)
    config.sources_path().write_text("{not json")
    result = cli("sources", "list")
    assert result.exit_code == 2 and "sources.json: not a fitglute sources file" in result.stderr


def test_garmin_without_its_plugin_says_what_to_install():
    result = cli("sources", "add", "--garmin")
    assert result.exit_code == 2 and "fitglute-garmin plugin" in result.stderr


# ----------------------------------------------------------------------------- the client
def test_requests_are_paced_without_waiting_in_the_test(fake: FakeIntervals):
    """Two requests in a row wait min_interval_s between them (a fake clock: nothing sleeps)."""
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(round(s, 3))
        now[0] += s

    settings = IntervalsSettings(base_url=fake.base_url, min_interval_s=0.15, retry_backoff_s=0.0)
    client = IntervalsClient(settings, API_KEY, sleep=sleep, clock=lambda: now[0])
    client.activities("2026-01-01", "2026-01-31")
    now[0] += 0.05  # the first answer took 50 ms
    client.activities("2026-02-01", "2026-02-28")
    assert slept == [0.1] and len(fake.requests) == 2
    assert API_KEY not in repr(client)


def test_the_key_never_reaches_the_log(icu: FakeIntervals, home, monkeypatch):
    monkeypatch.setenv("FITGLUTE_INTERVALS_API_KEY", API_KEY)
    cli("sources", "pull")
    icu.fail_next(500, times=3)
    cli("sources", "pull", "--since", "30d")
    text = (home / "state" / "sync.log").read_text()
    assert "intervals" in text and API_KEY not in text
    assert API_KEY not in os.environ.get("FITGLUTE_INTERVALS_BASE_URL", "")


def test_inbox_names_are_safe_and_never_clobber_another_file(home):
    from fitglute.sources import Item

    item = Item("../../etc/x", "../../etc/passwd")
    assert p.inbox_files("intervals", item, b"\x0e\x10")[0][0] == "etc_passwd.fit"
    first = p._write("watch", "A.fit", b"one")
    second = p._write("watch", "A.fit", b"two")
    again = p._write("watch", "A.fit", b"one")
    assert (first.name, second.name, again.name) == ("A.fit", "A-2.fit", "A.fit")
    assert Path(first).read_bytes() == b"one" and Path(second).read_bytes() == b"two"


def test_a_source_whose_plugin_is_missing_is_said_not_skipped_silently(fake: FakeIntervals):
    configured.add_entry(configured.Entry("garmin", "garmin"))
    result = cli("sources", "pull")
    assert result.exit_code == 1
    assert "garmin: no installed plugin provides this source (garmin)" in result.stderr
    rows = json.loads(cli("sources", "list", "--json").stdout)
    assert rows[0]["status"] == "plugin not installed"


def test_an_item_that_keeps_failing_is_passed_over_after_three_pulls(icu: FakeIntervals, fits):
    del icu.files["i1003"]  # listed with a FIT original, but intervals.icu answers 404
    for _ in range(3):
        result = cli("sources", "pull")
        assert result.exit_code == 1 and "intervals.icu has no such file (HTTP 404)" in result.stderr
    assert "passed over from now on" in result.stderr and downloads(icu).count("i1003") == 3
    assert cli("sources", "pull").exit_code == 0 and downloads(icu).count("i1003") == 3


def test_sync_pulls_first_and_no_pull_skips_it(icu: FakeIntervals, fits):
    from fitglute import sync as s

    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[exporters.strava-note]\nenabled = false\n")  # the pull alone, no Strava here
    skipped = s.run_sync(s.SyncOptions(workers=1, pull=False))
    assert icu.requests == [] and skipped.imported == 0 and skipped.exit_code == 0
    pulled = s.run_sync(s.SyncOptions(workers=1))
    assert pulled.imported == 3 and pulled.pulled.pulled == 3 and pulled.exit_code == 0
    assert [x.name for x in pulled.pulled.sources] == ["intervals"] and pulled.pulled.sources[0].requests == 4
