"""``fitglute test add|list|remove|protocols``: side-to-side capacity tests the runner does at home."""

from __future__ import annotations

import json

import typer

from fitglute.commands.imports import DB_HELP

app = typer.Typer(
    help="Side-to-side strength tests (heel raise, bridge, hop, pogo): what gives exercise advice a side.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    kind: str = typer.Argument(None, help="heel-raise, heel-raise-bent, bridge, hop or pogo."),
    left: str = typer.Option(None, "--left", help="Left leg: reps, cm (hop) or pain 0–10 (pogo)."),
    right: str = typer.Option(None, "--right", help="Right leg, in the same unit."),
    day: str = typer.Option(None, "--date", help="When you did the test, YYYY-MM-DD (default: today)."),
    note: str = typer.Option("", "--note", help="Free text, e.g. 'metronome 60 bpm'."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Log a test; runs from its date on are judged again with it."""
    from datetime import date

    from fitglute.commands import echo_rejudged, fail
    from fitglute.history.entries import validate_test
    from fitglute.history.rejudge import rejudge
    from fitglute.history.store import Store, StoreError
    from fitglute.model.errors import InputError

    try:
        when, kind_v, left_v, right_v, text = validate_test(kind, left, right, day, note, date.today())
    except InputError as exc:
        raise fail(exc.shown_as("test" if exc.field == "test" else f"--{exc.field}")) from None
    try:
        with Store(db) as store:
            test = store.add_test(when, kind_v, left_v, right_v, text)
            again = rejudge(store)
    except StoreError as exc:
        raise fail(str(exc)) from None
    from fitglute.report.evidence import describe_test

    typer.echo(f"added test #{test.id}: {describe_test(test)}")
    echo_rejudged(again, when)


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print the tests as a JSON array."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Show the logged tests, oldest first, with each one's symmetry."""
    from fitglute.commands.history import open_existing

    store = open_existing(db)
    tests = [] if store is None else store.tests()
    if store is not None:
        store.close()
    if as_json:
        typer.echo(json.dumps([t.to_json() for t in tests], ensure_ascii=False))
        return
    if not tests:
        typer.echo("no tests logged (see fitglute test protocols, then fitglute test add KIND --left N --right N)")
        return
    from rich.console import Console
    from rich.table import Table

    from fitglute.report.evidence import symmetry

    table = Table(title="fitglute · capacity tests (LSI = weaker ÷ stronger; flag below 90 %)", title_justify="left")
    for col in ("id", "date", "test", "left", "right", "symmetry", "note"):
        table.add_column(col, overflow="fold", justify="right" if col in ("left", "right") else "left")
    for t in tests:
        scores = (f"{t.left:g}", f"{t.right:g}")
        table.add_row(str(t.id), t.date.isoformat(), f"{t.kind} ({t.protocol.unit})", *scores, symmetry(t), t.note)
    Console().print(table)


@app.command("remove")
def remove(
    test_id: int = typer.Argument(..., help="The id shown by fitglute test list."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Remove a test; runs from its date on are judged again without it."""
    from fitglute.commands import echo_rejudged, fail
    from fitglute.commands.history import open_existing
    from fitglute.history.rejudge import rejudge
    from fitglute.history.store import StoreError

    try:
        store = open_existing(db, write=True)
        if store is None:
            raise fail(f"no test with id {test_id} (no tests logged)")
        with store:
            test = store.remove_test(test_id)
            if test is None:
                raise fail(f"no test with id {test_id} (see fitglute test list)")
            again = rejudge(store)
    except StoreError as exc:
        raise fail(str(exc)) from None
    from fitglute.report.evidence import describe_test

    typer.echo(f"removed test #{test.id}: {describe_test(test)}")
    echo_rejudged(again, test.date)


@app.command("protocols")
def protocols() -> None:
    """How to do each test at home, in plain words, with its source."""
    from fitglute.model.capacity import PROTOCOLS

    for p in PROTOCOLS.values():
        typer.echo(f"{p.kind} — {p.name} [{p.unit} per leg]")
        typer.echo(f"  {p.how}")
        typer.echo(f"  Source: {p.source}")
        typer.echo("")
    typer.echo(
        "Limb symmetry index (LSI) = the weaker leg's score ÷ the stronger leg's; below 90 % is the usual flag. "
        "Log both legs with: fitglute test add KIND --left N --right N [--date YYYY-MM-DD]. Test when rested, "
        "with the same protocol each time; stop on pain above 5/10."
    )
