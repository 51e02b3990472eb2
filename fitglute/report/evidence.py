"""The runner's own evidence in words: one line per capacity test or symptom entry.

One place for these words, so ``test add``, ``test list``, ``pain list``, ``history`` and the injury
review say the same thing about the same entry.
"""

from __future__ import annotations

from fitglute.model.capacity import CapacityTest
from fitglute.model.history import Symptom

SCALE_WORDS = {"during": "during", "after": "after", "morning": "next morning"}


def symmetry(test: CapacityTest) -> str:
    """``LSI 72 % · right weaker · flagged``; a pain-scored test: the difference in points."""
    weaker = test.weaker_side
    if test.protocol.pain:
        if weaker is None:
            return "same pain both sides"
        text = f"{test.pain_difference:g} points more pain {weaker}"
    elif test.lsi_pct is None:
        return "no score on either side"
    else:
        text = f"LSI {test.lsi_pct:g} %" + (f" · {weaker} weaker" if weaker else " · even")
    return text + (" · flagged" if test.flagged() else "")


def describe_test(test: CapacityTest) -> str:
    note = f" — {test.note}" if test.note else ""
    scores = f"left {test.left:g} / right {test.right:g} {test.protocol.unit}"
    return f"{test.kind} {test.date.isoformat()}, {scores}: {symmetry(test)}{note}"


def describe_symptom(entry: Symptom) -> str:
    scores = ", ".join(f"{w} {entry.score(k):g}" for k, w in SCALE_WORDS.items() if entry.score(k) is not None)
    run = f", run {entry.run_sha[:10]}" if entry.run_sha else ""
    note = f" — {entry.note}" if entry.note else ""
    return f"{entry.side} {entry.site}, {entry.date.isoformat()}: {scores} (of 10){run}{note}"
