"""fitglute-runscribe: RunScribe per-foot developer fields as channels, and side-specific rules.

Registered through the ``fitglute`` entry-point group (``runscribe = "fitglute_runscribe"``);
disable with ``FITGLUTE_PLUGINS=-runscribe``. Heavy imports stay inside the hooks.
"""

from fitglute.api import hookimpl

__version__ = "0.1.0"

# metric -> (channel prefix, unit, plausible range, log scale, what it is); fit-running-fields.md §4
METRICS = {
    "impact": ("rs_impact_g", "G", (0.5, 16.0), True, "impact Gs (ANT range 0–15.94, 1/16 G)"),
    "braking": ("rs_braking_g", "G", (0.5, 16.0), True, "braking Gs (lower is better)"),
    "footstrike": ("rs_footstrike", "1–16", (1.0, 16.0), False, "footstrike type: 1 heel … 16 forefoot"),
    "pronation": ("rs_pronation_deg", "°", (-51.2, 51.1), False, "pronation excursion (sign convention unverified)"),
    "flight_ratio": ("rs_flight_ratio_pct", "%", (-64.0, 63.9), False, "flight ratio"),
    "contact": ("rs_contact_ms", "ms", (100.0, 800.0), True, "contact time at the foot (longer than chest GCT)"),
}


def channel_specs() -> dict:
    from fitglute.api import ChannelSpec

    specs = {}
    for prefix, unit, plausible, log_scale, what in METRICS.values():
        for side in ("left", "right"):
            specs[f"{prefix}_{side}"] = ChannelSpec(unit, plausible, log_scale, f"RunScribe {side} foot: {what}")
    specs["rs_power_w"] = ChannelSpec("W", (20.0, 1023.0), True, "RunScribe power")
    return specs


@hookimpl
def register_channels(register):
    from fitglute.api import ChannelMapper
    from fitglute_runscribe.fields import map_runscribe

    register(
        ChannelMapper(
            "runscribe",
            channel_specs(),
            map_runscribe,
            "RunScribe per-foot fields: unnamed 0–5 left / 6–11 right / 12 power, or named RS_*_L/_R",
        )
    )


@hookimpl
def register_rules(register):
    from fitglute_runscribe.rules import RULES

    for rule in RULES:
        register(rule)
