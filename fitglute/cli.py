"""The ``fitglute`` command line: thin — parse options, call the library, render.

Built-in commands are registered by name (:mod:`fitglute.commands.lazy`): a command's module is
imported only when that command runs, and numpy, rich and stravalib only inside the commands that
need them, so ``fitglute --help`` imports no command and ``analyze`` only its own.
"""

from __future__ import annotations

import os
import sys

import typer

from fitglute import __version__
from fitglute.commands.lazy import LAZY_ATTR, LazyCommand, LazyGroup
from fitglute.model.exitcodes import ExitCode

# one BLAS thread: the analysis is many small matrix products, and worker processes share 2 cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

LAZY: dict[str, LazyCommand] = {}


class _Group(LazyGroup):
    specs = LAZY


app = typer.Typer(
    cls=_Group,
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
setattr(app, LAZY_ATTR, LAZY)

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
