"""The channel table: every canonical channel's unit, label, digits and plausible range.

Decoding fixes units to these (``gct_ms`` is milliseconds everywhere), dynamics masks values
outside ``plausible`` (fit-running-fields.md §7: dropouts and glitches, never interpolated),
drift is reported in % for ``log_scale`` channels and in points otherwise, and the report, the
note and the trend plots label and round values from here. Sensor plugins declare their own
channels with the same :class:`ChannelSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelSpec:
    """What a channel is: unit, plausible range, whether drift is a % (log) change, and labels.

    ``label`` is for table rows and chart titles ("Ground contact time"), ``noun`` for sentences
    ("ground contact time"); both default to the channel's key where a plugin gives none.
    """

    unit: str
    plausible: tuple[float, float]
    log_scale: bool = True
    description: str = ""
    label: str = ""
    digits: int = 1
    noun: str = ""


def _spec(label: str, unit: str, digits: int, plausible: tuple[float, float], log_scale: bool = True) -> ChannelSpec:
    return ChannelSpec(unit, plausible, log_scale, label=label, digits=digits, noun=label.lower())


#: the native FIT channels, in fixed units (README "Units"); plausible ranges: fit-running-fields.md §7
CORE_CHANNELS: dict[str, ChannelSpec] = {
    "speed_mps": _spec("Speed", "m/s", 2, (0.0, 15.0)),
    "cadence_spm": _spec("Cadence", "spm", 0, (140.0, 240.0)),
    "gct_ms": _spec("Ground contact time", "ms", 0, (120.0, 450.0)),
    "gct_balance_left_pct": ChannelSpec(
        "% left", (40.0, 60.0), False, label="GCT balance", digits=1, noun="GCT balance"
    ),
    "vertical_oscillation_mm": _spec("Vertical oscillation", "mm", 0, (20.0, 200.0)),
    "vertical_ratio_pct": _spec("Vertical ratio", "%", 1, (2.0, 20.0)),
    "step_length_mm": _spec("Step length", "mm", 0, (300.0, 2500.0)),
    "heart_rate_bpm": _spec("Heart rate", "bpm", 0, (30.0, 230.0)),
    "power_w": _spec("Power", "W", 0, (0.0, 2000.0)),
    "altitude_m": _spec("Altitude", "m", 0, (-500.0, 9000.0), log_scale=False),
    "grade_pct": _spec("Grade", "%", 1, (-50.0, 50.0), log_scale=False),
}

#: the six running-dynamics channels every run is summarised by, in report order
DYNAMICS_KEYS = (
    "gct_ms",
    "gct_balance_left_pct",
    "vertical_oscillation_mm",
    "vertical_ratio_pct",
    "step_length_mm",
    "cadence_spm",
)


def plausible(key: str) -> tuple[float, float]:
    return CORE_CHANNELS[key].plausible


def label(key: str, specs: dict[str, ChannelSpec] | None = None) -> str:
    """A channel's display label: the core table's, a plugin's, else the key itself."""
    spec = CORE_CHANNELS.get(key) or (specs or {}).get(key)
    return (spec.label if spec is not None else "") or key
