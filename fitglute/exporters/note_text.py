"""The fitglute note: one marker-delimited, plain-text block inside a Strava activity description.

Why one place: the block is built only here (:func:`build_note`) and merged into the runner's text
only in :mod:`fitglute.exporters.note_merge`, so every command writes the same thing and a re-sync
can tell "already there" from "changed" without duplicating it.

Format (``detail="summary"``, at most ~600 characters, lines short enough for a phone)::

    ── fitglute ──
    GCT 251 ms · L/R balance 48.6/51.4 %
    Cadence 171 spm · VO 8.9 cm · VR 7.6 %
    • Left: Late-stance push-off looks weaker — likely (evidence B)
    • Both sides: Bouncy stride for this pace — possible (evidence C)
    Try: Single-leg glute bridges, 3×12 per side, twice a week.
    Hypotheses from running dynamics, not a diagnosis.
    ── end fitglute ──

* First and last lines are the markers :data:`START_MARKER` / :data:`END_MARKER` (U+2500 box lines).
* Headline metrics: ground-contact time (ms), GCT balance left/right (%), cadence (spm), vertical
  oscillation (cm) and vertical ratio (%); missing values are left out.
* Findings: the top 2 (summary) or 4 (``detail="full"``) by confidence, each with its side and a
  confidence *word*, never a number or a medical term: confidence < 0.4 → "possible",
  0.4 to < 0.7 → "likely", ≥ 0.7 → "strong signal". Evidence grade A/B/C is shown when known.
* ONE action ("Try: …"): the first shown finding that has one.
* ``detail="full"`` adds step length, the minutes of clean running analysed, each finding's message
  and evidence source, and what could not be assessed. Rule messages therefore must not contain injury-log details.
* Injury-log entries (site, side, month; never the free-text note) only when the caller passes them.
* Plain text only (Strava descriptions are plain): no links, no markdown. Content is collapsed to
  single lines, so nothing a rule writes can forge a marker line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from fitglute.model.history import Injury
from fitglute.model.result import RunResult
from fitglute.rules.confidence import confidence_word as _word

START_MARKER = "── fitglute ──"
END_MARKER = "── end fitglute ──"
DISCLAIMER = "Hypotheses from running dynamics, not a diagnosis."
DETAILS = ("off", "summary", "full")
SUMMARY_MAX_CHARS = 600
FULL_MAX_CHARS = 1400

_SIDES = {"left": "Left", "right": "Right", "both": "Both sides"}


# --------------------------------------------------------------------------------------------------
# Building the block
# --------------------------------------------------------------------------------------------------
def confidence_word(confidence: Any) -> str:
    """Words, not numbers: a phone reader should not mistake 0.62 for a measured probability."""
    return _word(_number(confidence) or 0.0)


def build_note(
    result: RunResult, *, detail: str = "summary", injuries: list[Injury] | None = None
) -> str | None:
    """The complete block (markers included) for one analysed run, or None when ``detail == "off"``.

    ``injuries`` (the injury log) are listed only when given: the caller decides whether the
    runner allowed them in a public description.
    """
    if detail not in DETAILS:
        raise ValueError(f"note detail must be one of {', '.join(DETAILS)}, not {detail!r}")
    if detail == "off":
        return None
    full = detail == "full"
    metrics = result.metrics or {}
    findings = _ranked(f.to_json() for f in result.findings)[: 4 if full else 2]
    body = _headline(metrics, full)
    body += _finding_lines(findings, full)
    action = _action_line(findings, full)
    optional = []
    if full:
        optional += _not_assessed_line(result.not_assessed)
    if injuries is not None:
        optional += _injury_line([i.to_json() for i in injuries])
    limit = FULL_MAX_CHARS if full else SUMMARY_MAX_CHARS
    return _fit([*body, *action], optional, limit)


def _fit(lines: list[str], optional: list[str], limit: int) -> str:
    """Assemble the block; drop optional lines, then trailing findings, until it fits ``limit``."""

    def render(content: list[str]) -> str:
        return "\n".join([START_MARKER, *content, DISCLAIMER, END_MARKER])

    content = [*lines, *optional]
    while len(render(content)) > limit and optional:
        optional.pop()
        content = [*lines, *optional]
    while len(render(content)) > limit and any(line.startswith("• ") for line in content):
        last = max(i for i, line in enumerate(content) if line.startswith("• "))
        del content[last]
    return render(content)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _one_line(text: Any, limit: int) -> str:
    """Collapse whitespace (no rule text can add lines or markers) and clip at a word boundary."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,;:.-—") + "…"


def _headline(metrics: Mapping[str, Any], full: bool) -> list[str]:
    gct = _number(metrics.get("gct_ms"))
    left = _number(metrics.get("gct_balance_left_pct"))
    cadence = _number(metrics.get("cadence_spm"))
    vo = _number(metrics.get("vertical_oscillation_mm"))
    vr = _number(metrics.get("vertical_ratio_pct"))
    first = [f"GCT {gct:.0f} ms" if gct is not None else ""]
    first.append(f"L/R balance {left:.1f}/{100 - left:.1f} %" if left is not None else "")
    second = [
        f"Cadence {cadence:.0f} spm" if cadence is not None else "",
        f"VO {vo / 10:.1f} cm" if vo is not None else "",
        f"VR {vr:.1f} %" if vr is not None else "",
    ]
    lines = [" · ".join(p for p in parts if p) for parts in (first, second)]
    if full:
        step = _number(metrics.get("step_length_mm"))
        clean = _number(metrics.get("clean_running_s"))
        third = [
            f"Step {step / 1000:.2f} m" if step is not None else "",
            f"{clean / 60:.0f} min of steady running analysed" if clean else "",
        ]
        lines.append(" · ".join(p for p in third if p))
    lines = [line for line in lines if line]
    return lines or ["No running-dynamics data in this file."]


def _ranked(findings: Iterable[Any]) -> list[Mapping[str, Any]]:
    """Highest confidence first (the input should already be sorted; do not rely on it)."""
    usable = [f for f in findings if isinstance(f, Mapping)]
    return sorted(usable, key=lambda f: -(_number(f.get("confidence")) or 0.0))


def _finding_lines(findings: list[Mapping[str, Any]], full: bool) -> list[str]:
    if not findings:
        return ["No pattern stood out in this run."]
    lines = []
    for finding in findings:
        side = _SIDES.get(str(finding.get("side") or "").lower())
        title = _one_line(finding.get("title") or finding.get("rule") or "Finding", 70 if full else 50)
        grade = str(finding.get("evidence") or "").strip().upper()[:1]
        tail = confidence_word(finding.get("confidence"))
        source = _one_line(finding.get("evidence_source"), 40) if full else ""
        if grade in ("A", "B", "C"):
            tail += f" (evidence {grade}{', ' + source if source else ''})"
        lines.append(f"• {side + ': ' if side else ''}{title} — {tail}")
        if full and finding.get("message"):
            lines.append("  " + _one_line(finding["message"], 160))
    return lines


def _action_line(findings: list[Mapping[str, Any]], full: bool) -> list[str]:
    for finding in findings:
        action = _one_line(finding.get("action"), 200 if full else 120)
        if action:
            return [f"Try: {action}"]
    return []


def _not_assessed_line(not_assessed: Any) -> list[str]:
    if not isinstance(not_assessed, Mapping) or not not_assessed:
        return []
    items = []
    for name, why in not_assessed.items():
        reason = why.get("reason") if isinstance(why, Mapping) else why
        label = str(name).replace("_", " ")
        items.append(f"{label} ({_one_line(reason, 40)})" if reason else label)
    return ["Not assessed: " + _one_line("; ".join(items), 200)]


def _injury_line(injuries: Any) -> list[str]:
    """Site, side and month only: the free-text note may be private and the block is public."""
    if not isinstance(injuries, list) or not injuries:
        return []
    entries = sorted((i for i in injuries if isinstance(i, Mapping)), key=lambda i: str(i.get("date") or ""),
                     reverse=True)
    parts = []
    for injury in entries[:3]:
        side = str(injury.get("side") or "").lower()
        side = side if side in ("left", "right", "both") else ""
        site = _one_line(injury.get("site") or "injury", 30)
        month = str(injury.get("date") or "")[:7]
        parts.append(" ".join(p for p in (side, site) if p) + (f" ({month})" if month else ""))
    return ["Injury log: " + _one_line(", ".join(parts), 100)] if parts else []


