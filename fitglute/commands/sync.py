"""``fitglute sync`` and ``fitglute sources``: annotate recent Strava runs from local FIT files."""

from __future__ import annotations

import typer

sources_app = typer.Typer(help="Folders where your FIT files live (watch folder, Garmin or Strava export).")


def sync(
    since: str = typer.Option("14d", "--since", help="How far back: 14d, 2w, 36h or a date."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the notes that would be written; write nothing."),
    no_post: bool = typer.Option(False, "--no-post", help="Match and analyse, but do not write to Strava."),
    quiet: bool = typer.Option(False, "--quiet", help="For cron: nothing on success, one line per problem."),
    force: list[str] = typer.Option(
        None, "--force", metavar="ID",
        help="Rewrite this activity's note even if unchanged, edited or deleted by you (repeatable; 'all').",
    ),
    db: str = typer.Option(None, "--db", help="History database (default: the data dir)."),
) -> None:
    """Find recent Strava runs, match their FIT files, analyse them, write one note each.

    Exit codes: 0 ok, 1 some runs failed, 3 rate-limited, deferred or stopped at the time limit
    (the next run resumes), 4 Strava authorisation needed.
    """
    import logging

    from filelock import FileLock, Timeout

    from fitglute import sync as s
    from fitglute.commands import fail
    from fitglute.config import ConfigError
    from fitglute.history.store import StoreError
    from fitglute.model.errors import InputError
    from fitglute.model.exitcodes import ExitCode

    force_all, force_ids = _forced(force or [])
    if force_ids is None:
        raise fail(f"--force {' '.join(force or [])}: give activity ids (the numbers sync shows) or 'all'")
    log_path = s.setup_log()
    try:
        lock = FileLock(str(s.lock_path()), timeout=0)
        lock.acquire()
    except Timeout:
        if not quiet:
            typer.echo("fitglute: another fitglute sync is running; this one exits", err=True)
        s.engine.log.info("another sync holds the lock; exiting")
        raise typer.Exit(ExitCode.DEFERRED) from None
    logging.captureWarnings(True)  # library warnings go to the log, never to the terminal
    try:
        try:
            options = s.SyncOptions(
                since=since, dry_run=dry_run, no_post=no_post, force=force_ids, force_all=force_all, db=db
            )
            report = s.run_sync(options)
        except InputError as exc:
            typer.echo(f"fitglute: {exc.shown_as('--' + exc.field)}", err=True)
            raise typer.Exit(ExitCode.USAGE) from None
        except (s.SyncError, StoreError, ConfigError) as exc:
            typer.echo(f"fitglute: {exc}", err=True)
            s.engine.log.warning("%s", exc)
            raise typer.Exit(ExitCode.USAGE) from None
    finally:
        logging.captureWarnings(False)
        lock.release()
    from fitglute.commands.hints import with_hint

    for line in report.problems(with_hint):
        typer.echo(f"fitglute: {line}", err=True)
        s.engine.log.warning(line)
    s.engine.log.info(
        "sync done: %s", ", ".join(f"{o.activity_id}={o.status}" for o in report.outcomes) or "nothing to do"
    )
    if not quiet:
        show(report, dry_run, log_path)
    raise typer.Exit(report.exit_code)


def _forced(values: list[str]) -> tuple[bool, tuple[int, ...] | None]:
    """(all?, activity ids) from ``--force`` values; ids None when one is neither a number nor 'all'."""
    if any(v.strip().lower() == "all" for v in values):
        return True, ()
    try:
        return False, tuple(int(v) for v in values)
    except ValueError:
        return False, None


def show(report, dry_run: bool, log_path) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if report.imported:
        console.print(f"imported {report.imported} new FIT file(s) from your sources")
    if not report.outcomes:
        if report.deferred_until is None and not report.stopped and not report.auth_error:
            console.print("no Strava runs in the period")
        return
    table = Table(title="fitglute sync", title_justify="left")
    for col in ("activity", "start (UTC)", "name", "result", "how"):
        table.add_column(col, overflow="fold")
    for o in report.outcomes:
        # activity names and notes are the runner's/rules' text: never rich markup ("Hills [/b]" crashed)
        table.add_row(str(o.activity_id), o.start, escape(o.name), o.status, escape(o.detail))
    console.print(table)
    if dry_run:
        for aid, text in report.previews.items():
            console.print(f"\n[bold]activity {aid} would get:[/bold]\n{escape(text)}")
    console.print(f"[dim]log: {escape(str(log_path))}[/dim]")


@sources_app.command("add")
def sources_add(paths: list[str] = typer.Argument(..., help="Folders or files.")) -> None:
    """Remember folders to search for FIT files."""
    from pathlib import Path

    from fitglute.sources import configured as s

    current = s.load_sources()
    for p in paths:
        full = str(Path(p).expanduser().resolve())
        if not Path(full).exists():
            typer.echo(f"fitglute: {p}: no such file or folder (added anyway; sync skips it until it exists)", err=True)
        if full not in current:
            current.append(full)
    s.save_sources(current)
    for p in current:
        typer.echo(p)


@sources_app.command("list")
def sources_list() -> None:
    """Show the source folders."""
    from fitglute.sources import configured as s

    for p in s.load_sources():
        typer.echo(p)


@sources_app.command("remove")
def sources_remove(paths: list[str] = typer.Argument(...)) -> None:
    """Forget source folders."""
    from pathlib import Path

    from fitglute.sources import configured as s

    drop = {str(Path(p).expanduser().resolve()) for p in paths} | set(paths)
    s.save_sources([p for p in s.load_sources() if p not in drop])
