"""The fitglute note block: building it from public fields, and putting it into the runner's text.

Merging is checked against one promise, asserted on every write a test makes: outside the block
fitglute itself wrote, not a character of the description changes (:func:`assert_only_ours`).
"""

from __future__ import annotations

import copy
from datetime import date

import pytest

from fitglute import plugins
from fitglute.exporters import note_text
from fitglute.exporters.note_merge import (
    DELETED,
    EDITED,
    SAME,
    WRITE,
    complete_blocks,
    digest,
    plan_note,
)
from fitglute.exporters.note_text import DISCLAIMER, END_MARKER, START_MARKER
from fitglute.model.history import Injury
from fitglute.model.result import RunResult
from fitglute.model.safety import RED_FLAGS

SECRET_MESSAGE = "SECRET-MESSAGE strain after the fall on 2024-02-29 (physio: Dr Ko)"

RESULT = {
    "metrics": {
        "gct_ms": 251.4,
        "gct_balance_left_pct": 48.6,
        "vertical_oscillation_mm": 89.0,
        "vertical_ratio_pct": 7.6,
        "step_length_mm": 1180.0,
        "cadence_spm": 171.2,
    },
    "clean_running_s": 2520,
    "balance_ci": [48.1, 49.2],
    "drift": {"gct_ms": {"unit": "%", "change": 4.2, "low": 2.9, "high": 5.6, "unadjusted": 5.0,
                         "speed_adjusted": True}},
    "findings": [
        {"rule": "fatigue-drift", "title": "edited title with 2024-02-29", "side": "left", "confidence": 0.75,
         "evidence": "B", "evidence_source": "per-run source text", "message": SECRET_MESSAGE,
         "action": "Single-leg glute bridges, 3×12 per side, twice a week.", "values": {"when": "2024-02-29"}},
        {"rule": "form-zones", "title": "Form", "side": "none", "confidence": 0.5, "evidence": "C",
         "message": SECRET_MESSAGE, "action": "Think 'run low'.", "values": {}},
        {"rule": "gct-balance-bias", "title": "Bias", "side": "right", "confidence": 0.2, "evidence": "B",
         "message": SECRET_MESSAGE, "action": "", "values": {}},
        {"rule": "load-spike", "title": "Load", "side": "both", "confidence": 0.1, "evidence": "A",
         "message": "", "action": "", "values": {}},
        {"rule": "acute-chronic-load", "title": "ACWR", "side": "none", "confidence": 0.05, "evidence": "C",
         "message": "", "action": "", "values": {}},
        {"rule": "same-side-recurrence", "title": "Recurrence", "side": "left", "confidence": 0.9,
         "evidence": "B", "message": SECRET_MESSAGE, "action": "Protect the left hamstring.", "values": {}},
        {"rule": "no-such-rule", "title": "Unknown plugin", "side": "left", "confidence": 0.95, "evidence": "A",
         "message": "", "action": "unknown advice", "values": {}},
    ],
    "not_assessed": {"persistent-side-bias": "building a baseline", "same-side-recurrence": "no injury"},
}
INJURIES = [Injury(1, date(2024, 3, 2), "achilles", "left", "private words")]


def build(result: dict, *, include_injuries: bool = False, **kwargs) -> str | None:
    """The note of a result in the JSON shape, with the injury log when asked."""
    typed = RunResult.from_json({"file": None, "status": "ok", **result})
    return note_text.build_note(typed, injuries=INJURIES if include_injuries else None, **kwargs)


def block(**kwargs) -> str:
    text = build(RESULT, **kwargs)
    assert text is not None
    return text


# ------------------------------------------------------------------------------------------ build
def test_summary_block_has_markers_metrics_words_and_fits_a_phone():
    text = block()
    lines = text.split("\n")
    assert lines[0] == START_MARKER == "── fitglute ──" and lines[-1] == END_MARKER
    assert len(text) <= 600
    assert lines[1] == "GCT 251 ms · L/R balance 48.6/51.4 %"
    assert lines[2] == "Cadence 171 spm · VO 8.9 cm · VR 7.6 %"
    findings = [line for line in lines if line.startswith("• ")]
    assert findings == [  # the rules' declared titles, not the finding's own title text
        "• Left: Late-run fatigue drift at matched speed — signal clear · evidence moderate (B)",
        "• Form metrics outside Garmin's typical range — signal clear · evidence weak (C)",
    ]
    assert RED_FLAGS in lines  # the red-flag line wherever findings are shown
    assert [line for line in lines if line.startswith("Try: ")] == [
        "Try: Single-leg glute bridges, 3×12 per side, twice a week."
    ]
    assert lines[-2] == DISCLAIMER and "http" not in text and "**" not in text


@pytest.mark.parametrize(
    ("confidence", "word"),
    [(0.0, "possible"), (0.39, "possible"), (0.4, "likely"), (0.69, "likely"), (0.7, "strong signal"),
     (1.0, "strong signal"), (None, "possible")],
)
def test_confidence_words(confidence, word):
    assert note_text.confidence_word(confidence) == word


def test_full_detail_adds_measured_numbers_sources_and_what_was_not_assessed():
    text = block(detail="full")
    lines = text.split("\n")
    assert "GCT 251 ms · L/R balance 48.6/51.4 % (95 % 48.1–49.2 % left)" in lines
    assert "Step 1.18 m · 42 min of steady running analysed" in lines
    assert "GCT late vs early at matched speed +4.2 % (95 % +2.9 to +5.6 %)" in lines
    bullets = [line for line in lines if line.startswith("• ")]
    assert len(bullets) == 4
    source = plugins.rules()["fatigue-drift"].evidence.source
    assert bullets[0].startswith(
        "• Left: Late-run fatigue drift at matched speed — signal clear · evidence moderate (B); "
    )
    assert source[:20] in bullets[0] and "per-run source text" not in text
    assert bullets[3].startswith("• Both sides: Single-run load spike — signal faint · evidence strong (A)")
    assert "Not assessed: persistent-side-bias" in lines  # the reason is rule text: left out


def test_no_rule_message_value_or_finding_title_ever_reaches_the_note():
    for detail in ("summary", "full"):
        for injuries in (False, True):
            text = block(detail=detail, include_injuries=injuries)
            assert "SECRET" not in text and "2024-02-29" not in text and "Dr Ko" not in text
            assert "edited title" not in text and "building a baseline" not in text


def test_findings_of_rules_reading_the_injury_log_need_note_injuries():
    for detail in ("summary", "full"):
        hidden = block(detail=detail)
        assert "recurrence" not in hidden.lower() and "hamstring" not in hidden and "achilles" not in hidden
        assert "same-side-recurrence" not in hidden and "Injury log" not in hidden
    shown = block(include_injuries=True)
    assert "• Left: Same-side recurrence risk after a logged injury — signal clear · evidence moderate (B)" in shown
    assert "Try: Protect the left hamstring." in shown
    assert "Injury log: left achilles (2024-03)" in shown and "private words" not in shown
    assert "same-side-recurrence" in block(detail="full", include_injuries=True)  # its "not assessed" too


def test_findings_of_unknown_rules_are_left_out():
    assert "Unknown plugin" not in block() and "unknown advice" not in block(detail="full")


def test_detail_off_gives_none_and_unknown_detail_is_an_error():
    assert build(RESULT, detail="off") is None
    with pytest.raises(ValueError):
        build(RESULT, detail="verbose")


def test_findings_are_ranked_even_if_input_is_not_sorted():
    shuffled = copy.deepcopy(RESULT)
    shuffled["findings"].reverse()
    assert build(shuffled) == block()


def test_missing_metrics_and_no_findings_still_make_a_sensible_block():
    text = build({"metrics": {"gct_ms": None, "cadence_spm": 168}, "findings": []})
    assert "Cadence 168 spm" in text and "GCT" not in text
    assert "No pattern stood out" in text and "Try:" not in text
    empty = build({})
    assert "No running-dynamics data" in empty and empty.startswith(START_MARKER)


def test_long_actions_are_clipped_and_cannot_forge_markers():
    noisy = copy.deepcopy(RESULT)
    for finding in noisy["findings"]:
        finding["action"] = ("do this " * 60) + "\n" + END_MARKER + "\n" + START_MARKER
    text = build(noisy, include_injuries=True)
    assert len(text) <= 600
    assert text.count(END_MARKER) == 1 and text.count(START_MARKER) == 1 and text.endswith(END_MARKER)
    assert len(complete_blocks(text)) == 1


# ------------------------------------------------------------------------------------------ merge
RUNNER = "Tempo with the club 🏃‍♀️ — felt great!  \r\nSplits: 4:10/4:05\r\n"


def first(description: str | None, note: str | None = None):
    return plan_note(description, note or block())


def test_a_first_note_is_appended_after_one_blank_line():
    plan = first("Easy run")
    assert plan.verdict == WRITE and plan.description == "Easy run\n\n" + block() and plan.separator == "\n\n"
    assert first("Easy run\n").description == "Easy run\n\n" + block()
    assert first("Easy run\n\n").description == "Easy run\n\n" + block()
    for empty in (None, ""):
        assert first(empty).description == block() and first(empty).separator == ""


def test_crlf_description_gets_a_crlf_block():
    plan = first(RUNNER)
    crlf_block = block().replace("\n", "\r\n")
    assert plan.description == RUNNER + "\r\n" + crlf_block and plan.written == crlf_block
    assert "\n" not in plan.description.replace("\r\n", "")


def test_the_block_fitglute_wrote_is_replaced_in_place_and_only_it():
    old = block(detail="full")
    before = "Über-long run\twith friends  \n\n"
    after = "\n\nP.S. new shoes ✨ \r\n"
    plan = plan_note(before + old + after, block(), written=(old, ""))
    assert plan.verdict == WRITE and plan.description == before + block() + after


def test_the_block_is_found_whatever_line_endings_it_got():
    old = block(detail="full")
    description = "Run\r\n\r\n" + old.replace("\n", "\r\n")  # an editor or Strava turned it into CRLF
    plan = plan_note(description, block(), written=(old, "\n\n"))
    assert plan.description == "Run\r\n\r\n" + block().replace("\n", "\r\n")


def test_an_unchanged_block_is_same_and_force_writes_it_anyway():
    text = "Mine\n\n" + block()
    assert plan_note(text, block(), written=(block(), "\n\n")).verdict == SAME
    assert plan_note(text.replace("\n", "\r\n"), block(), written=(block(), "\n\n")).verdict == SAME
    forced = plan_note(text, block(), written=(block(), "\n\n"), force=True)
    assert forced.verdict == WRITE and forced.description == text


def test_runner_deleting_the_end_marker_and_typing_under_the_note_keeps_every_word():
    """Issue case (a): the old merge returned "Own\\n\\n" + block and lost "My comment"."""
    note = block()
    clipped = note.replace("\n" + END_MARKER, "")
    description = "Own\n\n" + clipped + "\nMy comment"
    assert plan_note(description, block(detail="full"), written=(note, "\n\n")).verdict == EDITED
    assert plan_note(description, block(detail="full")).verdict == EDITED  # not known as ours either


def test_a_start_marker_line_in_the_runners_text_is_the_runners():
    """Issue case (b): a quoted marker line before or after the real block."""
    note = block()
    quoted = f"Look what my watch app wrote:\n{START_MARKER}\nGCT 240 ms\n\nand more of my text"
    for description in (quoted + "\n\n" + note, note + "\n\n" + quoted):
        assert plan_note(description, block(detail="full"), written=(note, "\n\n")).verdict == EDITED
        forced = plan_note(description, block(detail="full"), written=(note, "\n\n"), force=True)
        assert forced.description == description.replace(note, block(detail="full"))  # only ours replaced


def test_lines_typed_inside_the_markers_are_not_replaced():
    """Issue case (c)."""
    note = block()
    edited = note.replace("\nTry:", "\nmy knee felt fine\nTry:")
    assert plan_note("Run\n\n" + edited, block(detail="full"), written=(note, "\n\n")).verdict == EDITED


def test_an_indented_copy_is_left_alone_and_gets_no_second_block():
    indented = "\n".join("    " + line for line in block().split("\n"))
    assert plan_note("Copied:\n" + indented, block()).verdict == EDITED
    assert plan_note("Copied:\n" + indented, block(), written=(block(), "\n\n")).verdict == EDITED


def test_a_marker_in_a_sentence_is_a_marker_in_the_runners_text():
    description = f"I love the {START_MARKER} notes"
    assert plan_note(description, block()).verdict == EDITED


def test_a_deleted_block_is_an_opt_out_unless_forced():
    plan = plan_note("Just my words", block(), written=(block(detail="full"), "\n\n"))
    assert plan.verdict == DELETED
    forced = plan_note("Just my words", block(), written=(block(detail="full"), "\n\n"), force=True)
    assert forced.description == "Just my words\n\n" + block()


def test_force_rewrites_one_edited_block_between_marker_lines_and_nothing_else():
    note = block()
    edited = note.replace("likely", "not sure about this one")
    description = "Morning\n\n" + edited + "\n\nafter"
    forced = plan_note(description, block(detail="full"), written=(note, "\n\n"), force=True)
    assert forced.description == "Morning\n\n" + block(detail="full") + "\n\nafter"
    dangling = "Own\n\n" + note.replace("\n" + END_MARKER, "") + "\nMy comment"  # no complete block
    appended = plan_note(dangling, block(), written=(note, "\n\n"), force=True)
    assert appended.description == dangling + "\n\n" + block()  # nothing deleted


def test_switching_the_note_off_removes_exactly_what_fitglute_added():
    for runner in ["", "x", "x\n", "x\n\n", "  x  ", "a\r\nb", "ü 🏃\n\n\n", "\n", RUNNER]:
        added = first(runner)
        removed = plan_note(added.description, None, written=(added.written, added.separator))
        assert removed.verdict == WRITE and removed.description == runner, repr(runner)
        again = plan_note(runner, None, written=(added.written, added.separator))
        assert again.verdict == DELETED  # already gone: nothing to do
    text = "A\n\n" + block() + "\n\nB typed after the note"
    assert plan_note(text, None, written=(block(), "\n\n")).description == "A\n\nB typed after the note"


def test_nothing_to_remove_and_nothing_known_is_same():
    assert plan_note("no block here", None).verdict == SAME
    assert plan_note(None, None).verdict == SAME


def test_a_block_written_by_an_older_fitglute_is_recognised_by_its_digest():
    old = block(detail="full")
    description = "Mine\r\n\r\n" + old  # the old merge wrote LF blocks after a CRLF separator
    plan = plan_note(description, block(), legacy_digest=digest(old))
    assert plan.verdict == WRITE and plan.description == "Mine\r\n\r\n" + block()  # most breaks are LF
    removed = plan_note(description, None, legacy_digest=digest(old))
    assert removed.description == "Mine"
    assert plan_note(description, block(), legacy_digest=digest(old + "x")).verdict == EDITED
    assert plan_note("Mine", block(), legacy_digest=digest(old)).verdict == DELETED


@pytest.mark.parametrize(
    "description",
    [
        "",
        "Easy",
        "Line one\r\nline two",
        f"quote: {START_MARKER}",
        "{note}",
        "Mine\n\n{note}\n\nafter",
        "Mine\n\n{note}\ntyped right under",
        "{note}{note}",
        "A {end} B\n\n{note}",
    ],
)
@pytest.mark.parametrize("force", [False, True])
def test_no_write_ever_changes_a_character_outside_a_block(description, force):
    """Take out the block fitglute replaced (or the complete block a forced rewrite replaced) and
    the one it wrote: what is left is the runner's text, changed at most by fitglute's separator."""
    note = block(detail="full")
    text = description.replace("{note}", note).replace("{end}", END_MARKER)
    for new in (block(), None):
        plan = plan_note(text, new, written=(note, "\n\n"), force=force)
        if plan.verdict != WRITE:
            assert plan.description is None
            continue
        candidates = [(s, s + len(note)) for s in range(len(text)) if text.startswith(note, s)]
        candidates += complete_blocks(text) if force else []
        kept = {text} | {text[:s] + text[e:] for s, e in candidates}
        result = plan.description
        if plan.written:
            at = result.rfind(plan.written) if result.count(plan.written) > 1 else result.find(plan.written)
            result = result[:at] + result[at + len(plan.written):]
        with_separator = {k + plan.separator for k in kept} | {k.replace("\n\n", "", 1) for k in kept}
        assert result in kept | with_separator, (description, force, new is None)


# ------------------------------------------------------------------- privacy, with real findings
INJURY_NOTE = "SECRET-NOTE pulled it sprinting for the 7:40 bus"
INJURY_DAY = date(2026, 1, 12)


@pytest.fixture(scope="module")
def injured_history(tmp_path_factory):
    """Real findings: four steady weeks, then three runs leaning left with a late left shift, judged
    by the real rules through import and history with a left-hamstring injury in the log."""
    pytest.importorskip("fit_tool")
    from datetime import UTC, datetime, timedelta

    from fitglute_devkit.synth import Scenario, write_run

    from fitglute.history.store import Store
    from fitglute.sync.importer import import_paths

    folder = tmp_path_factory.mktemp("injured")
    start = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    days = [d + 7 * w for w in range(4) for d in (0, 2, 4)]
    runs = [(d, {}) for d in days] + [(d, {"balance_left_pct": 51.6, "balance_drift_pts": 1.5}) for d in (28, 30, 32)]
    for i, (day, knobs) in enumerate(runs):
        scenario = Scenario(duration_s=720, seed=700 + i, start=start + timedelta(days=day), **knobs)
        write_run(folder / f"day{day:02d}.fit", scenario)
    db = folder / "history.sqlite"
    with Store(db) as store:
        store.add_injury(INJURY_DAY, "hamstring", "left", INJURY_NOTE)
        store.add_test(INJURY_DAY, "heel-raise", 25, 16, "SECRET-TEST")  # LSI 64 %: the right is weaker
        for offset, score in enumerate((2, 4, 6)):  # rising achilles pain: symptom-trend
            store.add_symptom(INJURY_DAY + timedelta(days=20 + offset), "achilles", "right", {"after": score})
    import_paths([str(folder)], db=db, workers=1)
    with Store(db) as store:
        results = [store.get_run(row["sha256"]).result for row in store.recent_runs(None)]
        injuries = store.injuries()
    return results, injuries


def test_notes_from_real_findings_never_leak_injury_details_or_rule_text(injured_history):
    results, injuries = injured_history
    recurrence = [f for r in results for f in r.findings if f.rule == "same-side-recurrence"]
    assert recurrence and all(INJURY_NOTE in f.message and "2026-01-12" in f.message for f in recurrence)
    hand_logged = {f.rule for r in results for f in r.findings} & {"capacity-asymmetry", "symptom-trend"}
    assert hand_logged == {"capacity-asymmetry", "symptom-trend"}  # the logs did produce findings
    # the strap and the injury log point left, the strength test right: the composite claims no side
    assert not any(f.rule == "posterior-chain-overload" for r in results for f in r.findings)
    rules = plugins.rules()
    declared = " ".join(f"{r.title} {r.evidence.source}" for r in rules.values())  # public by declaration
    for result in results:
        messages = [f.message for f in result.findings if f.message]
        declared_here = declared + " ".join(f.action for f in result.findings)
        assert note_text.build_note(result, detail="off", injuries=injuries, rules=rules) is None
        for detail in ("summary", "full"):
            for allowed in (False, True):
                text = note_text.build_note(result, detail=detail, injuries=injuries if allowed else None, rules=rules)
                assert INJURY_NOTE not in text and "SECRET" not in text and "2026-01-12" not in text
                for message in messages:  # not even a phrase of a rule's free text
                    phrases = [message[i: i + 30] for i in range(0, max(1, len(message) - 30), 10)]
                    assert [p for p in phrases if p in text and p not in declared_here] == []
                if not allowed:  # (the composite's declared title names hamstrings in general)
                    assert "Injury log" not in text and "logged injury" not in text and "2026-01" not in text
                    assert "recurrence" not in text.lower() and "left hamstring" not in text
                    for rule in hand_logged:  # strength tests and symptoms are the runner's own health data
                        assert rules[rule].title not in text and rule not in text
    last = max(results, key=lambda r: r.start_time)
    shown = note_text.build_note(last, detail="full", injuries=injuries, rules=rules)
    private = [f for f in last.findings if f.rule in {"same-side-recurrence", *hand_logged}]
    top = sorted(last.findings, key=lambda f: -f.confidence)[:4]
    assert private and any(f in top for f in private)  # allowed: the private findings compete for a place
    for f in top:
        if f in private:
            assert rules[f.rule].title in shown
    assert "Injury log: left hamstring (2026-01)" in shown


def test_a_write_whose_answer_was_lost_is_recognised_either_way():
    old, new = block(), block(detail="full")
    landed = "Mine\n\n" + new  # the lost write did reach Strava
    assert plan_note(landed, new, written=(old, "\n\n"), in_flight=(new, "\n\n")).verdict == SAME
    missed = "Mine\n\n" + old  # it did not
    assert plan_note(missed, new, written=(old, "\n\n"), in_flight=(new, "\n\n")).description == landed
    first_try = plan_note("Mine", new, in_flight=(new, "\n\n"))  # a first write that never arrived
    assert first_try.verdict == WRITE and first_try.description == landed
