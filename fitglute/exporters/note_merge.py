"""Merging the fitglute block into the runner's description: only ever our block, in place.

A block is a start-marker *line* (the marker alone on its line, trailing spaces allowed) up to and
including the next end-marker line; a block edited by hand is still ours and is replaced whole. A
start-marker line without an end marker (clipped or half-deleted block) is treated as ours up to the
first blank line or the end of the text: our block never contains a blank line, so text the runner
added below it after a blank line survives. A marker inside a sentence is not a marker. Appending
puts one blank line between the runner's text and the block (CRLF if the runner's text uses CRLF);
removing takes that separator away again, so append-then-remove returns the original text exactly.
"""

from __future__ import annotations

import re

from fitglute.exporters.note_text import END_MARKER, START_MARKER

_START_RE = re.compile(r"^" + re.escape(START_MARKER) + r"[ \t]*(?=\r?\n|\Z)", re.MULTILINE)
_END_RE = re.compile(r"^" + re.escape(END_MARKER) + r"[ \t]*(?=\r?\n|\Z)", re.MULTILINE)
_BLANK_LINE_RE = re.compile(r"\r?\n[ \t]*(?=\r?\n|\Z)")


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
