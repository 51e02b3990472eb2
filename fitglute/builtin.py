"""fitglute's own features, registered through the same hooks third-party plugins use."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_rules(register):
    from fitglute.rules import composite, fatigue, form, history

    for module in (form, fatigue, history, composite):
        for rule in module.RULES:
            register(rule)


@hookimpl
def register_channels(register):
    """The native FIT channels. They are converted while decoding (units fixed once, in
    ``fitglute.fit``), so this mapper adds nothing; it is registered so that ``fitglute plugins``
    lists the core channels beside the ones plugins add."""
    from fitglute.plugins import ChannelMapper, ChannelSpec

    native = {
        "speed_mps": ChannelSpec("m/s", (0.0, 15.0)),
        "cadence_spm": ChannelSpec("steps/min", (140.0, 240.0)),
        "gct_ms": ChannelSpec("ms", (120.0, 450.0)),
        "gct_balance_left_pct": ChannelSpec("% left", (40.0, 60.0), log_scale=False),
        "vertical_oscillation_mm": ChannelSpec("mm", (20.0, 200.0)),
        "vertical_ratio_pct": ChannelSpec("%", (2.0, 20.0)),
        "step_length_mm": ChannelSpec("mm", (300.0, 2500.0)),
        "heart_rate_bpm": ChannelSpec("bpm", (30.0, 230.0)),
        "power_w": ChannelSpec("W", (0.0, 2000.0)),
        "altitude_m": ChannelSpec("m", (-500.0, 9000.0), log_scale=False),
        "grade_pct": ChannelSpec("%", (-50.0, 50.0), log_scale=False),
    }
    register(ChannelMapper("fit", native, lambda run: {}, "native FIT record fields (fitglute.fit)"))
