"""``fitglute cron install|show|remove``: a scheduled ``fitglute sync --quiet``."""

from __future__ import annotations

import typer

app = typer.Typer(help="Schedule `fitglute sync --quiet` with cron (one entry, replaced in place).")


@app.command("install")
def install(every: str = typer.Option("1h", "--every", help="How often: 15m, 30m, 1h, 6h, 1d.")) -> None:
    """Install or replace the cron entry; prints the line when no crontab is available."""
    from fitglute import config
    from fitglute.commands import fail
    from fitglute.sync import cron

    try:
        installed, line = cron.install(every)
    except cron.CronError as exc:
        raise fail(exc.shown_as("--every")) from None
    if installed:
        typer.echo(f"installed: {line}")
        typer.echo(f"log: {config.sync_log_path()} (rotated)")
    else:
        typer.echo("no crontab program here; add this line to your scheduler:")
        typer.echo(line)


@app.command("show")
def show() -> None:
    """Show the installed entry, if any."""
    from fitglute.sync import cron

    entries = cron.show()
    if not entries:
        typer.echo("no fitglute cron entry" + ("" if cron.available() else " (no crontab program here)"))
    for e in entries:
        typer.echo(e)


@app.command("remove")
def remove() -> None:
    """Remove the entry."""
    from fitglute.sync import cron

    n = cron.remove()
    typer.echo("removed the fitglute cron entry" if n else "no fitglute cron entry to remove")
