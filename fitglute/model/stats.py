"""Statistics of one channel over clean running: what dynamics computes and the result carries."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar


@dataclass
class ChannelStats:
    mean: float
    median: float
    sd: float
    p10: float
    p90: float
    coverage: float  # share of clean running time with a valid value


@dataclass
class Interval:
    estimate: float
    low: float
    high: float


@dataclass
class Drift:
    """Last third vs first third of clean running (warm-up left out), at matched speed and grade.

    ``unit`` is % or pts; ``speed_adjusted`` is False where speed cannot be matched (indoor, no speed).
    """

    unit: str
    change: float
    low: float
    high: float
    unadjusted: float
    speed_adjusted: bool


def rnd(x: Any, nd: int = 3) -> Any:
    """Round a number for publishing (None for NaN/inf); strings, bools and None pass through."""
    if x is None or isinstance(x, (bool, str)):
        return x
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


T = TypeVar("T")


def rounded(obj: T, nd: int = 3) -> T:
    """A copy of a stats dataclass with every number rounded as published."""
    return replace(obj, **{f.name: rnd(getattr(obj, f.name), nd) for f in fields(obj)})  # type: ignore[arg-type]


def as_dict(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}
