"""The sport pre-check skips exactly the files the full reference decode skips for their sport.

Truth is python-fitparse's full decode of each real file (``prefer="fitparse"``, no pre-check):
every file the pre-check skips, the reference skips with the same one-line reason; every file the
reference calls a run, the pre-check lets through.
"""

from __future__ import annotations

import pytest

from fitglute import decode
from fitglute.decode.sport_check import not_running
from fitglute.pipeline import analyse_file


def test_skips_exactly_what_the_reference_decode_skips(shared_fit):
    skipped = 0
    for path in sorted(shared_fit.glob("*.fit")):
        data = path.read_bytes()
        skip, _sport = not_running(data)
        reference = analyse_file(data, name=path.name, prefer="fitparse")
        if skip:
            skipped += 1
            with pytest.raises(decode.NotRunning) as info:
                decode.read(data, name=path.name)
            assert reference.status == "skipped", path.name
            assert info.value.reason == reference.error, path.name
        if reference.status == "ok":
            assert not skip, path.name
    assert skipped >= 10  # rides, swims, a walk, settings and monitoring files in the corpus


def test_cut_ride_and_settings_files(shared_fit):
    # nick.fit: a ride cut mid-message (fitfast refuses it, fitparse salvages it as cycling)
    assert not_running((shared_fit / "nick.fit").read_bytes()) == (True, "cycling")
    # no sport anywhere and no record message: "unknown", as the full decode says
    assert not_running((shared_fit / "Settings.fit").read_bytes()) == (True, None)


def test_a_run_and_a_cut_run_go_through(chest_run):
    assert not_running(chest_run.data) == (False, None)
    assert not_running(chest_run.data[: len(chest_run.data) // 2]) == (False, None)
    assert not_running(chest_run.data[:14]) == (False, None)  # the header alone: the decode says what is wrong
