"""``fitglute sync`` end to end against the fake Strava API on 127.0.0.1 (stravalib itself is not mocked):
the note, what a re-sync costs, rate limits, network faults, authorisation and the CLI options.

The runner's words are in ``test_sync_note.py``, matching in ``test_sync_match.py``, bounds (deadline,
length, warnings) in ``test_sync_bounds.py``, a day of cron in ``test_sync_cost.py``.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sync_kit
from fake_strava import FakeStrava, next_quarter
from filelock import FileLock
from sync_kit import (
    LIST,
    OLD,
    READ_ONLY,
    TWINS,
    A,
    B,
    add,
    block_of,
    cli,
    count_blocks,
    desc,
    gets,
    puts,
    set_config,
    since,
    sources,
    statuses,
    sync,
)

from fitglute import strava
from fitglute import sync as s
from fitglute.exporters import note_text
from fitglute.exporters import strava as strava_note
from fitglute.history.store import Store
from fitglute.model.exitcodes import ExitCode

fake, runs, two = sync_kit.fake, sync_kit.runs, sync_kit.two  # the shared fixtures, seen by pytest here


# ----------------------------------------------------------------------------------- the note
def test_first_sync_posts_one_block_per_run_and_a_resync_costs_the_list_only(two: FakeStrava, runs):
    report = sync()
    assert statuses(report) == {A: "posted", B: "posted"} and report.exit_code == 0
    assert report.imported == 2
    assert [len(puts(two, i)) for i in (A, B)] == [1, 1]

    text_a, text_b = desc(two, A), desc(two, B)
    block = block_of(text_a)
    assert text_a == "Felt good, windy.\n\n" + block  # the block is all that was added
    assert text_b == block_of(text_b)  # empty description: the block alone
    for text in (text_a, text_b):
        lines = block_of(text).splitlines()
        assert count_blocks(text) == 1 and text.endswith(note_text.END_MARKER)
        assert lines[1].startswith("GCT ") and "L/R balance" in lines[1] and note_text.DISCLAIMER in lines
    with Store() as store:  # the FIT files were analysed into history and linked to their activities
        assert Path(store.run_by_strava_id(A).source_path) == runs["a"].path
        assert Path(store.run_by_strava_id(B).source_path) == runs["b"].path

    before = len(two.calls())
    idle = sync()  # nothing new: not a single Strava request
    assert idle.outcomes == [] and idle.exit_code == 0 and len(two.calls()) == before
    assert len(idle.notes) == 1 and idle.notes[0].endswith("has its current note: Strava not asked")
    mark = len(two.calls())
    again = sync(recheck=True)  # asked to look again: the list pages, and no activity read
    assert statuses(again) == {A: "unchanged", B: "unchanged"} and again.exit_code == 0
    assert again.imported == 0
    assert since(two, mark) == [LIST, LIST]  # the page of runs and the empty page after it: nothing else
    assert [r.query["page"] for r in two.calls()[mark:]] == ["1", "2"]
    assert (desc(two, A), desc(two, B)) == (text_a, text_b)


def test_runner_text_around_the_block_is_kept_byte_for_byte(two: FakeStrava):
    assert statuses(sync()) == {A: "posted", B: "posted"}
    block = block_of(desc(two, A))
    before = "Tempo 🏃‍♀️ — «Regen», naïve ✓\r\nSplits 4'55\"/km\t \r\n\r\n"
    after = "\r\n\r\nP.S. 日本語のメモ  \t\r\n\r\n   trailing spaces   "
    two.activities[A]["description"] = before + block + after  # the runner wrote around the note

    assert statuses(sync(recheck=True))[A] == "unchanged" and len(puts(two, A)) == 1
    assert desc(two, A) == before + block + after

    set_config('[strava]\nnote_detail = "full"\n')  # a different note: now it is read and rewritten
    assert statuses(sync())[A] == "posted" and len(puts(two, A)) == 2
    new = desc(two, A)
    new_block = block_of(new)
    assert new_block != block and "min of steady running analysed" in new_block
    assert new.encode() == before.encode() + new_block.encode() + after.encode()


def test_force_rewrites_an_unchanged_note(two: FakeStrava):
    sync()
    text = desc(two, A)
    assert statuses(sync(force=(A,))) == {A: "posted", B: "unchanged"}
    assert len(puts(two)) == 3 and desc(two, A) == text
    assert statuses(sync(force_all=True)) == {A: "posted", B: "posted"} and len(puts(two)) == 5
    bad = cli("sync", "--force", "soon")
    assert bad.exit_code == 2 and "--force soon" in bad.stderr


def test_note_detail_off_removes_the_block_fitglute_wrote(two: FakeStrava):
    sync()
    assert count_blocks(desc(two, A)) == 1
    set_config('[strava]\nnote_detail = "off"\n')
    report = sync()
    assert statuses(report) == {A: "removed", B: "removed"} and report.exit_code == 0
    assert desc(two, A) == "Felt good, windy." and desc(two, B) == ""
    mark = len(two.calls())
    assert statuses(sync(recheck=True)) == {A: "unchanged", B: "unchanged"} and since(two, mark) == [LIST, LIST]
    set_config('[strava]\nnote_detail = "summary"\n')  # switched back on: fitglute removed it, not the runner
    assert statuses(sync()) == {A: "posted", B: "posted"} and count_blocks(desc(two, A)) == 1


def test_a_typo_in_the_strava_settings_is_an_error(two: FakeStrava):
    set_config('[strava]\nnote_detial = "full"\n')
    result = cli("sync")
    assert result.exit_code == 2 and "unknown key note_detial" in result.stderr and two.calls() == []


# ----------------------------------------------------------------------------------- rate limits
def test_429_mid_sync_defers_saves_state_and_the_next_run_resumes(two: FakeStrava):
    two.fail_next(429, method="GET", path=rf"/activities/{B}$")  # the second activity's read
    started = datetime.now(UTC)
    report = sync()
    assert statuses(report) == {A: "posted"} and report.exit_code == ExitCode.DEFERRED
    assert report.deferred_until in (next_quarter(started), next_quarter(datetime.now(UTC)))
    with Store() as store:
        assert datetime.fromisoformat(store.get_sync(strava_note.NOT_BEFORE_KEY)) == report.deferred_until
        assert json.loads(store.get_sync(strava_note.PENDING_KEY)) == [B]

    mark = len(two.calls())
    early = sync()  # before "not before": deferred without a single request
    assert early.exit_code == ExitCode.DEFERRED and early.outcomes == [] and len(two.calls()) == mark
    assert early.deferred_until == report.deferred_until
    preview = cli("sync", "--dry-run")  # a preview honours the deferral too: Strava would refuse it
    assert preview.exit_code == 3 and "nothing previewed" in preview.stderr and len(two.calls()) == mark
    assert "no Strava runs" not in preview.stdout

    two.set_rate(usage=(0, 0), read_usage=(0, 0))  # the 15-minute window has reset
    later = sync(now=report.deferred_until + timedelta(seconds=1))
    assert statuses(later) == {A: "unchanged", B: "posted"} and later.exit_code == 0
    assert since(two, mark) == [LIST, LIST, f"GET /api/v3/activities/{B}", f"PUT /api/v3/activities/{B}"]
    assert [len(puts(two, i)) for i in (A, B)] == [1, 1]
    assert count_blocks(desc(two, A)) == 1 and count_blocks(desc(two, B)) == 1
    with Store() as store:
        assert store.get_sync(strava_note.NOT_BEFORE_KEY) is None and store.get_sync(strava_note.PENDING_KEY) is None


def test_429_on_a_put_keeps_work_beyond_the_since_window_pending(fake: FakeStrava, runs):
    fake.login()
    add(fake, runs["old"], OLD)  # 20 days ago: only `--since 30d` lists it
    add(fake, runs["a"], A)
    sources(runs["old"], runs["a"])
    fake.fail_next(429, method="PUT", path=rf"/activities/{OLD}$")  # refused: not applied
    report = sync(since="30d")
    assert report.exit_code == 3 and report.outcomes == [] and desc(fake, OLD) is None
    with Store() as store:
        assert json.loads(store.get_sync(strava_note.PENDING_KEY)) == [A, OLD]

    fake.set_rate(usage=(0, 0), read_usage=(0, 0))
    resume = report.deferred_until + timedelta(seconds=1)
    preview = sync(now=resume, dry_run=True)  # a preview writes nothing and forgets nothing
    assert statuses(preview) == {A: "would-post", OLD: "would-post"} and len(puts(fake)) == 1
    assert sync(now=resume, no_post=True).exit_code == 0
    with Store() as store:
        assert json.loads(store.get_sync(strava_note.PENDING_KEY)) == [A, OLD]

    done = sync(now=resume)  # default --since 14d: the old activity comes from the pending list
    assert statuses(done) == {A: "posted", OLD: "posted"} and done.exit_code == 0
    assert count_blocks(desc(fake, OLD)) == 1 and len(puts(fake, OLD)) == 2  # the 429 + the real one
    with Store() as store:
        assert store.get_sync(strava_note.PENDING_KEY) is None


# ------------------------------------------------------------------------------ network faults
def test_5xx_and_timeouts_on_get_are_retried_and_the_sync_completes(two: FakeStrava, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "0.3")
    two.fail_next(503, times=2, method="GET", path="/athlete/activities")
    two.fail_next("timeout", method="GET", path=rf"/activities/{A}$", delay=0.8)
    two.fail_next(502, method="GET", path=rf"/activities/{B}$")
    report = sync()
    assert statuses(report) == {A: "posted", B: "posted"} and report.exit_code == 0
    assert len(two.calls("GET", "/athlete/activities")) == 4  # 2 failures, page 1, the empty page 2
    assert len(gets(two, A)) == 2 and len(gets(two, B)) == 2
    assert count_blocks(desc(two, A)) == 1 and count_blocks(desc(two, B)) == 1


def test_put_timeout_applied_by_strava_never_leads_to_a_second_block(two: FakeStrava, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "0.3")
    two.fail_next("timeout", method="PUT", path=rf"/activities/{A}$", delay=0.8)  # applied, answer lost
    report = sync()
    assert statuses(report) == {A: "posted", B: "posted"} and report.exit_code == 0
    assert len(puts(two, A)) == 1  # not blindly re-sent: re-read and found in place
    assert count_blocks(desc(two, A)) == 1
    again = sync(recheck=True)
    assert statuses(again) == {A: "unchanged", B: "unchanged"} and len(puts(two, A)) == 1
    assert count_blocks(desc(two, A)) == 1


def test_a_lost_answer_with_a_failed_reread_is_sorted_out_by_the_next_sync(two: FakeStrava, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "0.3")
    monkeypatch.setenv("FITGLUTE_STRAVA_MAX_ATTEMPTS", "1")
    two.fail_next("timeout", method="PUT", path=rf"/activities/{A}$", delay=0.8)  # applied, answer lost
    two.fail_next(503, method="GET", path=rf"/activities/{A}$", skip=1)  # …and the check read fails
    first = sync()
    assert statuses(first)[A] == "failed" and first.outcomes[0].retry and count_blocks(desc(two, A)) == 1
    again = sync()  # the text in flight is known as fitglute's: recognised, not doubled, not "edited"
    assert statuses(again)[A] == "unchanged" and count_blocks(desc(two, A)) == 1 and len(puts(two, A)) == 1
    assert desc(two, A).startswith("Felt good, windy.\n\n")
    calls = len(two.calls())
    assert statuses(sync()) == {} and len(two.calls()) == calls  # all current now: Strava not asked


def test_put_5xx_not_applied_fails_cleanly_and_the_next_sync_retries(two: FakeStrava):
    two.fail_next(500, method="PUT", path=rf"/activities/{A}$")
    report = sync()
    assert statuses(report) == {A: "failed", B: "posted"} and report.exit_code == 1
    assert "next sync retries" in report.outcomes[0].detail
    assert desc(two, A) == "Felt good, windy."
    assert statuses(sync()) == {A: "posted", B: "unchanged"}
    assert count_blocks(desc(two, A)) == 1 and len(puts(two, A)) == 2


def test_strava_refusing_one_write_is_told_once_and_not_repeated(two: FakeStrava):
    two.fail_next(400, method="PUT", path=rf"/activities/{A}$")
    report = sync()
    assert statuses(report) == {A: "refused", B: "posted"} and report.exit_code == 0
    assert [line for line in report.problems() if "refused" in line] and report.deferred_until is None
    mark = len(two.calls())
    again = sync()  # the same note would be refused again: not sent, not told again
    assert statuses(again) == {A: "left-alone", B: "unchanged"} and again.problems() == []
    assert since(two, mark) == [LIST, LIST]
    set_config('[strava]\nnote_detail = "full"\n')  # a new note is offered again
    assert statuses(sync()) == {A: "posted", B: "posted"} and count_blocks(desc(two, A)) == 1


def test_failed_write_of_an_activity_beyond_the_window_is_retried_from_pending(fake: FakeStrava, runs):
    fake.login()
    add(fake, runs["old"], OLD)
    sources(runs["old"])
    fake.fail_next(503, method="PUT", path=rf"/activities/{OLD}$")
    assert statuses(sync(since="30d")) == {OLD: "failed"}
    assert statuses(sync()) == {OLD: "posted"}  # default 14 days: only the pending list knows it
    assert count_blocks(desc(fake, OLD)) == 1
    assert statuses(sync()) == {}


# ------------------------------------------------------------------------------------------ auth
def test_expiring_token_is_refreshed_and_the_new_refresh_token_persisted(two: FakeStrava, home):
    old = two.login(expires_in=60)
    assert statuses(sync()) == {A: "posted", B: "posted"}
    assert two.paths()[0] == "POST /oauth/token"
    path = home / "config" / strava.TOKEN_FILENAME
    stored = json.loads(path.read_text())
    assert stored["refresh_token"] != old.refresh_token and stored["refresh_token"] in two.refresh_tokens
    assert stored["expires_at"] > time.time() + 3600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert all(r.bearer == stored["access_token"] for r in two.calls() if r.path.startswith("/api/"))


def test_revoked_token_exits_4_with_guidance_and_no_no_runs_line(two: FakeStrava):
    two.revoke()
    result = cli("sync")
    assert result.exit_code == 4, result.output
    assert "fitglute auth strava" in result.stderr and "Traceback" not in result.output
    assert "no Strava runs" not in result.stdout  # the runs were never asked for
    assert puts(two) == [] and desc(two, A) == "Felt good, windy."
    quiet = cli("sync", "--quiet")
    assert quiet.exit_code == 4 and quiet.stdout == ""
    assert len(quiet.stderr.strip().splitlines()) == 1 and "fitglute auth strava" in quiet.stderr


def test_missing_write_scope_exits_4_with_a_clear_message(two: FakeStrava):
    two.login(scope=READ_ONLY)  # the runner left "edit your activities" unticked
    result = cli("sync")
    assert result.exit_code == 4
    assert "activity:write" in result.stderr and "fitglute auth strava" in result.stderr
    assert two.calls() == []  # known from the token file: not a single request


def test_write_permission_refused_by_strava_costs_no_refresh_and_is_remembered(two: FakeStrava):
    two.login()
    for grant in [*two.access_tokens.values(), *two.refresh_tokens.values()]:
        grant.scope = READ_ONLY  # the file says full scope, Strava disagrees (e.g. a pasted bare code)
    result = cli("sync")
    assert result.exit_code == 4
    assert "missing activity:write" in result.stderr and "fitglute auth strava" in result.stderr
    assert desc(two, A) == "Felt good, windy."
    assert two.calls("POST", "/oauth/token") == [] and len(puts(two)) == 1  # a refresh cannot add a scope
    mark = len(two.calls())
    again = cli("sync")
    assert again.exit_code == 4 and "activity:write" in again.stderr and len(two.calls()) == mark


# ----------------------------------------------------------------------------------- CLI options
def test_overlapping_sync_exits_at_once_with_3(two: FakeStrava):
    with FileLock(str(s.lock_path()), timeout=0):
        started = time.monotonic()
        result = cli("sync")
        assert result.exit_code == 3 and "another fitglute sync is running" in result.stderr
        quiet = cli("sync", "--quiet")
        assert quiet.exit_code == 3 and quiet.output == ""
        assert time.monotonic() - started < 5 and two.calls() == []
    assert cli("sync", "--quiet").exit_code == 0  # the lock is free again


def test_dry_run_prints_the_block_and_writes_nothing(two: FakeStrava):
    result = cli("sync", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would-post" in result.stdout
    assert note_text.START_MARKER in result.stdout and note_text.END_MARKER in result.stdout
    assert "GCT " in result.stdout and note_text.DISCLAIMER in result.stdout
    assert puts(two) == [] and desc(two, A) == "Felt good, windy." and desc(two, B) is None
    assert statuses(sync()) == {A: "posted", B: "posted"}  # and the real sync still does it all


def test_no_post_analyses_but_reads_and_writes_nothing(two: FakeStrava):
    result = cli("sync", "--no-post")
    assert result.exit_code == 0 and result.stdout.count("not-posted") == 2
    assert puts(two) == [] and gets(two, A) == [] and desc(two, A) == "Felt good, windy."
    with Store() as store:
        assert store.run_by_strava_id(A) is not None  # matched and stored all the same


def test_quiet_prints_nothing_on_success_and_one_line_per_problem(fake: FakeStrava, runs):
    fake.login()
    add(fake, runs["a"], A)
    sources(runs["a"])
    ok = cli("sync", "--quiet")
    assert ok.exit_code == 0 and ok.stdout == "" and ok.stderr == ""

    add(fake, runs["twin1"], TWINS, offset_s=15)  # ambiguous
    add(fake, runs["b"], B)
    fake.fail_next(500, method="PUT", path=rf"/activities/{B}$")  # a failed write
    sources(runs["a"], runs["twin1"])
    bad = cli("sync", "--quiet")
    assert bad.exit_code == 1 and bad.stdout == ""
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("fitglute: activity ") for line in lines)
    assert any(f"{TWINS}" in line and "ambiguous" in line for line in lines)
    assert any(f"{B}" in line and "failed" in line for line in lines)


def test_activity_names_are_shown_literally_not_as_markup(two: FakeStrava):
    two.activities[A]["name"] = "Hills [/b] [red]x[/red]"
    result = cli("sync")
    assert result.exit_code == 0, result.output
    assert "Hills [/b] [red]x[/red]" in result.stdout


def test_since_30d_lists_further_back(fake: FakeStrava, runs):
    fake.login()
    add(fake, runs["old"], OLD)
    sources(runs["old"])
    started = datetime.now(UTC).timestamp()
    assert statuses(sync()) == {}
    assert statuses(sync(since="30d")) == {OLD: "posted"}
    ended = datetime.now(UTC).timestamp()
    first, second = (int(r.query["after"]) for r in fake.calls("GET", "/athlete/activities") if r.query["page"] == "1")
    day = 86400
    assert started - 14 * day - 1 <= first <= ended - 14 * day  # "now" is when the sync ran
    assert started - 30 * day - 1 <= second <= ended - 30 * day
    bad = cli("sync", "--since", "soon")
    assert bad.exit_code == 2 and "--since" in bad.stderr


def test_tokens_never_appear_in_output_or_the_sync_log(fake: FakeStrava, runs, home):
    fake.login(expires_in=60)  # a refresh: new tokens are issued during the sync
    add(fake, runs["a"], A)
    sources(runs["a"])
    fake.fail_next(401, method="GET", path=rf"/activities/{A}$")  # and another refresh after a 401
    texts = [cli("sync"), cli("sync", "--dry-run"), cli("sync", "--quiet")]
    fake.revoke()
    set_config('[strava]\nnote_detail = "full"\n')  # a new note: Strava is asked, and refuses
    texts.append(cli("sync"))
    assert [r.exit_code for r in texts] == [0, 0, 0, 4]

    log = (home / "state" / "sync.log").read_text()
    assert "sync done" in log and f"{A}=posted" in log and "Strava no longer accepts" in log
    haystack = "\n".join([log, *(r.stdout + r.stderr for r in texts)])
    assert len(fake.issued) >= 6
    for secret in [*fake.issued, fake.client_secret]:
        assert secret not in haystack
    path = home / "config" / strava.TOKEN_FILENAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# ------------------------------------------------------------------------------- end to end
def test_cli_story_and_a_real_overlapping_subprocess(fake: FakeStrava, runs, home, monkeypatch):
    fake.login()
    add(fake, runs["a"], A, description="Easy one.")
    add(fake, runs["b"], B)
    later = str((home / "not-yet").resolve())
    added = cli("sources", "add", str(runs["a"].path.parent), later)
    assert added.exit_code == 0 and "added anyway" in added.stderr
    listed = json.loads(cli("sources", "list", "--json").stdout)
    watch_folder = str(runs["a"].path.parent.resolve())
    assert [(r["name"], r["status"]) for r in listed] == [(watch_folder, "ok"), (later, "missing")]

    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "20")
    fake.fail_next("timeout", method="GET", path="/athlete/activities", delay=2.0)  # a slow Strava
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRAVA_", "COV_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fitglute", "sync", "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not fake.calls("GET", "/athlete/activities") and proc.poll() is None:
            assert time.monotonic() < deadline, "the subprocess never reached Strava"
            time.sleep(0.05)
        overlapping = cli("sync")  # while the subprocess holds the lock
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert overlapping.exit_code == 3 and "another fitglute sync is running" in overlapping.stderr
    assert (proc.returncode, out, err) == (0, "", "")
    assert count_blocks(desc(fake, A)) == 1 and desc(fake, A).startswith("Easy one.\n\n")

    again = cli("sync", "--recheck")
    assert again.exit_code == 0 and again.stdout.count("unchanged") == 2
    assert len(puts(fake)) == 2
    assert cli("sources", "remove", later).exit_code == 0
    assert [r["name"] for r in json.loads(cli("sources", "list", "--json").stdout)] == [watch_folder]


def test_not_connected_and_a_bad_database_are_one_line_each(fake: FakeStrava, tmp_path):
    result = cli("sync", "--quiet")
    assert result.exit_code == 4 and result.stderr.strip() == (
        "fitglute: Not connected to Strava yet: run `fitglute auth strava`."
    )
    fake.login()
    result = cli("sync", "--db", str(tmp_path))  # a folder, not a database
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "cannot open the history database" in result.stderr and not isinstance(result.exception, Exception)


def test_sync_log_follows_fitglute_home(fake: FakeStrava, runs, tmp_path, monkeypatch):
    fake.login()
    assert cli("sync", "--quiet").exit_code == 0
    other = tmp_path / "second-home"
    monkeypatch.setenv("FITGLUTE_HOME", str(other))
    fake.login()
    assert cli("sync", "--quiet").exit_code == 0
    assert "sync done" in (other / "state" / "sync.log").read_text()
