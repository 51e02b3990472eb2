"""Which FIT file an activity gets, through a real sync against the fake Strava: a known link, start
time before ``external_id``, never a manual entry, and a deleted-and-re-uploaded activity matched again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sync_kit
from fake_strava import FakeStrava
from sync_kit import (
    EXPORT_ID,
    GARMIN_ID,
    LIST,
    NOFIT,
    TWINS,
    A,
    B,
    add,
    cli,
    count_blocks,
    days_ago,
    desc,
    gets,
    make_run,
    puts,
    since,
    sources,
    statuses,
    sync,
)

from fitglute.exporters.strava import FULL_PASS_EVERY
from fitglute.history.store import Store
from fitglute.sources import configured

fake, runs, two = sync_kit.fake, sync_kit.runs, sync_kit.two  # the shared fixtures, seen by pytest here

MANUAL, REUPLOAD, PUSHED = 201, 202, 203
PUSH_ID = 15555666777


@pytest.fixture(scope="module")
def pushed(tmp_path_factory):
    """Two FIT files 40 s apart, one named after its Garmin activity id (a Garmin export)."""
    root = tmp_path_factory.mktemp("pushed")
    start = days_ago(1, hour=17)
    return {
        "named": make_run(root, f"export/{PUSH_ID}_ACTIVITY.fit", start, 31),
        "other": make_run(root, "export/other.fit", start + timedelta(seconds=40), 32),
    }


def source_of(activity_id: int) -> Path:
    with Store() as store:
        return Path(store.run_by_strava_id(activity_id).source_path)


def test_start_time_wins_over_a_garmin_ping_number(fake: FakeStrava, runs):
    """``garmin_ping_<n>``: <n> is not the Garmin id, even when a file happens to carry that number."""
    fake.login()
    add(fake, runs["decoy"], GARMIN_ID, offset_s=20, external_id=f"garmin_ping_{GARMIN_ID}")
    sources(runs["garmin"], runs["decoy"])
    (outcome,) = sync().outcomes
    assert (outcome.status, outcome.detail) == ("posted", "start time")
    assert source_of(GARMIN_ID) == runs["decoy"].path


def test_a_garmin_push_id_decides_between_files_that_start_together(fake: FakeStrava, pushed):
    fake.login()
    add(fake, pushed["named"], PUSHED, offset_s=25, external_id=f"garmin_push_{PUSH_ID}")
    sources(pushed["named"])
    (outcome,) = sync().outcomes
    assert (outcome.status, outcome.detail) == ("posted", "garmin id")
    assert source_of(PUSHED) == pushed["named"].path


def test_a_garmin_ping_id_decides_nothing(fake: FakeStrava, pushed):
    fake.login()
    add(fake, pushed["named"], PUSHED, offset_s=25, external_id=f"garmin_ping_{PUSH_ID}")
    sources(pushed["named"])
    (outcome,) = sync().outcomes
    assert outcome.status == "ambiguous" and puts(fake) == []


def test_a_garmin_push_id_still_matches_a_cropped_activity(fake: FakeStrava, runs):
    fake.login()
    # 10 min later than the Garmin file (cropped start), and a decoy file that starts exactly then
    add(fake, runs["garmin"], GARMIN_ID, offset_s=600, external_id=f"garmin_push_{GARMIN_ID}")
    fake.activities[GARMIN_ID]["elapsed_time"] = fake.activities[GARMIN_ID]["moving_time"] = 2 * 3600
    sources(runs["garmin"], runs["decoy"])
    (outcome,) = sync().outcomes
    assert (outcome.status, outcome.detail) == ("posted", "garmin id")
    assert source_of(GARMIN_ID) == runs["garmin"].path


def test_a_manual_entry_made_before_the_upload_never_takes_its_note(fake: FakeStrava, runs):
    fake.login()
    add(fake, runs["a"], MANUAL, offset_s=0, name="Morning run (typed in)", manual=True)
    add(fake, runs["a"], A, offset_s=20)
    sources(runs["a"])
    report = sync()
    assert statuses(report) == {MANUAL: "manual", A: "posted"} and report.exit_code == 0
    assert desc(fake, MANUAL) is None and gets(fake, MANUAL) == [] and count_blocks(desc(fake, A)) == 1
    assert source_of(A) == runs["a"].path


def test_a_manual_entry_an_older_fitglute_linked_is_let_go(fake: FakeStrava, runs):
    fake.login()
    add(fake, runs["a"], MANUAL, offset_s=0, manual=True)
    sources(runs["a"])
    assert statuses(sync()) == {MANUAL: "manual"}
    with Store() as store:  # as an older fitglute (which ignored `manual`) would have left it
        sha = store.recent_runs(1)[0]["sha256"]
        store.link_strava(sha, MANUAL)
    add(fake, runs["a"], A, offset_s=20)  # the watch upload arrives
    assert statuses(sync()) == {MANUAL: "manual", A: "posted"}
    assert source_of(A) == runs["a"].path


def test_a_deleted_and_re_uploaded_activity_gets_its_note(two: FakeStrava, runs):
    assert statuses(sync()) == {A: "posted", B: "posted"}
    del two.activities[A]  # the runner deleted the activity on Strava …
    add(two, runs["a"], REUPLOAD, offset_s=25, description="Re-uploaded, with my words")  # … and uploaded again
    assert statuses(sync()) == {}  # nothing new here and every note current: Strava is not asked …
    mark = len(two.calls())
    report = sync(now=datetime.now(UTC) + FULL_PASS_EVERY)  # … until the daily look
    assert statuses(report) == {REUPLOAD: "posted", B: "unchanged"} and report.exit_code == 0
    assert since(two, mark) == [
        LIST, LIST,
        f"GET /api/v3/activities/{A}",  # the link pointed at an activity the listing no longer has: gone?
        f"GET /api/v3/activities/{REUPLOAD}",
        f"PUT /api/v3/activities/{REUPLOAD}",
    ]
    assert desc(two, REUPLOAD).startswith("Re-uploaded, with my words\n\n") and count_blocks(desc(two, REUPLOAD)) == 1
    assert source_of(REUPLOAD) == runs["a"].path
    mark = len(two.calls())
    assert statuses(sync(recheck=True)) == {REUPLOAD: "unchanged", B: "unchanged"} and since(two, mark) == [LIST, LIST]


def test_a_404_on_a_linked_activity_unlinks_it_and_it_is_matched_again(two: FakeStrava):
    two.fail_next(404, method="GET", path=rf"/activities/{A}$")
    report = sync()
    assert statuses(report) == {A: "gone", B: "posted"} and report.exit_code == 0
    with Store() as store:
        assert store.run_by_strava_id(A) is None
    assert statuses(sync()) == {A: "posted", B: "unchanged"} and count_blocks(desc(two, A)) == 1


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
    assert gets(two, NOFIT) == [] and desc(two, NOFIT) is None


@pytest.mark.parametrize("offset_s", [15, 5])  # 15 s: both files equally near
def test_two_fit_files_within_30_s_are_ambiguous(fake: FakeStrava, runs, offset_s):
    fake.login()
    add(fake, runs["twin1"], TWINS, offset_s=offset_s)
    sources(runs["twin1"])
    result = cli("sync")
    assert result.exit_code == 1
    assert f"activity {TWINS}" in result.stderr and "ambiguous" in result.stderr
    assert gets(fake, TWINS) == [] and puts(fake) == []
    with Store() as store:
        assert store.run_by_strava_id(TWINS) is None
