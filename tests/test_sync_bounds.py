"""Everything a sync does is bounded, against the fake Strava: an overall deadline a trickling server
cannot stretch, a description too long for Strava told once, a read budget per sync, listings that
page on past a short page, and library warnings kept in the log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import sync_kit
from fake_strava import FakeStrava
from filelock import FileLock
from sync_kit import (
    LIST,
    A,
    B,
    add,
    cli,
    count_blocks,
    days_ago,
    desc,
    puts,
    set_config,
    since,
    sources,
    statuses,
    sync,
)

from fitglute import strava
from fitglute import sync as s
from fitglute.exporters import strava as strava_note
from fitglute.history.store import Store
from fitglute.model.exitcodes import ExitCode

fake, runs, two = sync_kit.fake, sync_kit.runs, sync_kit.two  # the shared fixtures, seen by pytest here


# ------------------------------------------------------------------------------- the deadline
def test_a_trickling_server_cannot_hold_a_sync_past_its_deadline(two: FakeStrava, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "5")  # every byte arrives well within it
    sync(no_post=True)  # the files are in history: the sync below spends its time on Strava
    set_config("[sync]\ndeadline_s = 2\n")
    two.fail_next("trickle", method="GET", path=rf"/activities/{A}$", delay=0.25)  # ~1 byte per 0.25 s
    started = time.monotonic()
    result = cli("sync", "--quiet")
    took = time.monotonic() - started
    assert result.exit_code == ExitCode.DEFERRED, result.output
    assert "time limit (2 s)" in result.stderr and "the next run goes on" in result.stderr
    assert took < 15  # the trickle alone would take minutes
    with Store() as store:
        assert json.loads(store.get_sync(strava_note.PENDING_KEY)) == [A, B]  # its place is saved
    with FileLock(str(s.lock_path()), timeout=0):
        pass  # and the lock is free
    set_config("")
    assert statuses(sync()) == {A: "posted", B: "posted"}  # the next run finishes the work
    assert count_blocks(desc(two, A)) == 1


def test_a_stalled_server_is_cut_off_at_the_deadline_not_at_the_read_timeout(two: FakeStrava, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "30")
    sync(no_post=True)
    two.fail_next("timeout", method="GET", path="/athlete/activities", delay=20)  # no byte for 20 s
    started = time.monotonic()
    report = s.run_sync(s.SyncOptions(workers=1, deadline_s=2))
    assert report.exit_code == ExitCode.DEFERRED and "time limit" in report.stopped
    assert time.monotonic() - started < 10 and report.outcomes == []


def test_a_write_cut_off_by_the_deadline_is_recognised_by_the_next_sync(two: FakeStrava, monkeypatch):
    """The PUT reaches Strava, then its answer trickles past the deadline: no second note."""
    two.fail_next("trickle", method="PUT", path=rf"/activities/{A}$", delay=0.25)
    report = s.run_sync(s.SyncOptions(workers=1, deadline_s=2))
    assert report.exit_code == ExitCode.DEFERRED and report.stopped
    assert count_blocks(desc(two, A)) == 1  # it did land on Strava
    again = sync()
    assert statuses(again) == {A: "unchanged", B: "posted"} and count_blocks(desc(two, A)) == 1
    assert len(puts(two, A)) == 1


def test_the_deadline_is_a_checked_setting():
    set_config("[sync]\ndeadline_s = -1\n")
    with pytest.raises(Exception, match="deadline_s"):
        s.deadline_s()
    set_config("[sync]\ndeadlin_s = 5\n")
    with pytest.raises(Exception, match="unknown key deadlin_s"):
        s.deadline_s()


# ------------------------------------------------------------------------------- length limit
def test_a_description_too_long_to_send_is_told_once_and_left_alone(two: FakeStrava):
    long_text = "My training diary. " * 3200  # ~61,000 characters: with the note over 60,000
    two.activities[A]["description"] = long_text
    report = sync()
    assert statuses(report) == {A: "too-long", B: "posted"} and report.exit_code == 0
    (line,) = report.problems()
    assert f"activity {A}" in line and "characters" in line and "left as it is" in line
    assert desc(two, A) == long_text and puts(two, A) == []
    mark = len(two.calls())
    assert sync().problems() == [] and since(two, mark) == [LIST, LIST]  # not read, not sent, not told again


def test_strava_refusing_a_long_description_is_told_once(two: FakeStrava):
    two.description_limit = 400
    two.activities[A]["description"] = "x" * 300
    report = sync()
    assert statuses(report)[A] == "refused" and desc(two, A) == "x" * 300
    puts_before = len(puts(two, A))
    assert sync().problems() == [] and len(puts(two, A)) == puts_before


def test_strava_cutting_a_description_gets_the_runners_text_back(two: FakeStrava):
    two.description_limit, two.truncate_descriptions = 400, True
    mine = "y" * 350
    two.activities[A]["description"] = mine
    report = sync()
    assert statuses(report)[A] == "too-long" and "put back" in report.outcomes[0].detail
    assert desc(two, A) == mine  # the runner's words, whole again
    mark = len(two.calls())
    assert statuses(sync())[A] == "left-alone" and since(two, mark) == [LIST, LIST]


# ------------------------------------------------------------------------------ read budget
def test_one_sync_reads_at_most_its_budget_and_the_next_goes_on(two: FakeStrava):
    set_config("[strava]\nmax_reads_per_sync = 1\n")
    first = sync()
    assert statuses(first) == {A: "posted"} and first.exit_code == ExitCode.DEFERRED
    assert "read 1 activities" in first.stopped
    second = sync()
    assert statuses(second) == {A: "unchanged", B: "posted"} and second.exit_code == 0


# ---------------------------------------------------------------------------------- paging
def test_listing_pages_on_past_a_short_page(fake: FakeStrava):
    fake.login()
    for i in range(230):
        fake.add_activity(5000 + i, start=days_ago(10) + i * (days_ago(0) - days_ago(10)) / 240)
    fake.page_cap = 150  # Strava handed back a short first page although more follow
    listed = strava.list_recent_runs(strava.get_client(), days_ago(12))
    pages = [int(r.query["page"]) for r in fake.calls("GET", "/athlete/activities")]
    assert pages == [1, 2, 3] and len(listed) == 150 + 30  # stravalib would have stopped after page 1


def test_listing_is_bounded(fake: FakeStrava, monkeypatch):
    from fitglute.strava import activities

    fake.login()
    fake.add_activity(1, start=days_ago(1))
    monkeypatch.setattr(activities, "PER_PAGE", 1)
    monkeypatch.setattr(activities, "MAX_PAGES", 3)
    for i in range(2, 8):
        fake.add_activity(i, start=days_ago(1) + (days_ago(0) - days_ago(1)) * i / 10)
    assert len(strava.list_recent_runs(strava.get_client(), days_ago(2))) == 3
    assert len(fake.calls("GET", "/athlete/activities")) == 3


# ------------------------------------------------------------------------ library warnings
def test_quiet_keeps_library_warnings_in_the_log(fake: FakeStrava, runs, home):
    """stravalib warns about a sport type it does not know; cron must not mail it every run."""
    fake.login()
    add(fake, runs["old"], 103, sport_type="Rucking")  # not a run type fitglute annotates
    add(fake, runs["a"], A)
    sources(runs["a"])
    with Store() as store:  # left over from a stopped run: fetched by id, through stravalib's models
        store.set_sync(strava_note.PENDING_KEY, json.dumps([103]))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRAVA_", "COV_"))}
    done = subprocess.run([sys.executable, "-m", "fitglute", "sync", "--quiet"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    log = (home / "state" / "sync.log").read_text()
    assert "Unexpected sport type" in log and "Rucking" in log
