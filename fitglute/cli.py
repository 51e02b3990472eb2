"""The ``fitglute`` command line: thin — parse options, call the library, render.

Command modules import only typer at module level; numpy, fitparse, rich and stravalib are
imported inside the commands that need them, so ``fitglute --help`` starts fast.
"""

from __future__ import annotations

import os
import sys

import typer

from fitglute import __version__
from fitglute.model.exitcodes import ExitCode

# one BLAS thread: the analysis is many small matrix products, and worker processes share 2 cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = typer.Typer(
    name="fitglute",
    help=(
        "Running dynamics from your watch's FIT files → evidence-graded hypotheses about glute "
        "recruitment and recurring-injury risk. Hypotheses, never a diagnosis."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

def _version(value: bool) -> None:
    if value:
        typer.echo(f"fitglute {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """fitglute command line."""


def _register() -> None:
    """Commands come through the ``register_commands`` hook: built-ins and plugins alike."""
    from fitglute.plugins import call_each

    call_each("register_commands", cli=app)


_register()


def main() -> None:
    from fitglute.config import ConfigError

    try:
        app()
    except ConfigError as exc:
        typer.echo(f"fitglute: config error: {exc}", err=True)
        sys.exit(ExitCode.USAGE)
    except KeyboardInterrupt:
        typer.echo("fitglute: interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
