"""Garmin's published running-dynamics colour zones (population percentiles, not risk).

Source: Garmin Forerunner 945 manual, "Color Gauges and Running Dynamics Data" (chest HRM and
Running Dynamics Pod columns) and the Enduro 3 manual for GCT balance; tabulated in
``reference/evidence.md`` and ``fit-running-fields.md`` §6. The zones describe where a runner
sits among Garmin users; they are not adjusted for speed or height and say nothing about injury.
"""

from __future__ import annotations

ZONE_ORDER = ("purple", "blue", "green", "orange", "red")

# metric -> boundaries of purple, blue, green, orange (above the last: red), midway between the
# published 0.1-unit bands;
# "higher_is_better" flips the reading for cadence.
_CHEST = {
    "cadence_spm": ((183.0, 173.5, 163.5, 152.5), True),
    "gct_ms": ((218.0, 248.5, 277.5, 308.5), False),
    "vertical_oscillation_mm": ((64.0, 81.5, 97.5, 115.5), False),
    "vertical_ratio_pct": ((6.1, 7.45, 8.65, 10.15), False),
}
_POD = {
    **_CHEST,
    "vertical_oscillation_mm": ((68.0, 89.5, 109.5, 130.5), False),
    "vertical_ratio_pct": ((6.5, 8.35, 10.05, 11.95), False),
}
#: GCT balance bands, points off 50 % L (Garmin Enduro 3 manual): green 49.3–50.7, orange to
#: 52.2 / from 47.8, red beyond. Rules take their "notable" and "strong" sizes from these.
BALANCE_GREEN_PTS = 0.7
BALANCE_ORANGE_PTS = 2.2
_HALF_STEP = 0.05  # the bands are published in 0.1 % steps: a value belongs to the nearer band


def zone(metric: str, value: float | None, source: str = "chest") -> str | None:
    """Garmin colour zone of one value, or None when the metric has no published zones."""
    if value is None:
        return None
    if metric == "gct_balance_left_pct":
        off = abs(value - 50.0)
        if off <= round(BALANCE_GREEN_PTS + _HALF_STEP, 2):
            return "green"
        return "orange" if off <= round(BALANCE_ORANGE_PTS + _HALF_STEP, 2) else "red"
    table = _POD if source == "pod" else _CHEST
    if metric not in table:
        return None
    bounds, higher_better = table[metric]
    for name, bound in zip(ZONE_ORDER, bounds, strict=False):
        if (value > bound) if higher_better else (value < bound):
            return name
    return "red"
