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


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``: a count with its noun in the right number."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


#: words for the keys rules put in a finding's ``values`` (label, unit); anything else is worded
#: from the channel table or from the key's unit suffix by :func:`value_words`
VALUE_WORDS: dict[str, tuple[str, str]] = {
    "balance_left_pct": ("GCT balance", "% left"),
    "ci": ("95 % interval", ""),
    "flat_running_min": ("clean flat running", "min"),
    "signals": ("signals", ""),
    "signal_confidence": ("their confidence", ""),
    "balance_drift_pts": ("balance drift", "pts"),
    "speed_change_pct": ("speed change", "%"),
    "pace_change_pct": ("pace change", "%"),
    "spike_pct": ("load increase", "%"),
    "acute": ("this week", "km"),
    "chronic": ("weekly average", "km"),
    "ratio": ("acute : chronic ratio", "×"),
    "acute_days": ("acute window", "days"),
    "chronic_days": ("chronic window", "days"),
    "days_since_injury": ("days since the injury", ""),
    "window_days": ("window", "days"),
    "baseline_risk_pct": ("baseline risk", "%"),
    "zones": ("zones", ""),
    "latest_entry": ("latest entry", ""),
    "native_source": ("native dynamics from", ""),
    "speed_adjusted": ("speed adjusted", ""),
    "lss_mean_kn_m": ("mean leg spring stiffness", "kN/m"),
    "lss_change_pct": ("leg spring stiffness change", "%"),
}
UNIT_SUFFIX = {
    "pct": "%", "ms": "ms", "mm": "mm", "min": "min", "s": "s", "pts": "pts", "deg": "°", "days": "days",
    "weeks": "weeks", "km": "km", "w": "W", "bpm": "bpm", "spm": "spm", "g": "g", "mps": "m/s",
}  # fmt: skip
PREFIX_WORDS = {"rs": "RunScribe", "gct": "GCT", "vo": "VO", "lss": "LSS"}


def _number(v: float) -> str:
    a = abs(v)
    if v == int(v):
        return str(int(v))
    return f"{v:.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}".rstrip("0")


def value_words(key: str, value: Any) -> str:
    """One of a finding's numbers in plain words with its unit: ``GCT balance 51.8 % left``."""
    from fitglute.model.channels import CORE_CHANNELS

    channel, _, unit_key = key.rpartition("_change_")
    if key in VALUE_WORDS:
        label, unit = VALUE_WORDS[key]
    elif channel in CORE_CHANNELS and unit_key in UNIT_SUFFIX:
        label, unit = f"{CORE_CHANNELS[channel].noun} change", UNIT_SUFFIX[unit_key]
    elif key in CORE_CHANNELS:
        label, unit = CORE_CHANNELS[key].noun or key, CORE_CHANNELS[key].unit
    else:
        tokens = key.split("_")
        unit = next((UNIT_SUFFIX[t] for t in reversed(tokens) if t in UNIT_SUFFIX), "")
        words = [PREFIX_WORDS.get(t, t) for t in tokens if UNIT_SUFFIX.get(t) != unit or not unit]
        label = " ".join(words)
    if isinstance(value, bool):
        shown = "yes" if value else "no"
    elif isinstance(value, (int, float)):
        shown = _number(float(value))
        if ("change" in key or "drift" in key) and value > 0:
            shown = "+" + shown  # a change reads as one
    elif key.endswith("ci") and isinstance(value, list) and len(value) == 2 and None not in value:
        shown = f"{_number(float(value[0]))}–{_number(float(value[1]))}"
    elif isinstance(value, list):
        shown = ", ".join(_number(float(x)) if isinstance(x, (int, float)) else str(x) for x in value)
    else:
        shown = str(value)
    sep = "" if unit in ("°", "×") else " "
    return f"{label} {shown}{sep}{unit}".rstrip() if unit else f"{label} {shown}"


#: bookkeeping keys a finding's values may carry that are not measurements (which load unit the
#: other numbers are in: their own units already say so)
NOT_MEASURED = frozenset({"unit"})


def values_words(values: dict[str, Any]) -> str:
    """A finding's numbers, each in words, joined with `` · ``; missing ones are left out."""
    return " · ".join(value_words(k, v) for k, v in values.items() if v is not None and k not in NOT_MEASURED)


def short_name(name: str, width: int) -> str:
    """A file name that fits ``width`` cells: an ellipsis in the middle, the end (the date and
    the extension people recognise a file by) kept."""
    if len(name) <= width:
        return name
    if width <= 1:
        return name[:width]
    head = max(1, (width - 1) // 3)
    return name[:head] + "…" + name[-(width - 1 - head) :]


def compact_start(iso: str | None) -> str:
    """A start time in 16 cells that never needs to wrap: ``2026-05-03 06:30``."""
    return local_day(iso) if iso else "–"


def format_values(values: dict[str, Any]) -> str:
    """The numbers behind a finding in words with units (the terminal's and the HTML page's)."""
    return values_words(values)
