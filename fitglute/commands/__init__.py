"""The sub-commands of the fitglute CLI: thin — parse options, call the library, render.

Command modules import only typer at module level; the work is imported inside each command.
"""

from __future__ import annotations

import typer

from fitglute.model.exitcodes import ExitCode


def fail(message: str, code: int = ExitCode.USAGE) -> typer.Exit:
    """Print one readable line on stderr and return the Exit to raise."""
    typer.echo(f"fitglute: {message}", err=True)
    return typer.Exit(code)
