"""fitglute's own sub-commands (command modules import only typer; the work is imported lazily)."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_commands(cli):
    from fitglute.commands import (
        analyze,
        auth,
        capacity,
        cron,
        history,
        imports,
        injury,
        pain,
        plugins,
        report,
        rules,
        sources,
        sync,
    )

    cli.command("analyze")(analyze.analyze)
    cli.command("import")(imports.import_)
    cli.command("history")(history.history)
    cli.command("trends")(history.trends)
    cli.command("report")(report.report)
    cli.add_typer(injury.app, name="injury")
    cli.add_typer(capacity.app, name="test")
    cli.add_typer(pain.app, name="pain")
    cli.add_typer(rules.app, name="rules")
    cli.command("plugins")(plugins.plugins)
    cli.add_typer(auth.app, name="auth")
    cli.command("sync")(sync.sync)
    cli.add_typer(sources.app, name="sources")
    cli.add_typer(cron.app, name="cron")
