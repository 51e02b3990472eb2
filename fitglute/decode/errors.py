"""Decode problems as data: one stable ``kind`` and one readable line each."""

from __future__ import annotations


class FitError(Exception):
    """A file that cannot be analysed. ``kind`` is a stable code, ``reason`` one readable line."""

    def __init__(self, path: str | None, kind: str, reason: str) -> None:
        self.path = path
        self.kind = kind
        self.reason = reason
        super().__init__(f"{path or '<bytes>'}: {reason}")


class NotRunning(FitError):
    """A valid FIT file that holds no running activity (skipped, not failed)."""
