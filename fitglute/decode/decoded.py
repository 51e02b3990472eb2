"""The decoded shape both FIT decoders return, so everything after them ignores which one ran.

Record columns as float64 with NaN for "no value", enums as numbers, timestamps as Unix seconds,
positions in degrees, developer values keyed by (developer_data_index, field number). Tests
compare the two paths column by column on this shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FIT_EPOCH_UNIX = 631065600
SEMICIRCLE_TO_DEG = 180.0 / 2**31
#: the summary messages fitglute reads besides ``record``
SUMMARY_MESSAGES = ("session", "lap", "device_info", "file_id", "sport")


class DecodeFailure(Exception):
    """Nothing usable could be decoded; ``kind`` is a stable code, ``reason`` one line."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind, self.reason = kind, reason
        super().__init__(reason)


@dataclass
class Decoded:
    records: dict[str, np.ndarray]
    sessions: list[dict[str, Any]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    file_ids: list[dict[str, Any]] = field(default_factory=list)
    sports: list[dict[str, Any]] = field(default_factory=list)
    dev_values: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    dev_descriptions: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    dev_apps: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    decoder: str = ""

    def summary_lists(self) -> tuple[list, ...]:
        """The lists that hold each of :data:`SUMMARY_MESSAGES`, in that order."""
        return self.sessions, self.laps, self.devices, self.file_ids, self.sports


def app_hex(app: Any) -> str | None:
    """A developer application id (16 bytes as a list or bytes) as 32 hex digits."""
    if app is None:
        return None
    try:
        return bytes(int(x) & 0xFF for x in app).hex()
    except TypeError:
        return None


def as_number(value: Any) -> float | None:
    """A finite float, or None (strings, None, NaN and values that are not numbers)."""
    if value is None or isinstance(value, str):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def text_of(value: Any) -> str:
    """A FIT string as one clean ``str``: developer field names and units come as ``str``, as
    a list of strings (bytes after the NUL terminator, decoded as a second string), as bytes,
    or as None, depending on the decoder and the device."""
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).split(b"\0", 1)[0].decode("utf-8", "replace")
    elif isinstance(value, (list, tuple)):
        value = next((text_of(v) for v in value if text_of(v)), "")
    return str(value).split("\0", 1)[0].strip()
