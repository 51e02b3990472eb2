"""``fitglute sync`` end to end against the fake Strava API on 127.0.0.1 (stravalib itself is not mocked).

Short generated runs (15 min, :mod:`fitglute_devkit.synth`) are written once per module; every test has its own
``FITGLUTE_HOME`` (conftest), so it imports them into a fresh history and a fresh token file.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fake_strava import FakeStrava, fake_strava_fixture, next_quarter
from filelock import FileLock
from fitglute_devkit.synth import Scenario, Truth, write_run
from typer.testing import CliRunner

from fitglute import config, strava
from fitglute import sync as s
from fitglute.cli import app
from fitglute.exporters import note_merge, note_text
from fitglute.exporters import strava as strava_note
from fitglute.history.store import Store
from fitglute.model.exitcodes import ExitCode
from fitglute.sources import configured

NOW = datetime.now(UTC).replace(microsecond=0)
GARMIN_ID = 14234567890
EXPORT_ID = 11223344556
A, B, OLD, GARMIN, EXPORT, TWINS, NOFIT = 101, 102, 103, GARMIN_ID, EXPORT_ID, 106, 107
READ_ONLY = "read,activity:read_all"


def days_ago(n: int, hour: int = 6, minute: int = 30) -> datetime:
    return (NOW - timedelta(days=n)).replace(hour=hour, minute=minute, second=0)


@dataclass(frozen=True)
class Gen:
    path: Path
    start: datetime
    truth: Truth


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Gen]:
    """Seven short runs in folders shaped like a watch folder, a Garmin export and a Strava export."""
    root = tmp_path_factory.mktemp("fit")

    def make(rel: str, start: datetime, seed: int) -> Gen:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data, truth = write_run(None, Scenario(duration_s=900, start=start, seed=seed, balance_left_pct=53))
        path.write_bytes(gzip.compress(data) if rel.endswith(".gz") else data)
        return Gen(path, start, truth)

    out = {
        "a": make("watch/a.fit", days_ago(3), 1),
        "b": make("watch/b.fit", days_ago(2), 2),
        "old": make("old/old.fit", days_ago(20), 3),
        "garmin": make(f"garmin/{GARMIN_ID}_ACTIVITY.fit", days_ago(4), 4),
        "decoy": make("decoy/2026-decoy.fit", days_ago(4) + timedelta(minutes=10), 5),
        "export": make(f"export/activities/{EXPORT_ID}.fit.gz", days_ago(5), 6),
        "twin1": make("twins/t1.fit", days_ago(6, hour=18), 7),
        "twin2": make("twins/t2.fit", days_ago(6, hour=18) + timedelta(seconds=30), 8),
    }
    # A Strava bulk export's activities.csv: repeated column names, a manual entry without a file.
    with (root / "export" / "activities.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Activity ID",
                "Activity Date",
                "Activity Name",
                "Activity Type",
                "Activity Description",
                "Elapsed Time",
                "Distance",
                "Filename",
                "Elapsed Time",
                "Moving Time",
                "Distance",
            ]
        )
        w.writerow(
            [
                EXPORT_ID,
                "May 1, 2026, 6:30:00 AM",
                "Export run",
                "Run",
                "",
                "900",
                "2.70",
                f"activities/{EXPORT_ID}.fit.gz",
                "900",
                "900",
                "2700.0",
            ]
        )
        w.writerow(
            [
                99887766,
                "May 2, 2026, 7:00:00 AM",
                "Treadmill (manual)",
                "Run",
                "",
                "1800",
                "5.0",
                "",
                "1800",
                "1800",
                "5000.0",
            ]
        )
    (root / "export" / "activities" / "99.gpx").write_text("<gpx/>")  # not a FIT file: ignored
    return out


@pytest.fixture
def fake(monkeypatch, home):
    yield from fake_strava_fixture(monkeypatch, home)


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


def count_blocks(text: str | None) -> int:
    lines = (text or "").splitlines()
    assert lines.count(note_text.START_MARKER) == lines.count(note_text.END_MARKER)
    return lines.count(note_text.START_MARKER)


def set_config(text: str) -> None:
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def cli(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


@pytest.fixture
def two(fake: FakeStrava, runs):
    """Logged in; the watch folder (runs a and b) is the source; two matching activities on Strava."""
    fake.login()
    add(fake, runs["a"], A, description="Felt good, windy.")
    add(fake, runs["b"], B)
    sources(runs["a"])
    return fake


# ----------------------------------------------------------------------------------- the note
def test_first_sync_posts_one_block_per_run_and_second_sync_makes_no_put(two: FakeStrava, runs):
    report = sync()
    assert statuses(report) == {A: "posted", B: "posted"} and report.exit_code == 0
    assert report.imported == 2
    assert [len(puts(two, i)) for i in (A, B)] == [1, 1]

    text_a, text_b = desc(two, A), desc(two, B)
    assert text_a.startswith("Felt good, windy.\n\n" + note_text.START_MARKER + "\n")
    block = note_merge.extract_note(text_a)
    assert text_a == "Felt good, windy.\n\n" + block  # the block is all that was added
    assert text_b == note_merge.extract_note(text_b)  # empty description: the block alone
    for text in (text_a, text_b):
        lines = text.splitlines()
        assert count_blocks(text) == 1 and lines[-1] == note_text.END_MARKER
        inside = lines[lines.index(note_text.START_MARKER) + 1 : -1]
        assert inside[0].startswith("GCT ") and "L/R balance" in inside[0] and note_text.DISCLAIMER in inside
    with Store() as store:  # the FIT files were analysed into history and linked to their activities
        assert Path(store.run_by_strava_id(A).source_path) == runs["a"].path
        assert Path(store.run_by_strava_id(B).source_path) == runs["b"].path

    before = len(two.calls())
    idle = sync()  # nothing new: not a single Strava request
    assert idle.outcomes == [] and idle.exit_code == 0 and len(two.calls()) == before
    assert len(idle.notes) == 1 and idle.notes[0].endswith("has its current note: Strava not asked")
    again = sync(recheck=True)
    assert statuses(again) == {A: "unchanged", B: "unchanged"} and again.exit_code == 0
    assert again.imported == 0 and len(puts(two)) == 2  # no new PUT
    assert [f"{r.method} {r.path}" for r in two.calls()[before:]] == [
        "GET /api/v3/athlete/activities",
        f"GET /api/v3/activities/{A}",
        f"GET /api/v3/activities/{B}",
    ]
    assert (desc(two, A), desc(two, B)) == (text_a, text_b)


def test_runner_text_around_the_block_is_kept_byte_for_byte(two: FakeStrava):
    assert statuses(sync()) == {A: "posted", B: "posted"}
    block = note_merge.extract_note(desc(two, A))
    before = "Tempo 🏃‍♀️ — «Regen», naïve ✓\r\nSplits 4'55\"/km\t \r\n\r\n"
    after = "\r\n\r\nP.S. 日本語のメモ  \t\r\n\r\n   trailing spaces   "
    two.activities[A]["description"] = before + block + after

    assert statuses(sync(recheck=True))[A] == "unchanged" and len(puts(two, A)) == 1
    assert desc(two, A) == before + block + after

    set_config('[strava]\nnote_detail = "full"\n')  # a different block: now it must be rewritten
    assert statuses(sync())[A] == "posted" and len(puts(two, A)) == 2
    new = desc(two, A)
    new_block = note_merge.extract_note(new)
    assert new_block != block and new == before + new_block + after
    assert new.encode() == before.encode() + new_block.encode() + after.encode()


def test_block_edited_by_hand_is_replaced_in_place(two: FakeStrava):
    sync()
    original = desc(two, A)
    block = note_merge.extract_note(original)
    lines = block.splitlines()
    lines[1] = "GCT 999 ms (edited by me)"
    lines.insert(-1, "my own line inside the block")
    two.activities[A]["description"] = original.replace(block, "\n".join(lines)) + "\n\nAdded after."

    report = sync(recheck=True)
    assert statuses(report)[A] == "posted" and statuses(report)[B] == "unchanged"
    assert desc(two, A) == original + "\n\nAdded after."
    assert count_blocks(desc(two, A)) == 1


def test_force_rewrites_an_unchanged_note(two: FakeStrava):
    sync()
    text = desc(two, A)
    assert statuses(sync(force=True)) == {A: "posted", B: "posted"}
    assert len(puts(two)) == 4 and desc(two, A) == text


def test_note_detail_off_removes_an_existing_block(two: FakeStrava):
    sync()
    assert count_blocks(desc(two, A)) == 1
    set_config('[strava]\nnote_detail = "off"\n')
    report = sync()
    assert statuses(report) == {A: "removed", B: "removed"} and report.exit_code == 0
    assert desc(two, A) == "Felt good, windy." and desc(two, B) == ""
    assert statuses(sync(recheck=True)) == {A: "unchanged", B: "unchanged"} and len(puts(two)) == 4


# ----------------------------------------------------------------------------------- rate limits
def test_429_mid_sync_defers_saves_state_and_the_next_run_resumes(two: FakeStrava):
    two.fail_next(429, method="GET", path=rf"/activities/{B}$")  # the second activity's GET
    started = datetime.now(UTC)
    report = sync()
    assert statuses(report) == {A: "posted"} and report.exit_code == ExitCode.DEFERRED
    assert report.deferred_until in (next_quarter(started), next_quarter(datetime.now(UTC)))
    with Store() as store:
        assert datetime.fromisoformat(store.get_sync(strava_note.NOT_BEFORE_KEY)) == report.deferred_until
        assert json.loads(store.get_sync(strava_note.PENDING_KEY)) == [B]

    seen = len(two.calls())
    early = sync()  # before "not before": deferred without a single request
    assert early.exit_code == ExitCode.DEFERRED and early.outcomes == [] and len(two.calls()) == seen
    assert early.deferred_until == report.deferred_until

    two.set_rate(usage=(0, 0), read_usage=(0, 0))  # the 15-minute window has reset
    later = sync(now=report.deferred_until + timedelta(seconds=1))
    assert statuses(later) == {A: "unchanged", B: "posted"} and later.exit_code == 0
    assert [f"{r.method} {r.path}" for r in two.calls()[seen:]] == [  # B is listed again: one GET is enough
        "GET /api/v3/athlete/activities",
        f"GET /api/v3/activities/{A}",
        f"GET /api/v3/activities/{B}",
        f"PUT /api/v3/activities/{B}",
    ]
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
    assert len(two.calls("GET", "/athlete/activities")) == 3
    assert len(two.calls("GET", rf"/activities/{A}$")) == 2 and len(two.calls("GET", rf"/activities/{B}$")) == 2
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


def test_put_5xx_not_applied_fails_cleanly_and_the_next_sync_retries(two: FakeStrava):
    two.fail_next(500, method="PUT", path=rf"/activities/{A}$")
    report = sync()
    assert statuses(report) == {A: "failed", B: "posted"} and report.exit_code == 1
    assert "next sync retries" in report.outcomes[0].detail
    assert desc(two, A) == "Felt good, windy."
    assert statuses(sync()) == {A: "posted", B: "unchanged"}
    assert count_blocks(desc(two, A)) == 1 and len(puts(two, A)) == 2


@pytest.mark.parametrize("status", [400, 404])
def test_strava_refusing_one_activity_does_not_stop_the_others(two: FakeStrava, status):
    two.fail_next(status, method="PUT", path=rf"/activities/{A}$")
    report = sync()
    assert statuses(report) == {A: "failed", B: "posted"} and report.exit_code == 1
    why = "HTTP 400" if status == 400 else "Strava has nothing at /activities/101"
    assert report.deferred_until is None and why in report.outcomes[0].detail
    with Store() as store:
        assert store.get_sync(strava_note.PENDING_KEY) is None  # not retried forever ahead of newer runs
    assert statuses(sync()) == {A: "posted", B: "unchanged"}  # still in the window: done next time


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


def test_revoked_token_exits_4_with_guidance(two: FakeStrava):
    two.revoke()
    result = cli("sync")
    assert result.exit_code == 4, result.output
    assert "fitglute auth strava" in result.stderr and "Traceback" not in result.output
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


def test_write_permission_refused_by_strava_exits_4(two: FakeStrava):
    two.login()
    for grant in [*two.access_tokens.values(), *two.refresh_tokens.values()]:
        grant.scope = READ_ONLY  # the file says full scope, Strava disagrees (e.g. a pasted bare code)
    result = cli("sync")
    assert result.exit_code == 4
    assert "lacks a permission" in result.stderr and "fitglute auth strava" in result.stderr
    assert desc(two, A) == "Felt good, windy."


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


def test_no_post_analyses_but_writes_nothing(two: FakeStrava):
    result = cli("sync", "--no-post")
    assert result.exit_code == 0 and result.stdout.count("not-posted") == 2
    assert puts(two) == [] and desc(two, A) == "Felt good, windy."
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
    first, second = (int(r.query["after"]) for r in fake.calls("GET", "/athlete/activities"))
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


# ----------------------------------------------------------------------------------- matching
def test_bulk_export_activity_id_links_the_file(fake: FakeStrava, runs, tmp_path):
    fake.login()
    # Uploaded elsewhere: no external id, and a start an hour off — only the CSV can match it.
    add(fake, runs["export"], EXPORT_ID, offset_s=3600, name="Export run")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "copy.fit.gz").write_bytes(runs["export"].path.read_bytes())
    sources(plain / "copy.fit.gz")
    assert statuses(sync()) == {EXPORT_ID: "no-fit"}

    configured.save_sources([str(plain), str(runs["export"].path.parents[1])])  # the export folder itself
    report = sync()
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.detail) == ("posted", "linked") and report.exit_code == 0
    assert count_blocks(desc(fake, EXPORT_ID)) == 1


def test_bulk_export_linked_at_first_import(fake: FakeStrava, runs):
    fake.login()
    add(fake, runs["export"], EXPORT_ID, offset_s=-5400)
    result = cli("sources", "add", str(runs["export"].path.parents[1]))
    assert result.exit_code == 0
    report = sync()
    assert [(o.status, o.detail) for o in report.outcomes] == [("posted", "linked")]
    assert report.import_failures == [] and report.imported == 1


def test_garmin_id_in_external_id_matches_the_file_name(fake: FakeStrava, runs):
    fake.login()
    # 10 min later than the Garmin file, and a decoy file that starts exactly then: the id wins.
    add(fake, runs["garmin"], GARMIN_ID, offset_s=600, external_id=f"garmin_ping_{GARMIN_ID}")
    sources(runs["garmin"], runs["decoy"])
    (outcome,) = sync().outcomes
    assert (outcome.status, outcome.detail) == ("posted", "garmin id")
    with Store() as store:
        assert Path(store.run_by_strava_id(GARMIN_ID).source_path) == runs["garmin"].path


def test_start_time_match_needs_plausible_duration(fake: FakeStrava, runs):
    fake.login()
    add(fake, runs["a"], A)
    fake.activities[A]["elapsed_time"] = fake.activities[A]["moving_time"] = 3 * 3600  # a different workout
    sources(runs["a"])
    assert statuses(sync()) == {A: "no-fit"}


def test_activity_without_fit_file_is_reported_and_exits_0(two: FakeStrava, runs):
    two.add_activity(NOFIT, name="Lunch run", start=days_ago(1, hour=12), external_id="garmin_ping_1234567")
    result = cli("sync")
    assert result.exit_code == 0, result.output
    assert "no-fit" in result.stdout and "no FIT file" in result.stdout
    assert two.calls("GET", rf"/activities/{NOFIT}$") == [] and desc(two, NOFIT) is None


@pytest.mark.parametrize("offset_s", [15, 5])  # 15 s: both files equally near
def test_two_fit_files_within_30_s_are_ambiguous(fake: FakeStrava, runs, offset_s):
    fake.login()
    add(fake, runs["twin1"], TWINS, offset_s=offset_s)
    sources(runs["twin1"])
    result = cli("sync")
    assert result.exit_code == 1
    assert f"activity {TWINS}" in result.stderr and "ambiguous" in result.stderr
    assert fake.calls("GET", rf"/activities/{TWINS}$") == [] and puts(fake) == []
    with Store() as store:
        assert store.run_by_strava_id(TWINS) is None


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
