"""Numbers and times as people read them (shared by every renderer)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def fmt_pace(distance_m: float | None, seconds: float | None) -> str:
    if not distance_m or not seconds or distance_m < 10:
        return "–"
    per_km = seconds / (distance_m / 1000)
    return f"{int(per_km // 60)}:{int(per_km % 60):02d} /km"


def fmt_start(iso: str | None) -> str:
    if not iso:
        return "unknown date"
    local = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    return local.strftime("%a %d %b %Y, %H:%M")


def fmt_value(value: float | None, nd: int) -> str:
    return "–" if value is None else f"{value:.{nd}f}"


def local_day(iso: str) -> str:
    """Start time in the runner's local time zone, compact enough for a table row."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")


def format_values(values: dict[str, Any]) -> str:
    """The numbers behind a finding, compactly: ``balance_left_pct 52.0 · ci 51.9–52.1``."""
    parts = []
    for key, v in values.items():
        if isinstance(v, float):
            parts.append(f"{key} {v:g}")
        elif key.endswith("ci") and isinstance(v, list) and len(v) == 2:
            parts.append(f"{key} {v[0]:g}–{v[1]:g}")
        elif isinstance(v, list):
            parts.append(f"{key} {', '.join(str(x) for x in v)}")
        else:
            parts.append(f"{key} {v}")
    return " · ".join(parts)
