"""The ``fitglute`` command line: thin — parse options, call the library, render.

Built-in commands are registered by name (:mod:`fitglute.commands.lazy`): a command's module is
imported only when that command runs, and numpy, rich and stravalib only inside the commands that
need them, so ``fitglute --help`` imports no command and ``analyze`` only its own.
"""

from __future__ import annotations

import os
import sys
from typing import Any

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

#: how an option's value is named in help, instead of typer's Python type (``<int>``, ``<str>``)
_VALUE_WORDS = {"int": "N", "int range": "N", "float": "NUMBER", "float range": "NUMBER", "str": "TEXT", "path": "PATH"}


def _plain_help() -> None:
    """Help in words: typer 0.29 prints an argument's annotation (``PATH... <list[str]>``,
    ``{rule_id}``) and an option's (``--workers <int range>``). One place rewords them for every
    command: arguments by their name in capitals, values as N / TEXT / NUMBER / PATH, choices kept.
    Guarded, so a typer without these hooks simply shows its own wording.
    """
    from typer import core

    arg, opt = getattr(core, "TyperArgument", None), getattr(core, "TyperOption", None)
    if arg is None or opt is None or not hasattr(core, "_TyperParameter"):
        return
    typed = core._TyperParameter.display_type

    def words(self: Any, ctx: Any) -> str | None:
        if self.type_descriptor.is_choice:
            return typed(self, ctx)
        label = typed(self, ctx).strip("<>")
        many = label.startswith("list[")
        label = label.removeprefix("list[").removesuffix("]")
        return _VALUE_WORDS.get(label, label.upper()) + ("..." if many else "")

    def arg_name(self: Any) -> str:
        name = self.metavar or self.name.upper()
        return name if self.metavar or self.nargs == 1 else name + "..."

    def arg_usage(self: Any) -> str:
        name = arg_name(self)
        return name if self.required else f"[{name}]"

    def arg_type(self: Any, ctx: Any) -> str | None:
        return typed(self, ctx) if self.type_descriptor.is_choice else None

    def opt_type(self: Any, ctx: Any) -> str | None:
        if self.metavar is not None:
            return self.metavar
        if self.is_flag or self.count:
            return None
        return words(self, ctx)

    arg._rich_display_name = arg_name
    arg._usage_display_name = arg_usage
    arg.display_type_rich = arg_type
    opt.display_type_rich = opt_type


_plain_help()


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
