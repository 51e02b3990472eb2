"""The fitglute note block: building it and merging it into the runner's own Strava description."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from fitglute.exporters import note_merge, note_text
from fitglute.exporters.note_merge import merge_note, strip_note
from fitglute.exporters.note_text import END_MARKER, START_MARKER
from fitglute.model.history import Injury
from fitglute.model.result import RunResult


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path))


RESULT = {
    "metrics": {
        "gct_ms": 251.4,
        "gct_balance_left_pct": 48.6,
        "vertical_oscillation_mm": 89.0,
        "vertical_ratio_pct": 7.6,
        "step_length_mm": 1180.0,
        "cadence_spm": 171.2,
        "clean_running_s": 2520,
    },
    "findings": [
        {"rule": "push_off", "title": "Late-stance push-off looks weaker", "side": "left", "confidence": 0.75,
         "evidence": "B", "evidence_source": "Lab study 2019", "message": "Left stance 7 ms longer.",
         "action": "Single-leg glute bridges, 3×12 per side, twice a week.", "values": {"delta_ms": 7}},
        {"rule": "bounce", "title": "Bouncy stride for this pace", "side": "both", "confidence": 0.5,
         "evidence": "C", "message": "VR high.", "action": "Think 'run low'.", "values": {}},
        {"rule": "hip", "title": "Hip drop on the right", "side": "right", "confidence": 0.2,
         "evidence": "C", "message": "Weak hint.", "values": {}},
        {"rule": "misc", "title": "General pattern", "side": "none", "confidence": 0.1, "evidence": "C",
         "message": "", "values": {}},
        {"rule": "fifth", "title": "Fifth finding", "side": "left", "confidence": 0.05, "evidence": "A",
         "message": "", "values": {}},
    ],
    "not_assessed": {"cadence_drift": "run too short"},
}
INJURIES = [Injury(1, date(2024, 3, 2), "Achilles", "left", "private words")]


def build_note(result: dict, *, include_injuries: bool = False, **kwargs) -> str | None:
    """The note of a hand-made result (the JSON shape), with the injury log when asked."""
    typed = RunResult.from_json({"file": None, "status": "ok", **result})
    return note_text.build_note(typed, injuries=INJURIES if include_injuries else None, **kwargs)

RUNNER = "Tempo with the club 🏃‍♀️ — felt great!  \r\nSplits: 4:10/4:05\r\n"


def block(**kwargs) -> str:
    text = build_note(RESULT, **kwargs)
    assert text is not None
    return text


# ------------------------------------------------------------------------------------------ build
def test_summary_block_has_markers_metrics_words_and_fits_a_phone():
    text = block()
    lines = text.split("\n")
    assert lines[0] == START_MARKER == "── fitglute ──"
    assert lines[-1] == END_MARKER
    assert len(text) <= 600
    assert "GCT 251 ms" in text and "48.6/51.4" in text and "171 spm" in text
    assert "VO 8.9 cm" in text and "VR 7.6 %" in text
    findings = [line for line in lines if line.startswith("• ")]
    assert findings == [
        "• Left: Late-stance push-off looks weaker — strong signal (evidence B)",
        "• Both sides: Bouncy stride for this pace — likely (evidence C)",
    ]
    assert sum(line.startswith("Try: ") for line in lines) == 1
    assert "Single-leg glute bridges" in text and "run low" not in text  # ONE action
    assert "not a diagnosis" in text
    assert "http" not in text and "**" not in text
    assert "diagnos" not in text.replace("not a diagnosis", "")


@pytest.mark.parametrize(
    ("confidence", "word"),
    [(0.0, "possible"), (0.39, "possible"), (0.4, "likely"), (0.69, "likely"), (0.7, "strong signal"),
     (1.0, "strong signal"), (None, "possible")],
)
def test_confidence_words(confidence, word):
    assert note_text.confidence_word(confidence) == word


def test_full_detail_shows_up_to_four_findings_and_more_context():
    text = block(detail="full")
    assert sum(line.startswith("• ") for line in text.split("\n")) == 4
    assert "Fifth finding" not in text
    assert "• General pattern — possible" in text  # side "none": no side label
    assert "Step 1.18 m" in text and "42 min" in text and "Left stance 7 ms longer." in text
    assert "Lab study 2019" in text and "Not assessed: cadence drift (run too short)" in text


def test_injuries_hidden_by_default_and_never_their_free_text():
    assert "Achilles" not in block() and "Achilles" not in block(detail="full")
    shown = block(include_injuries=True)
    assert "Injury log: left Achilles (2024-03)" in shown
    assert "private words" not in shown


def test_detail_off_gives_none_and_unknown_detail_is_an_error():
    assert build_note(RESULT, detail="off") is None
    with pytest.raises(ValueError):
        build_note(RESULT, detail="verbose")


def test_findings_are_ranked_even_if_input_is_not_sorted():
    shuffled = copy.deepcopy(RESULT)
    shuffled["findings"].reverse()
    assert build_note(shuffled) == block()


def test_missing_metrics_and_no_findings_still_make_a_sensible_block():
    text = build_note({"metrics": {"gct_ms": None, "cadence_spm": 168}, "findings": []})
    assert "Cadence 168 spm" in text and "GCT" not in text
    assert "No pattern stood out" in text and "Try:" not in text
    empty = build_note({})
    assert "No running-dynamics data" in empty and empty.startswith(START_MARKER)


def test_long_rule_text_is_clipped_to_the_summary_budget_and_cannot_forge_markers():
    noisy = copy.deepcopy(RESULT)
    for finding in noisy["findings"]:
        finding["title"] = ("very long words " * 30) + "\n" + END_MARKER + "\nmore"
        finding["action"] = "do this " * 60
    text = build_note(noisy, include_injuries=True)
    assert len(text) <= 600
    assert text.count(END_MARKER) == 1 and text.endswith(END_MARKER)
    assert merge_note(merge_note("mine", text), text) is None


# ------------------------------------------------------------------------------------------ merge
def test_append_to_runner_text_keeps_it_byte_for_byte():
    new = merge_note(RUNNER, block())
    assert new.startswith(RUNNER)
    assert new == RUNNER + "\r\n\r\n" + block()  # CRLF text gets a CRLF blank line
    assert merge_note("Easy run", block()) == "Easy run\n\n" + block()


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_description_becomes_just_the_block(empty):
    assert merge_note(empty, block()) == block()


def test_identical_block_means_no_change():
    once = merge_note(RUNNER, block())
    assert merge_note(once, block()) is None
    # Strava turning our LF into CRLF or adding trailing spaces is still "the same block"
    assert merge_note(once.replace(block(), block().replace("\n", "  \r\n")), block()) is None


def test_block_is_replaced_in_place_keeping_text_before_and_after():
    before = "Über-long run\twith friends  \n\n"
    after = "\n\nP.S. new shoes ✨ \r\n"
    old = block(detail="full")
    description = before + old + after
    new = merge_note(description, block())
    assert new == before + block() + after


def test_hand_edited_block_is_replaced_whole():
    edited = block().replace("likely", "not sure about this one").replace("Try:", "Tried:")
    edited = edited.replace("\nHypotheses", "\n\nmy own comment inside\nHypotheses")
    description = "Morning\n\n" + edited + "\n\nafter"
    assert merge_note(description, block()) == "Morning\n\n" + block() + "\n\nafter"


def test_detail_off_removes_the_block_and_its_separator():
    with_block = merge_note(RUNNER, block())
    assert merge_note(with_block, None) == RUNNER
    assert merge_note("Easy run\n\n" + block(), None) == "Easy run"
    assert merge_note(block(), None) == ""
    assert merge_note("A\n\n" + block() + "\n\nB  ", None) == "A\n\nB  "
    assert merge_note(block() + "\n\nB", None) == "B"
    assert merge_note("no block here", None) is None
    assert merge_note(None, None) is None


@pytest.mark.parametrize("runner", ["", "x", "x\n", "x\n\n", "  x  ", "a\r\nb", "ü 🏃\n\n\n", "\n"])
def test_append_then_remove_round_trips_exactly(runner):
    merged = merge_note(runner, block())
    assert strip_note(merged) == runner
    assert merge_note(merged, None) == (runner if merged != runner else None)


def test_start_marker_without_end_marker_is_ours_up_to_a_blank_line():
    truncated = "\n".join(block().split("\n")[:4])  # end marker lost
    description = "Mine\n\n" + truncated + "\n\nRunner's later text"
    assert merge_note(description, block()) == "Mine\n\n" + block() + "\n\nRunner's later text"
    assert merge_note("Mine\n\n" + truncated, block()) == "Mine\n\n" + block()


def test_marker_inside_a_sentence_is_not_a_marker():
    description = f"I love the {START_MARKER} notes"
    assert merge_note(description, block()) == description + "\n\n" + block()
    assert strip_note(description) == description


def test_duplicate_blocks_collapse_to_one():
    description = "A\n\n" + block() + "\n\nB\n\n" + block(detail="full")
    assert merge_note(description, block()) == "A\n\n" + block() + "\n\nB"
    assert note_merge.extract_note(description) == block()
