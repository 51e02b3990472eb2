"""``fitglute cron install|show|remove``: a scheduled ``fitglute sync --quiet``."""

from __future__ import annotations

import typer

app = typer.Typer(help="Schedule `fitglute sync --quiet` with cron (one entry, replaced in place).")

#: why a cron run fails where the terminal works, by the exit code of the trial run
_WHY = {
    4: "cron does not see variables set only in your shell: run `fitglute auth strava` again (it keeps the "
    "app's client id and secret with the tokens), or put them under [strava] in config.toml",
    2: "fix the configuration the message names, then install again",
}


@app.command("install")
def install(
    every: str = typer.Option("1h", "--every", help="How often: 15m, 30m, 1h, 6h, 1d."),
    check: bool = typer.Option(
        True, "--check/--no-check", help="Run `fitglute sync --quiet` once as cron would, and refuse if it fails."
    ),
) -> None:
    """Install or replace the cron entry; prints the line when no crontab is available."""
    from fitglute import config
    from fitglute.commands import fail
    from fitglute.sync import cron
    from fitglute.sync.engine import deadline_s

    try:
        cost = cron.daily_cost(every, cron.recent_runs())
    except cron.CronError as exc:
        raise fail(exc.shown_as("--every")) from None
    if check:
        typer.echo("running `fitglute sync --quiet` once, as cron will run it (a real sync) …")
        trial = cron.trial_run(deadline_s() + 120)
        if not trial.works:
            lines = [line for line in trial.stderr.strip().splitlines() if line.strip()] or ["(no message)"]
            why = _WHY.get(trial.exit_code or 0, "see the message above and sync.log")
            typer.echo("\n".join(lines[-5:]), err=True)
            raise fail(f"not installed: run as cron runs it, `fitglute sync --quiet` exits {trial.exit_code}; {why}")
        if trial.exit_code is None:
            typer.echo("the trial run was still busy when stopped (a first import can be long); see sync.log")
    installed, line = cron.install(every)
    if installed:
        typer.echo(f"installed: {line}")
        typer.echo(f"log: {config.sync_log_path()} (rotated)")
    else:
        typer.echo("no crontab program here; add this line to your scheduler:")
        typer.echo(line)
    typer.echo(_cost_text(every, cost))


def _cost_text(every: str, cost) -> str:
    share = 100 * cost.per_day_idle / 1000
    return (
        f"Strava cost at --every {every} ({cost.syncs_per_day} syncs a day): a sync with nothing new asks "
        f"Strava nothing, except one look a day ({cost.per_day_idle} request{'s' if cost.per_day_idle != 1 else ''}, "
        f"{share:.1f} % of Strava's "
        f"default 1,000 a day); each new or changed note costs {cost.per_new_run} (the listing, one read, "
        f"one write; at most {cost.per_quarter_hour_idle + 2} of 100 per 15 minutes for one new run)."
    )


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
