"""``fitglute auth garmin``: the one interactive Garmin Connect login (MFA included)."""

from __future__ import annotations

import sys

import typer


def auth_group(cli: typer.Typer) -> typer.Typer:
    """fitglute's ``auth`` group (made here when the app has none, e.g. ``fitglute plugins`` probing)."""
    for group in cli.registered_groups:
        if group.name == "auth" and group.typer_instance is not None:
            return group.typer_instance
    group = typer.Typer(help="Connect fitglute to the services it uses.")
    cli.add_typer(group, name="auth")
    return group


def auth_garmin(
    force: bool = typer.Option(False, "--force", help="Log in again even if a login is stored."),
) -> None:
    """Log in to Garmin Connect (email, password, MFA code); the tokens are stored 0600 for cron."""
    from fitglute.api import ExitCode, Prompter, SourceAuthNeeded, SourceError
    from fitglute_garmin.source import connect

    prompt = Prompter(
        ask=lambda text: typer.prompt(text),
        secret=lambda text: typer.prompt(text, hide_input=True),
        say=typer.echo,
        interactive=sys.stdin.isatty(),
    )
    try:
        typer.echo(connect(prompt, force=force))
    except SourceAuthNeeded as exc:
        typer.echo(f"fitglute: {exc}", err=True)
        raise typer.Exit(ExitCode.AUTH) from None
    except SourceError as exc:
        typer.echo(f"fitglute: {exc}", err=True)
        raise typer.Exit(ExitCode.DEFERRED) from None
