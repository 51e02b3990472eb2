"""Putting the fitglute block into the runner's description: only ever the text fitglute wrote.

The rule is simple and strict, because the description is the runner's: fitglute remembers the
exact block it last wrote into each activity (and the one it is about to write, in case the answer
to a write is lost). On the next write it replaces **that exact text**, found verbatim (line
endings aside: Strava or an editor may turn LF into CRLF), and nothing else:

* found once, and no marker anywhere else → replaced in place (or removed, with the line breaks
  fitglute put before it, when the note is switched off);
* no trace of fitglute (no block, no marker) → a first note is appended after one blank line; if
  fitglute had written one before, the runner deleted it: that is an opt-out (:data:`DELETED`)
  and nothing is added again unless forced;
* anything else — the block edited, clipped, indented, copied, or a marker inside the runner's own
  text — is :data:`EDITED`: the description is left exactly as it is.

``force`` (the runner asked for that activity) replaces our own verbatim block even when markers
stand elsewhere, otherwise the one complete block between marker lines (the runner's edits inside
it are what they asked to overwrite), otherwise appends a block; it never deletes anything outside
a complete block. The block takes the description's line-ending style (CRLF stays CRLF).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from fitglute.exporters.note_text import END_MARKER, MARKERS, START_MARKER

WRITE, SAME, EDITED, DELETED = "write", "same", "edited", "deleted"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_START_LINE = re.compile(r"(?:^|(?<=\r))" + re.escape(START_MARKER) + r"[ \t]*(?=\r|\n|\Z)", re.MULTILINE)
_END_LINE = re.compile(r"(?:^|(?<=\r))" + re.escape(END_MARKER) + r"[ \t]*(?=\r|\n|\Z)", re.MULTILINE)


@dataclass(frozen=True)
class Plan:
    """What to do with one description.

    ``description`` is the text to PUT (``WRITE`` only); ``written`` the block exactly as it then
    stands in it (None when removed or not ours); ``separator`` the line breaks fitglute put
    before it (so removing the block gives the runner's text back exactly).
    """

    verdict: str
    description: str | None = None
    written: str | None = None
    separator: str = ""


def normalise(text: str) -> str:
    """Line endings as LF: the form blocks are compared and digested in."""
    return _LINE_BREAK.sub("\n", text)


def digest(text: str | None) -> str | None:
    """Short fingerprint of a block (LF form; the same as fitglute ≤ 0.x stored for LF blocks)."""
    return None if text is None else hashlib.sha256(normalise(text).encode()).hexdigest()[:16]


def newline_of(text: str) -> str:
    """The description's line-ending style: CRLF when most of its line breaks are CRLF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


def styled(block: str, newline: str) -> str:
    """``block`` (LF) with the given line endings."""
    return normalise(block).replace("\n", newline)


def verbatim_spans(text: str, known: str) -> list[tuple[int, int]]:
    """Where ``known`` stands in ``text`` exactly, line endings aside."""
    if not known:
        return []
    pattern = r"(?:\r\n|\r|\n)".join(re.escape(line) for line in normalise(known).split("\n"))
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def marker_spans(text: str) -> list[tuple[int, int]]:
    """Every occurrence of a marker, wherever it is (a line of its own, indented, mid-sentence)."""
    spans = []
    for marker in MARKERS:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(marker), text)]
    return sorted(spans)


def complete_blocks(text: str) -> list[tuple[int, int]]:
    """Start-marker line up to the next end-marker line (a block as fitglute lays it out)."""
    blocks = []
    pos = 0
    while (start := _START_LINE.search(text, pos)) is not None:
        end = _END_LINE.search(text, start.end())
        if end is None:
            break
        blocks.append((start.start(), end.end()))
        pos = end.end()
    return blocks


def plan_note(
    description: str | None,
    block: str | None,
    *,
    written: tuple[str, str] | None = None,
    in_flight: tuple[str, str] | None = None,
    legacy_digest: str | None = None,
    force: bool = False,
) -> Plan:
    """Decide what to do with ``description`` to make it carry ``block`` (None: carry no block).

    ``written`` is the (block, separator) fitglute last wrote into this description, ``in_flight``
    one it was writing when the answer was lost (it may or may not be there); ``legacy_digest`` is
    the digest an older fitglute kept instead of the text (a complete block with that digest is
    then recognised as ours). Only a *written* block that is gone is an opt-out.
    """
    text = description or ""
    newline = newline_of(text)
    new_block = None if block is None else styled(block, newline)
    known = [pair for pair in (written, in_flight) if pair and pair[0]]
    found = sorted({(s, e, sep) for text_, sep in known for s, e in verbatim_spans(text, text_)})
    if not found and legacy_digest:
        blocks = complete_blocks(text)
        found = [(s, e, _breaks_before(text, s)) for s, e in blocks if digest(text[s:e]) == legacy_digest]
    markers = marker_spans(text)
    foreign = [m for m in markers if not any(s <= m[0] and m[1] <= e for s, e, _ in found)]
    if len(found) == 1 and (not foreign or force):
        start, end, separator = found[0]
        if new_block is not None and normalise(text[start:end]) == normalise(new_block) and not force:
            return Plan(SAME, None, text[start:end], separator)
        return _replace(text, start, end, separator, new_block)
    if not found and not markers:
        if ((written and written[0]) or legacy_digest) and not force:
            return Plan(DELETED)
        if new_block is None:
            return Plan(SAME)
        separator = _separator(text, newline)
        return Plan(WRITE, text + separator + new_block, new_block, separator)
    if not force:
        return Plan(EDITED)
    blocks = complete_blocks(text)
    if len(blocks) == 1 and len(markers) == 2:
        start, end = blocks[0]
        return _replace(text, start, end, "", new_block)
    if new_block is None:
        return Plan(EDITED)  # nothing that is clearly a block to remove, and removing is deleting
    separator = _separator(text, newline)
    return Plan(WRITE, text + separator + new_block, new_block, separator)


def _replace(text: str, start: int, end: int, separator: str, new_block: str | None) -> Plan:
    if new_block is not None:
        return Plan(WRITE, text[:start] + new_block + text[end:], new_block, separator)
    before = text[:start]
    wanted = normalise(separator).count("\n")
    breaks = _breaks_before(text, start, wanted)
    if wanted and normalise(breaks).count("\n") == wanted:  # the separator fitglute added: take it away
        before = before[: len(before) - len(breaks)]
    return Plan(WRITE, before + text[end:], None, "")


def _breaks_before(text: str, pos: int, most: int = 2) -> str:
    """The line breaks (at most ``most``) right before ``pos``."""
    found = ""
    for _ in range(most):
        head = text[: pos - len(found)]
        br = next((b for b in ("\r\n", "\n", "\r") if head.endswith(b)), "")
        if not br:
            break
        found = br + found
    return found


def _separator(text: str, newline: str) -> str:
    """One blank line between the runner's text and the block (none before an empty text)."""
    if not text or normalise(text).endswith("\n\n"):
        return ""
    if normalise(text).endswith("\n"):
        return newline
    return newline * 2


__all__ = [
    "DELETED",
    "EDITED",
    "SAME",
    "WRITE",
    "Plan",
    "complete_blocks",
    "digest",
    "marker_spans",
    "newline_of",
    "normalise",
    "plan_note",
    "styled",
    "verbatim_spans",
]
