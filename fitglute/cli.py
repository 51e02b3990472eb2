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


def _register() -> Exception | None:
    """Commands come through the ``register_commands`` hook: built-ins and plugins alike.

    A bad ``FITGLUTE_PLUGINS`` is kept and reported by :func:`main` (one line, exit 2), not
    raised while the module is imported.
    """
    from fitglute.config import ConfigError
    from fitglute.plugins import call_each

    try:
        call_each("register_commands", cli=app)
    except ConfigError as exc:
        return exc
    return None


_setup_error = _register()


def main() -> None:
    """The ``fitglute`` entry point: one line per config error, and a closed pipe exits 0.

    Click meets a closed stdout (``fitglute analyze folder | head``) by wrapping ``sys.stdout``
    and exiting 1, rich by pointing it at /dev/null and exiting 1; a reader that leaves early is
    not an error, and this is the one place that says so.
    """
    from fitglute.config import ConfigError

    stdout, before = sys.stdout, _fd_identity()
    try:
        if _setup_error is not None:
            raise _setup_error
        app()
    except ConfigError as exc:
        typer.echo(f"fitglute: config error: {exc}", err=True)
        sys.exit(ExitCode.USAGE)
    except KeyboardInterrupt:
        typer.echo("fitglute: interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        quiet_broken_pipe()
    except SystemExit:
        if sys.stdout is not stdout or _fd_identity() != before:  # click or rich met a closed pipe
            quiet_broken_pipe()
        raise


def quiet_broken_pipe() -> None:
    """The reader left early: point stdout at /dev/null so the exit-time flush cannot raise
    again, and exit 0."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stdout_fd())
    sys.exit(ExitCode.OK)


def stdout_fd() -> int:
    return sys.__stdout__.fileno() if sys.__stdout__ is not None else 1


def _fd_identity() -> tuple[int, int] | None:
    """What stdout's file descriptor points at (device, inode): it changes when rich swaps
    /dev/null in after a broken pipe."""
    try:
        st = os.fstat(stdout_fd())
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino
