"""The sub-commands of the fitglute CLI: thin — parse options, call the library, render.

Command modules import only typer at module level; the work is imported inside each command.
"""

from __future__ import annotations

from datetime import date

import typer

from fitglute.model.exitcodes import ExitCode


def fail(message: str, code: int = ExitCode.USAGE) -> typer.Exit:
    """Print one readable line on stderr and return the Exit to raise."""
    typer.echo(f"fitglute: {message}", err=True)
    return typer.Exit(code)


def echo_rejudged(count: int, since: date) -> None:
    """The line after a log change: how many stored runs were judged again (nothing when none)."""
    if count:
        typer.echo(f"history findings updated for {count} run{'' if count == 1 else 's'} since {since.isoformat()}")
