"""``fitglute analyze``: one report per run, or a table for many; ``--json`` for JSON Lines."""

from __future__ import annotations

import json
import sys

import typer


def analyze(
    paths: list[str] = typer.Argument(
        None, help="FIT / .fit.gz files, folders (searched recursively) or globs.", metavar="PATH..."
    ),
    as_json: bool = typer.Option(False, "--json", help="Write JSON Lines: one object per file, on stdout."),
    demo: bool = typer.Option(False, "--demo", help="Analyse the bundled example run."),
    workers: int = typer.Option(0, "--workers", min=0, help="Worker processes (0 = automatic).", metavar="N"),
    detail: bool = typer.Option(
        False, "--detail", help="The full one-run report: every finding's reasoning, numbers and sources."
    ),
) -> None:
    """Analyse runs: clean-running dynamics, left/right balance, early→late drift, findings."""
    from fitglute.batch import analyse_paths
    from fitglute.commands import fail
    from fitglute.commands.hints import with_hint
    from fitglute.data import DEMO_RUN
    from fitglute.history import load_history
    from fitglute.model.exitcodes import ExitCode
    from fitglute.sources.files import expand_paths

    inputs = list(paths or [])
    if demo:
        inputs.append(str(DEMO_RUN))
    if not inputs:
        raise fail("give FIT files or folders to analyse, or --demo (see fitglute analyze --help)")
    from fitglute.plugins import load_errors

    for problem in load_errors():  # a broken plugin: one line, and the analysis goes on
        typer.echo(f"fitglute: {problem}", err=True)
    warnings: list[str] = []
    files, missing = expand_paths(inputs, warnings)
    for w in warnings:
        typer.echo(f"fitglute: warning: {w}", err=True)
    for m in missing:
        typer.echo(f"fitglute: {m}: no such file or folder", err=True)
    if not files:
        if not missing:
            typer.echo("fitglute: no FIT files found in " + ", ".join(inputs), err=True)
        raise typer.Exit(ExitCode.SOME_FAILED)

    results = []
    for result in analyse_paths(files, workers=workers or None, context=load_history()):
        if result.status == "error":
            typer.echo(f"fitglute: {result.file}: {result.error}", err=True)
        if as_json:
            sys.stdout.write(json.dumps(result.to_json(hint=with_hint), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        results.append(result)
    if not as_json:
        render(results, detail=detail)
    if missing or any(r.status == "error" for r in results):
        raise typer.Exit(ExitCode.SOME_FAILED)


def render(results: list, detail: bool = False) -> None:
    """One run: its report; many: the table. A lone failed file has its line on stderr already."""
    from rich.console import Console

    from fitglute.commands.hints import with_hint
    from fitglute.report.run import render_run, render_table

    console = Console()
    ok = [r for r in results if r.ok]
    if len(results) == 1 and ok:
        render_run(ok[0], console, hint=with_hint, detail=detail)
    elif len(results) == 1 and results[0].status == "error":
        return
    else:
        render_table(results, console)
