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


@hookimpl
def register_commands(cli):
    """fitglute's own sub-commands (modules import only typer; the work is imported lazily)."""
    from fitglute.commands import analyze, auth, cron, history, imports, injury, plugins, rules, sync

    cli.command("analyze")(analyze.analyze)
    cli.command("import")(imports.import_)
    cli.command("history")(history.history)
    cli.command("trends")(history.trends)
    cli.add_typer(injury.app, name="injury")
    cli.add_typer(rules.app, name="rules")
    cli.command("plugins")(plugins.plugins)
    cli.add_typer(auth.app, name="auth")
    cli.command("sync")(sync.sync)
    cli.add_typer(sync.sources_app, name="sources")
    cli.add_typer(cron.app, name="cron")


@hookimpl
def register_exporters(register):
    """The Strava note writer: one block per activity, built by :func:`fitglute.note.build_note`."""
    from fitglute.note import build_note
    from fitglute.plugins import Exporter

    register(Exporter("strava-note", build_note, "one fitglute block in the Strava activity description"))
