"""fitglute-stryd: Stryd footpod developer fields as channels, and rules on them.

Registered through the ``fitglute`` entry-point group (``stryd = "fitglute_stryd"``); disable
with ``FITGLUTE_PLUGINS=-stryd``. Channels and rule ids are listed in the README and by
``fitglute plugins``. Heavy imports stay inside the hooks so ``fitglute --help`` starts fast.
"""

from fitglute.api import hookimpl

__version__ = "0.1.0"


def channel_specs() -> dict:
    from fitglute.api import ChannelSpec

    return {
        "stryd_power_w": ChannelSpec(
            "W", (30.0, 1500.0), True, "Stryd running power (developer 'Power', or native power of a Stryd file)"
        ),
        "form_power": ChannelSpec("W", (5.0, 500.0), True, "Stryd Form Power: the vertical, running-in-place part"),
        "air_power": ChannelSpec("W", (0.0, 300.0), False, "Stryd Air Power (wind); often 0 in still air"),
        "leg_spring_stiffness": ChannelSpec("kN/m", (2.0, 40.0), True, "Stryd Leg Spring Stiffness (spring-mass)"),
        "stryd_gct_ms": ChannelSpec("ms", (120.0, 600.0), True, "ground time measured at the foot pod"),
        "stryd_vo_mm": ChannelSpec("mm", (20.0, 200.0), True, "vertical oscillation at the foot pod (cm × 10)"),
        "form_power_ratio_pct": ChannelSpec("%", (5.0, 60.0), True, "form power ÷ power × 100 (derived)"),
    }


@hookimpl
def register_channels(register):
    from fitglute.api import ChannelMapper
    from fitglute_stryd.fields import map_stryd

    register(
        ChannelMapper(
            "stryd",
            channel_specs(),
            map_stryd,
            "Stryd developer fields by app id + field name (known unit variants; zero app id: field-set heuristic)",
        )
    )


@hookimpl
def register_rules(register):
    from fitglute_stryd.rules import RULES

    for rule in RULES:
        register(rule)
