"""What ``cron install --every 15m`` costs Strava: a whole day of 15-minute syncs, against the fake
Strava with a clock the test moves (the fake's 15-minute and daily rate windows follow it).

30 recent runs are on Strava, their notes already written; during the day two new runs arrive (the
watch syncs its file, the upload appears on Strava). Every request is counted.
``.venv/bin/python -m pytest tests/test_sync_cost.py -s`` prints the numbers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sync_kit
from fake_strava import FakeStrava
from sync_kit import NOW, add, make_run, sources, statuses, sync

from fitglute.sync import cron

fake = sync_kit.fake  # the shared fixture, seen by pytest here

RECENT = 30
ARRIVALS = {28: "morning", 74: "evening"}  # the cron run (of 96) after which a new run is there


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """30 runs over the last 12½ days, and the two that arrive during the simulated day."""
    root = tmp_path_factory.mktemp("day")
    day = NOW.replace(hour=0, minute=0, second=0)
    recent = [make_run(root, f"watch/r{i:02d}.fit", day - timedelta(hours=10 * (i + 1)), 100 + i, minutes=10)
              for i in range(RECENT)]
    later = {n: make_run(root / "later", f"{name}.fit", day + timedelta(minutes=15 * n - 50), 200 + n, minutes=10)
             for n, name in ARRIVALS.items()}
    return day, root / "watch", recent, later


def test_a_day_of_15_minute_cron_runs_stays_far_inside_both_strava_limits(fake: FakeStrava, history):
    day, watch, recent, later = history
    clock = [day - timedelta(minutes=1)]
    fake.clock = lambda: clock[0]
    fake.login(expires_in=12 * 3600)
    for i, gen in enumerate(recent):
        add(fake, gen, 3000 + i)
    sources(watch)
    first = sync(now=clock[0])  # the day before: every note written once
    assert set(statuses(first).values()) == {"posted"} and len(first.outcomes) == RECENT
    setup = len(fake.calls())

    per_run = []
    for n in range(96):  # 00:00, 00:15, … 23:45
        clock[0] = day + timedelta(minutes=15 * n)
        if n in later:  # the watch synced a new run, and its upload is on Strava
            gen = later[n]
            (watch / gen.path.name).write_bytes(gen.path.read_bytes())
            add(fake, gen, 4000 + n)
        before = len(fake.calls())
        report = sync(now=clock[0])
        assert report.exit_code == 0, report.problems()
        per_run.append(len(fake.calls()) - before)
        if n in later:
            assert statuses(report)[4000 + n] == "posted"
    day_total = sum(per_run)
    statuses_seen = [r.status for r in fake.calls()]
    print(f"\nfirst sync (30 notes written): {setup} requests")
    print(f"a day of 96 cron runs, 2 new runs arriving: {day_total} requests "
          f"(most in one 15-minute window: {max(per_run)}; runs with nothing new: {min(per_run)} each)")

    quiet = [c for n, c in enumerate(per_run) if n not in later]
    assert quiet == [0] * 94  # nothing new, every note current, a full look less than a day ago: no request
    assert [per_run[n] for n in later] == [4, 4]  # the list page, the empty page, one read, one write
    assert day_total == 2 * 4 == 8
    assert setup == 2 + 2 * RECENT
    assert 429 not in statuses_seen
    assert day_total < 1000 * 0.25 and max(per_run) < 100 * 0.1  # the daily and the 15-minute read limits
    assert fake.rate_usage["read"][1] == day_total  # the fake's daily window (reset at midnight) agrees
    expected = cron.daily_cost("15m", RECENT + 2)
    assert (expected.per_day_idle, expected.per_new_run) == (2, 4)  # what `cron install` says it costs


def test_with_nothing_new_strava_is_still_looked_at_once_a_day(fake: FakeStrava, history, tmp_path):
    """A re-upload or a deletion on Strava leaves nothing new here: the daily look finds it."""
    day, _, recent, _ = history
    watch = tmp_path / "watch"  # only the 30 runs on Strava (the first test added two more to its folder)
    watch.mkdir()
    for gen in recent:
        (watch / gen.path.name).write_bytes(gen.path.read_bytes())
    fake.login(expires_in=72 * 3600)
    for i, gen in enumerate(recent):
        add(fake, gen, 3000 + i)
    sources(watch)
    sync(now=day)
    asked = []
    for hours in (1, 12, 23, 24, 25, 47, 48):
        before = len(fake.calls())
        sync(now=day + timedelta(hours=hours))
        asked.append(len(fake.calls()) - before)
    assert asked == [0, 0, 0, 2, 0, 0, 2]  # the two list pages, 24 h after the last full look
