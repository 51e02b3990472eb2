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


def echo_words(text: str) -> None:
    """A long plain line, wrapped between words to the terminal (never inside an id or a path);
    unchanged when stdout is a pipe or a file, so scripts read one line as before."""
    import shutil
    import sys
    import textwrap

    if not sys.stdout.isatty():
        typer.echo(text)
        return
    width = shutil.get_terminal_size((100, 30)).columns
    for line in text.splitlines() or [""]:
        indent = line[: len(line) - len(line.lstrip())]
        typer.echo(
            textwrap.fill(line, width, subsequent_indent=indent + "  ", break_long_words=False, break_on_hyphens=False)
            or line
        )
