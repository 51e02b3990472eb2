"""``fitglute import``: backfill the history from files, folders and Strava bulk exports."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import typer

DB_HELP = "History database (default: <data dir>/history.sqlite; FITGLUTE_HOME moves it)."


def import_(
    paths: list[str] = typer.Argument(
        None, help="FIT / .fit.gz files, folders (recursive), or a Strava bulk-export folder (activities.csv)."
    ),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Worker processes decoding files."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON (no progress output)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress; only problems and the summary."),
) -> None:
    """Import runs into the history: idempotent (by content hash), parallel, resumable."""
    from fitglute.commands import echo_words, fail
    from fitglute.history.store import StoreError
    from fitglute.model.exitcodes import ExitCode
    from fitglute.sync.importer import import_paths

    if not paths:
        raise fail("give FIT files, folders or a Strava export folder to import (see fitglute import --help)")
    ui = ImportProgress(show=not (as_json or quiet))
    try:
        with ui:
            report = import_paths(list(paths), db=db, workers=workers, on_event=ui.event)
    except StoreError as exc:
        raise fail(str(exc)) from None
    for m in report.missing:
        typer.echo(f"fitglute: {m}: no such file or folder", err=True)
    for w in report.warnings:
        typer.echo(f"fitglute: {w}", err=True)
    if report.files == 0 and not report.interrupted:
        raise fail("no FIT files found in " + ", ".join(paths))
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        echo_words(summary(report))
    if report.interrupted:
        typer.echo("fitglute: interrupted — run the same command again to finish", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED)
    if report.failed or report.missing:
        raise typer.Exit(ExitCode.SOME_FAILED)


def summary(report: Any) -> str:
    rate = report.done / report.seconds if report.seconds > 0 else 0.0
    from fitglute.report.format import plural

    counts = [f"{len(report.imported)} imported", f"{len(report.known)} already known"]
    if report.same:
        counts.append(f"{len(report.same)} same activity as a stored run")
    if report.skipped:
        counts.append(f"{len(report.skipped)} skipped (not running)")
    if report.failed:
        counts.append(f"{len(report.failed)} failed")
    parts = [f"{plural(report.files, 'file')}: " + ", ".join(counts)]
    if report.linked:
        parts.append(f"{plural(report.linked, 'known run')} linked to Strava activities")
    if report.rejudged:
        parts.append(f"history findings updated for {plural(report.rejudged, 'run')}")
    parts.append(f"{report.seconds:.1f} s ({rate:.1f} files/s)")
    lines = [" · ".join(parts)]
    lines += [f"  same activity: {path} = {where}" for path, where in report.same]
    lines += [f"  failed: {path}: {reason}" for path, reason in report.failed]
    return "\n".join(lines)


class ImportProgress:
    """A rich progress bar on a terminal; plain progress lines when stdout is a pipe or a file.

    Problems are reported as they happen: above the bar on a terminal, on stderr otherwise.
    """

    def __init__(self, show: bool) -> None:
        self.show = show
        self.total = 0
        self.done = 0
        self.started = time.monotonic()
        self.last_line = 0
        self.progress: Any = None
        self.task: Any = None

    def __enter__(self) -> ImportProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def event(self, kind: str, path: str, detail: str) -> None:
        if kind == "start":
            self.total = int(detail)
            self.started = time.monotonic()
            if self.show and sys.stdout.isatty() and self.total:
                self._start_bar()
            return
        self.done += 1
        if kind == "failed":
            self._problem(f"fitglute: {path}: {detail}")
        if self.progress is not None:
            self.progress.advance(self.task)
        elif self.show:
            self._plain_line()

    def _start_bar(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            _files_per_second(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        self.progress.start()
        self.task = self.progress.add_task("import", total=self.total)

    def _problem(self, line: str) -> None:
        if self.progress is not None:
            self.progress.console.print(line, markup=False, highlight=False)
        else:
            typer.echo(line, err=True)

    def _plain_line(self) -> None:
        """About ten lines per batch (every 10 % of the files), plus the last one."""
        if self.done != self.total and self.done - self.last_line < max(1, self.total // 10):
            return
        self.last_line = self.done
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        typer.echo(f"imported {self.done}/{self.total} files ({rate:.1f} files/s, ETA {eta:.0f} s)")


def _files_per_second() -> Any:
    """A progress column in files per second (rich's own speed column speaks in bytes)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class FilesPerSecond(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:.1f} files/s")

    return FilesPerSecond()
