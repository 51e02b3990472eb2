"""``fitglute report``: self-contained HTML pages — one run, the history, a one-pager for a physiotherapist."""

from __future__ import annotations

from pathlib import Path

import typer

from fitglute.commands.imports import DB_HELP

DEFAULT_NAMES = {"history": "fitglute-history.html", "physio": "fitglute-physio.html"}


def report(
    path: str = typer.Argument(None, help="One FIT / .fit.gz file to draw."),
    out: str = typer.Option(
        None,
        "-o",
        "--output",
        help="Where to write the page (default: next to the run, "
        "or fitglute-history.html / fitglute-physio.html in the current folder).",
    ),  # fmt: skip
    open_it: bool = typer.Option(False, "--open", help="Open the page in the default web browser."),
    show_history: bool = typer.Option(False, "--history", help="Trends of the stored runs with the logs."),
    physio: bool = typer.Option(False, "--for-physio", help="A printable one-page summary for a physiotherapist."),
    weeks: int = typer.Option(26, "--weeks", min=1, max=520, help="Weeks up to the latest run (history pages)."),
    demo: bool = typer.Option(False, "--demo", help="Draw the bundled example run."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Write a self-contained HTML page (no network, no script): a run, --history or --for-physio."""
    from fitglute.commands import fail

    chosen = [name for name, on in (("a run", bool(path)), ("--demo", demo), ("--history", show_history),
                                    ("--for-physio", physio)) if on]  # fmt: skip
    if len(chosen) != 1:
        what = "one of: a FIT file, --demo, --history, --for-physio"
        raise fail(f"give {what}" + (f" (got {' and '.join(chosen)})" if chosen else ""))
    if show_history or physio:
        html = _history_html(db, weeks, physio=physio)
        target = Path(out) if out else Path(DEFAULT_NAMES["physio" if physio else "history"])
    else:
        html, target = _run_html(path, demo, db, out)
    _write(target, html)
    typer.echo(f"wrote {target} ({len(html.encode()) / 1024:.0f} kB)")
    if open_it:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())


def _run_html(path: str | None, demo: bool, db: str | None, out: str | None) -> tuple[str, Path]:
    from fitglute.commands import fail
    from fitglute.commands.hints import with_hint
    from fitglute.data import DEMO_RUN
    from fitglute.history import load_history
    from fitglute.model.exitcodes import ExitCode
    from fitglute.pipeline import analyse_with_series
    from fitglute.plugins import load_errors

    source = Path(DEMO_RUN) if demo else Path(path or "")
    if not source.is_file():
        raise fail(f"{source}: no such file", ExitCode.SOME_FAILED)
    for problem in load_errors():  # a broken plugin: one line, and the page is still made
        typer.echo(f"fitglute: {problem}", err=True)
    result, series = analyse_with_series(str(source), context=load_history(db))
    if not result.ok:
        raise fail(f"{source}: {result.error}; no page written", ExitCode.SOME_FAILED)
    from fitglute.report.html.run_page import run_page

    if out:
        target = Path(out)
    elif demo:
        target = Path("fitglute-demo.html")
    else:
        target = source.with_name(source.name.removesuffix(".gz").removesuffix(".fit").removesuffix(".FIT") + ".html")
    return run_page(result, series, hint=with_hint), target


def _history_html(db: str | None, weeks: int, *, physio: bool) -> str:
    from fitglute.commands import fail
    from fitglute.commands.history import open_existing
    from fitglute.history.pages import history_data, physio_data
    from fitglute.history.store import StoreError
    from fitglute.report.html.history_page import history_page, physio_page

    try:
        store = open_existing(db)
        if store is None:
            raise fail("no history yet: import runs first with fitglute import PATH")
        with store:
            data = physio_data(store, weeks) if physio else history_data(store, weeks)
    except StoreError as exc:
        raise fail(str(exc)) from None
    return physio_page(data) if physio else history_page(data)


def _write(target: Path, html: str) -> None:
    from fitglute.commands import fail
    from fitglute.model.exitcodes import ExitCode

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise fail(f"{target}: cannot write the page ({exc.strerror or exc})", ExitCode.SOME_FAILED) from None
