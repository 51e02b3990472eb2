"""``fitglute sources add|list|remove|test|pull``: where new runs come from.

Folders are read at every sync; intervals.icu, Garmin Connect (plugin) and a plugged-in watch are
*pulled*: new files are fetched into the inbox and imported. Keys and tokens are asked for here,
stored 0600 by the source, and never printed.
Exit codes as ``sync``: 0 ok, 1 some files failed, 2 usage, 3 deferred, 4 authorisation needed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from fitglute.commands import fail
from fitglute.model.exitcodes import ExitCode

app = typer.Typer(
    help="Where your runs come from: folders, intervals.icu, Garmin Connect, a plugged-in watch.",
    no_args_is_help=True,
)
PULLING_FLAGS = ("watch", "intervals", "garmin")
DB_HELP = "History database (default: the data dir)."


def prompter() -> Any:
    from fitglute.sources import Prompter

    return Prompter(
        ask=lambda text: typer.prompt(text),
        secret=lambda text: typer.prompt(text, hide_input=True),
        say=typer.echo,
        interactive=_interactive(),
    )


def _interactive() -> bool:
    """Prompting only makes sense on a terminal (never under cron or a pipe)."""
    return sys.stdin.isatty()


@app.command("add")
def add(
    paths: list[str] = typer.Argument(None, help="Folders or files holding FIT files."),
    watch: bool = typer.Option(False, "--watch", help="Copy new files from a plugged-in watch / Garmin Express."),
    intervals: bool = typer.Option(False, "--intervals", help="Pull from intervals.icu (API key; recommended)."),
    garmin: bool = typer.Option(False, "--garmin", help="Pull from Garmin Connect (fitglute-garmin plugin)."),
    source: str = typer.Option(None, "--source", help="Pull from another source a plugin adds (by name)."),
) -> None:
    """Add folders, or a source fitglute pulls new runs from by itself."""
    chosen = [name for name, on in zip(PULLING_FLAGS, (watch, intervals, garmin), strict=True) if on]
    chosen += [source] if source else []
    if bool(paths) + len(chosen) != 1:
        raise fail("give folders, or one of --watch, --intervals, --garmin, --source NAME")
    if paths:
        _add_folders(paths)
    else:
        _add_pulling(chosen[0])


def _add_folders(paths: list[str]) -> None:
    from pathlib import Path

    from fitglute.sources import configured as c

    current = c.load_sources()
    for p in paths:
        full = str(Path(p).expanduser().resolve())
        if not Path(full).exists():
            typer.echo(f"fitglute: {p}: no such file or folder (added anyway; sync skips it until it exists)", err=True)
        if full not in current:
            current.append(full)
    c.save_sources(current)
    for p in current:
        typer.echo(p)


def _add_pulling(kind: str) -> None:
    from fitglute import plugins
    from fitglute.commands.hints import with_hint
    from fitglute.sources import SourceAuthNeeded, SourceError
    from fitglute.sources.configured import Entry, add_entry

    source = plugins.sources().get(kind)
    if source is None or source.pull is None:
        if kind == "garmin":
            raise fail("Garmin Connect needs the fitglute-garmin plugin (Python ≥ 3.12): pip install fitglute-garmin")
        raise fail(f"no source called {kind!r} is installed")
    try:
        said = source.connect(prompter()) if source.connect else None
    except SourceAuthNeeded as exc:
        raise fail(with_hint(str(exc), exc.hint), ExitCode.AUTH) from None
    except SourceError as exc:
        raise fail(str(exc), ExitCode.DEFERRED) from None
    add_entry(Entry(kind, kind))
    typer.echo(said or f"added {source.title or kind}")
    if kind == "watch":
        _show_watches()
    typer.echo(f"`fitglute sync` (and its cron job) pulls new runs first; see `fitglute sources test {kind}`.")


def _show_watches() -> None:
    from fitglute.sources.watch import activity_folders, configured_roots

    found = activity_folders(configured_roots())
    if not found:
        typer.echo("no watch is plugged in right now; each sync looks again")
    for folder in found:
        typer.echo(f"found: {folder}")


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable list."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Every source: kind, name, last pull, files, status."""
    rows = describe(db)
    if as_json:
        typer.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no sources yet: fitglute sources add --intervals (or --watch, --garmin, or FOLDER...)")
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="fitglute sources", title_justify="left")
    for col in ("kind", "name", "last pull", "files", "status"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = r["status"] + (f": {r['detail']}" if r.get("detail") else "")
        table.add_row(r["kind"], escape(r["name"]), r["last_pull"] or "—", str(r["files"]), escape(status))
    Console().print(table)


def describe(db: str | None) -> list[dict[str, Any]]:
    """One row per configured source (the pulled ones with their state from the store)."""
    from pathlib import Path

    from fitglute import config, plugins
    from fitglute.history.store import Store, StoreError
    from fitglute.sources.configured import FOLDER, SourcesFileError, load_entries
    from fitglute.sources.files import expand_paths
    from fitglute.sync.pull import load_state

    try:
        entries = load_entries()
    except SourcesFileError as exc:
        raise fail(str(exc)) from None
    registered = plugins.sources()
    states: dict[str, dict[str, Any]] = {}
    path = Path(db) if db else config.db_path()
    if path.is_file():
        try:
            with Store(path, readonly=True) as store:
                states = {e.name: load_state(store, e.name) for e in entries if e.kind != FOLDER}
        except StoreError:
            states = {}
    rows = []
    for e in entries:
        if e.kind == FOLDER:
            exists = Path(e.name).exists()
            files = len(expand_paths([e.name])[0]) if exists else 0
            rows.append({"kind": "folder", "name": e.name, "last_pull": None, "files": files,
                         "status": "ok" if exists else "missing", "detail": ""})
            continue
        source = registered.get(e.kind)
        state = states.get(e.name, {})
        status = state.get("status", "never pulled") if source is not None else "plugin not installed"
        rows.append({"kind": source.title if source and source.title else e.kind, "name": e.name,
                     "last_pull": (state.get("last_pull") or "")[:16].replace("T", " ") or None,
                     "files": int(state.get("files", 0)), "status": status, "detail": state.get("detail", "")})
    return rows


@app.command("remove")
def remove(
    names: list[str] = typer.Argument(..., help="Folder paths, or intervals / garmin / watch."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Forget sources (a pulled source's stored key or tokens are deleted too)."""
    from pathlib import Path

    from fitglute import plugins
    from fitglute.sources.configured import remove_entry

    missing = []
    for name in names:
        entry = remove_entry(name) or remove_entry(str(Path(name).expanduser().resolve()))
        if entry is None:
            missing.append(name)
            continue
        source = plugins.sources().get(entry.kind)
        gone = source.disconnect() if source is not None and source.disconnect else None
        _forget_state(entry.name, db)
        typer.echo(f"removed {entry.name}" + (f" ({gone})" if gone else ""))
    if missing:
        raise fail(f"no such source: {', '.join(missing)} (see fitglute sources list)")


def _forget_state(name: str, db: str | None) -> None:
    from pathlib import Path

    from fitglute import config
    from fitglute.history.store import Store
    from fitglute.sync.pull import forget

    if (Path(db) if db else config.db_path()).is_file():
        with Store(db) as store:
            forget(store, name)


@app.command("test")
def test(
    name: str = typer.Argument(..., help="intervals, garmin or watch."),
    since: str = typer.Option("14d", "--since", help="How far back to look: 14d, 2w, 36h or a date."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """One listing, nothing downloaded: what the next pull would fetch."""
    from datetime import UTC, datetime

    from fitglute import plugins
    from fitglute.commands.hints import with_hint
    from fitglute.history.store import Store
    from fitglute.sources.configured import load_entries
    from fitglute.sync import parse_since
    from fitglute.sync.pull import preview_source

    entry = next((e for e in load_entries() if e.name == name), None)
    source = plugins.sources().get(entry.kind) if entry else None
    if entry is None or source is None or source.pull is None:
        raise fail(f"{name}: not a configured pulling source (see fitglute sources list)")
    now = datetime.now(UTC)
    with Store(db) as store:
        got = preview_source(store, entry, source, since=_since(since, now, parse_since), now=now)
    if got.status != "ok":
        code = {"auth": ExitCode.AUTH, "deferred": ExitCode.DEFERRED}.get(got.status, ExitCode.SOME_FAILED)
        raise fail(with_hint(f"{got.title}: {got.detail}", got.hint), code)
    typer.echo(f"{got.title}: {len(got.would_fetch)} new file(s) to fetch ({got.requests} request(s) made)")
    for item in got.would_fetch:
        typer.echo(f"  {item.label or item.key}")
    for reason, n in sorted(got.skipped.items()):
        typer.echo(f"  passed over: {n} × {reason}")
    for note in got.notes:
        typer.echo(f"note: {note}")


def _since(text: str, now: Any, parse: Any) -> Any:
    from fitglute.model.errors import InputError

    try:
        return parse(text, now)
    except InputError as exc:
        raise fail(exc.shown_as("--since")) from None


@app.command("pull")
def pull(
    since: str = typer.Option("14d", "--since", help="How far back to look: 14d, 2w, 36h or a date."),
    quiet: bool = typer.Option(False, "--quiet", help="For cron: nothing on success, one line per problem."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Fetch new files from every source and import them (no Strava)."""
    from datetime import UTC, datetime
    from pathlib import Path

    from filelock import FileLock, Timeout

    from fitglute import sync as s
    from fitglute.commands.hints import with_hint
    from fitglute.history.store import StoreError
    from fitglute.sources.configured import SourcesFileError, load_sources
    from fitglute.sync.pull import import_inbox_and_folders

    now = datetime.now(UTC)
    after = _since(since, now, s.parse_since)
    s.setup_log()
    lock = FileLock(str(s.lock_path()), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise fail("another fitglute sync or pull is running; this one exits", ExitCode.DEFERRED) from None
    try:
        report = s.engine.pull_sources(db, after, now)
        folders = [p for p in load_sources() if Path(p).exists()]
        imported = import_inbox_and_folders(folders, db=db)
    except (s.SyncError, SourcesFileError, StoreError) as exc:
        raise fail(str(exc)) from None
    finally:
        lock.release()
    problems = report.problems(with_hint) + [f"{p}: {r}" for p, r in imported.failed]
    for line in problems:
        typer.echo(f"fitglute: {line}", err=True)
        s.engine.log.warning(line)
    if not quiet:
        for line in pull_lines(report):
            typer.echo(line)
        typer.echo(f"imported {len(imported.imported)} new run(s); {len(imported.known)} already known")
    code = max(report.exit_code, ExitCode.SOME_FAILED if imported.failed else ExitCode.OK)
    raise typer.Exit(code)


def pull_lines(report: Any) -> list[str]:
    """One line per pulled source for the runner: what came in, what it cost."""
    lines = []
    for src in report.sources:
        if src.status == "waiting":
            continue  # said on stderr, as a problem
        what = f"{len(src.pulled)} new file(s)" if src.pulled else "nothing new"
        lines.append(f"{src.title}: {what} ({src.requests} request(s))")
    return lines
