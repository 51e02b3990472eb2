"""The fitglute note: one marker-delimited, plain-text block inside a Strava activity description.

Why one module: the block is built in exactly one place (:func:`build_note`) and merged into the
runner's text in exactly one place (:func:`merge_note`), so every command writes the same thing and a
re-sync can tell "already there" from "changed" without duplicating it.

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
* Injury-log entries (site, side, month; never the free-text note) only with ``include_injuries=True``.
* Plain text only (Strava descriptions are plain): no links, no markdown. Content is collapsed to
  single lines, so nothing a rule writes can forge a marker line.

Merging (:func:`merge_note`): the runner's text before and after the block is kept byte for byte.
A block is a start-marker *line* (the marker alone on its line, trailing spaces allowed) up to and
including the next end-marker line; a block edited by hand is still ours and is replaced whole. A
start-marker line without an end marker (clipped or half-deleted block) is treated as ours up to the
first blank line or the end of the text: our block never contains a blank line, so text the runner
added below it after a blank line survives. A marker inside a sentence is not a marker. Appending
puts one blank line between the runner's text and the block (CRLF if the runner's text uses CRLF);
removing takes that separator away again, so append-then-remove returns the original text exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

START_MARKER = "── fitglute ──"
END_MARKER = "── end fitglute ──"
DISCLAIMER = "Hypotheses from running dynamics, not a diagnosis."
DETAILS = ("off", "summary", "full")
SUMMARY_MAX_CHARS = 600
FULL_MAX_CHARS = 1400

_START_RE = re.compile(r"^" + re.escape(START_MARKER) + r"[ \t]*(?=\r?\n|\Z)", re.MULTILINE)
_END_RE = re.compile(r"^" + re.escape(END_MARKER) + r"[ \t]*(?=\r?\n|\Z)", re.MULTILINE)
_BLANK_LINE_RE = re.compile(r"\r?\n[ \t]*(?=\r?\n|\Z)")
_SIDES = {"left": "Left", "right": "Right", "both": "Both sides"}


# --------------------------------------------------------------------------------------------------
# Building the block
# --------------------------------------------------------------------------------------------------
def confidence_word(confidence: Any) -> str:
    """Words, not numbers: a phone reader should not mistake 0.62 for a measured probability."""
    value = _number(confidence) or 0.0
    if value >= 0.7:
        return "strong signal"
    if value >= 0.4:
        return "likely"
    return "possible"


def build_note(result: Mapping[str, Any], *, detail: str = "summary", include_injuries: bool = False) -> str | None:
    """The complete block (markers included) for one analysed run, or None when ``detail == "off"``."""
    if detail not in DETAILS:
        raise ValueError(f"note detail must be one of {', '.join(DETAILS)}, not {detail!r}")
    if detail == "off":
        return None
    full = detail == "full"
    metrics = result.get("metrics") or {}
    findings = _ranked(result.get("findings") or [])[: 4 if full else 2]
    body = _headline(metrics, full)
    body += _finding_lines(findings, full)
    action = _action_line(findings, full)
    optional = []
    if full:
        optional += _not_assessed_line(result.get("not_assessed"))
    if include_injuries:
        optional += _injury_line(result.get("injuries"))
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


# --------------------------------------------------------------------------------------------------
# Finding and merging the block
# --------------------------------------------------------------------------------------------------
def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every fitglute block; see the module doc for unterminated blocks."""
    spans = []
    pos = 0
    while (start := _START_RE.search(text, pos)) is not None:
        end = _END_RE.search(text, start.end())
        if end is not None and not _START_RE.search(text, start.end(), end.start()):
            stop = end.end()  # complete block, possibly hand-edited (even with blank lines inside)
        else:
            blank = _BLANK_LINE_RE.search(text, start.end())
            stop = blank.start() if blank is not None else len(text)
        spans.append((start.start(), stop))
        pos = stop
    return spans


def extract_note(description: str | None) -> str | None:
    """The first fitglute block in the description, or None."""
    text = description or ""
    spans = _spans(text)
    return text[spans[0][0]: spans[0][1]] if spans else None


def same_note(a: str | None, b: str | None) -> bool:
    """Compare blocks ignoring CRLF/trailing-space differences Strava might introduce."""
    if a is None or b is None:
        return a is b
    return _normalise(a) == _normalise(b)


def _normalise(block: str) -> str:
    lines = block.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def merge_note(description: str | None, block: str | None) -> str | None:
    """The new description with ``block`` in place, or None when nothing would change (no PUT).

    ``block=None`` removes any fitglute block. The runner's text outside the block is kept byte for byte.
    """
    text = description or ""
    spans = _spans(text)
    if block is None:
        new = strip_note(text)
    elif not spans:
        new = block if not text else text + _separator(text) + block
    else:
        first_start, first_end = spans[0]
        if len(spans) == 1 and same_note(text[first_start:first_end], block):
            return None
        rest = text[first_end:]
        for start, end in reversed(spans[1:]):  # stray copies: keep exactly one block
            offset = first_end
            rest = _remove_span(rest, start - offset, end - offset)
        new = text[:first_start] + block + rest
    return None if new == text else new


def strip_note(description: str | None) -> str:
    """The description without any fitglute block (and without the separator added with it)."""
    text = description or ""
    for start, end in reversed(_spans(text)):
        text = _remove_span(text, start, end)
    return text


def _separator(text: str) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    return newline * 2


def _remove_span(text: str, start: int, end: int) -> str:
    """Cut one block plus the line breaks that only existed to separate it (at most one blank line)."""
    before, after = text[:start], text[end:]
    if after:
        return before + _strip_leading_breaks(after)
    return _strip_trailing_breaks(before)


def _strip_trailing_breaks(text: str, count: int = 2) -> str:
    for _ in range(count):
        if text.endswith("\r\n"):
            text = text[:-2]
        elif text.endswith("\n"):
            text = text[:-1]
        else:
            break
    return text


def _strip_leading_breaks(text: str, count: int = 2) -> str:
    for _ in range(count):
        if text.startswith("\r\n"):
            text = text[2:]
        elif text.startswith("\n"):
            text = text[1:]
        else:
            break
    return text
