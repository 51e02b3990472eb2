"""The two axes every finding is shown on, in words (issue 13: two axes instead of one word).

* **signal clarity** — how clearly *this run's* data show the effect: data quality (clean minutes,
  coverage, sensor, conditions) × how far past its threshold the effect is and how much of that
  survives the run's own noise. Words: < 0.4 "faint", < 0.7 "moderate", else "clear".
* **evidence strength** — how strong the published evidence is that such a signal matters, the
  rule's grade from reference/evidence.md: A "strong", B "moderate", C "weak".

A clear signal can rest on weak evidence (a large contact-time imbalance, grade C) and a faint
signal on moderate evidence; one product of the two ("likely") hid which was which.
"""

from __future__ import annotations

from typing import Any

EVIDENCE_WORDS = {"A": "strong", "B": "moderate", "C": "weak"}


def clarity_word(clarity: float) -> str:
    """Words, not numbers: a reader should not mistake 0.62 for a measured probability."""
    return "faint" if clarity < 0.4 else "moderate" if clarity < 0.7 else "clear"


def evidence_word(grade: Any) -> str:
    return EVIDENCE_WORDS.get(str(grade or "").strip().upper()[:1], "ungraded")


def axes_text(clarity: float, grade: Any) -> str:
    """``signal clear · evidence weak (C)``: the one wording of both axes (report, note)."""
    g = str(grade or "").strip().upper()[:1]
    tail = f" ({g})" if g in EVIDENCE_WORDS else ""
    return f"signal {clarity_word(clarity)} · evidence {evidence_word(g)}{tail}"
