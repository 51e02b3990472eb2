"""Helpers for tests that read the terminal output as a person sees it."""

from __future__ import annotations

import re


def legend_of(stdout: str) -> str:
    """The key under a trend plot: the lines after the x axis and its dates, joined (it wraps)."""
    lines = stdout.splitlines()
    axis = max(i for i, line in enumerate(lines) if "└" in line)
    return " ".join(line.strip() for line in lines[axis + 2 :])


def broken(words: list[str], text: str) -> list[str]:
    """The ``words`` (ids, file names) that do not appear whole on one line of ``text``.

    A word cut with an ellipsis does not count as broken only if the caller leaves it out.
    """
    lines = text.splitlines()
    return [w for w in words if not any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", line) for line in lines)]


def widest(text: str) -> int:
    return max((len(line.rstrip()) for line in text.splitlines()), default=0)
