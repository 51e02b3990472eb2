"""The runner's words through a real ``fitglute sync`` against the fake Strava: fitglute removes only
what it wrote, leaves an edited or deleted note alone (and says so once), and ``--force ID`` is
the way back."""

from __future__ import annotations

import sync_kit
from fake_strava import FakeStrava
from sync_kit import (
    LIST,
    A,
    B,
    add,
    block_of,
    cli,
    count_blocks,
    desc,
    puts,
    set_config,
    since,
    sources,
    statuses,
    sync,
)

from fitglute.exporters import note_state
from fitglute.exporters.note_merge import digest
from fitglute.exporters.note_text import END_MARKER, START_MARKER
from fitglute.history.store import Store

fake, runs, two = sync_kit.fake, sync_kit.runs, sync_kit.two  # the shared fixtures, seen by pytest here

FULL = '[strava]\nnote_detail = "full"\n'
HINT = f"(fitglute sync --force {A} to rewrite)"


def edit(fake: FakeStrava, activity_id: int, change) -> str:
    fake.activities[activity_id]["description"] = change(fake.activities[activity_id]["description"])
    return fake.activities[activity_id]["description"]


def test_a_hand_edited_note_is_left_alone_told_once_and_forced_back(two: FakeStrava):
    sync()
    block = block_of(desc(two, A))
    edited = edit(two, A, lambda d: d.replace("\nHypotheses", "\nmy own line inside the note\nHypotheses"))
    set_config(FULL)  # fitglute has a new note to offer
    first = cli("sync", "--quiet")
    assert first.exit_code == 0 and first.stdout == ""
    (line,) = first.stderr.strip().splitlines()
    assert line.startswith(f"fitglute: activity {A} (") and line.endswith(
        f"): left-alone: note edited by you — left as it is {HINT}"
    )
    assert desc(two, A) == edited and len(puts(two, A)) == 1  # not a character touched
    mark = len(two.calls())
    quiet_again = cli("sync", "--quiet")  # told once: the same note is not offered again
    assert (quiet_again.exit_code, quiet_again.stderr) == (0, "") and since(two, mark) == []  # Strava not asked

    forced = sync(force=(A,))
    assert statuses(forced)[A] == "posted" and count_blocks(desc(two, A)) == 1
    assert "my own line" not in desc(two, A) and desc(two, A).startswith("Felt good, windy.\n\n")
    assert block_of(desc(two, A)) != block  # the full note, written over the edited block on request


def test_typing_under_the_note_after_deleting_its_end_line_loses_nothing(two: FakeStrava):
    sync()
    edited = edit(two, A, lambda d: d.replace("\n" + END_MARKER, "") + "\nMy comment about the hills")
    set_config(FULL)
    report = sync()
    assert statuses(report)[A] == "left-alone" and desc(two, A) == edited
    assert statuses(report)[B] == "posted"  # the other activity is not held up


def test_a_start_marker_line_quoted_in_the_runners_text_is_theirs(two: FakeStrava):
    sync()
    quote = f"\n\nWhat the old tool wrote:\n{START_MARKER}\nGCT 260 ms\n\nstill my text after it"
    edited = edit(two, A, lambda d: d + quote)
    set_config(FULL)
    assert statuses(sync())[A] == "left-alone" and desc(two, A) == edited


def test_an_indented_copy_gets_no_second_block(fake: FakeStrava, runs):
    fake.login()
    indented = f"Copied from a friend:\n    {START_MARKER}\n    GCT 240 ms\n    {END_MARKER}"
    add(fake, runs["a"], A, description=indented)
    sources(runs["a"])
    report = sync()
    assert statuses(report)[A] == "left-alone" and desc(fake, A) == indented and puts(fake) == []
    forced = sync(force=(A,))  # on request a block is added; the copy (no block of its own) stays
    assert statuses(forced)[A] == "posted" and desc(fake, A).startswith(indented + "\n\n" + START_MARKER)


def test_a_deleted_note_is_an_opt_out(two: FakeStrava):
    sync()
    edit(two, A, lambda d: "Felt good, windy. Note removed on purpose.")
    set_config(FULL)
    report = sync()
    assert statuses(report)[A] == "opted-out" and report.exit_code == 0
    assert any("note deleted by you" in line and f"--force {A}" in line for line in report.problems(_hint))
    assert desc(two, A) == "Felt good, windy. Note removed on purpose."
    set_config('[strava]\nnote_detail = "summary"\n')
    mark = len(two.calls())
    assert statuses(sync())[A] == "opted-out" and since(two, mark)[:2] == [LIST, LIST]
    assert desc(two, A) == "Felt good, windy. Note removed on purpose."
    assert statuses(sync(force=(A,)))[A] == "posted"
    assert desc(two, A) == "Felt good, windy. Note removed on purpose.\n\n" + block_of(desc(two, A))


def _hint(reason: str, code: str | None, **fields) -> str:
    from fitglute.commands.hints import with_hint

    return with_hint(reason, code, **fields)


def test_a_crlf_description_gets_a_crlf_block_and_keeps_it(fake: FakeStrava, runs):
    fake.login()
    mine = "Intervals 6×800\r\nlegs heavy\r\n"
    add(fake, runs["a"], A, description=mine)
    sources(runs["a"])
    assert statuses(sync())[A] == "posted"
    text = desc(fake, A)
    assert text.startswith(mine + "\r\n" + START_MARKER + "\r\n")
    assert "\n" not in text.replace("\r\n", "") and text.endswith(END_MARKER)
    set_config(FULL)
    assert statuses(sync())[A] == "posted"
    assert desc(fake, A).startswith(mine) and "\n" not in desc(fake, A).replace("\r\n", "")
    assert count_blocks(desc(fake, A)) == 1


def test_a_note_written_by_an_older_fitglute_is_recognised_by_its_digest(two: FakeStrava):
    sync()
    block = block_of(desc(two, A))
    with Store() as store:  # what fitglute before this version remembered: a digest, no text
        store.set_exporter_state(note_state.STATE, str(A), {"sha256": "x", "note": digest(block)})
    mark = len(two.calls())
    assert statuses(sync())[A] == "unchanged" and since(two, mark) == [LIST, LIST]
    set_config(FULL)
    assert statuses(sync())[A] == "posted" and count_blocks(desc(two, A)) == 1
    assert desc(two, A) == "Felt good, windy.\n\n" + block_of(desc(two, A)) and block_of(desc(two, A)) != block
