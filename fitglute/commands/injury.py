"""``fitglute injury add|list|remove``: the injury log that same-side-recurrence reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from fitglute.commands.imports import DB_HELP

if TYPE_CHECKING:
    from fitglute.model.history import Injury

app = typer.Typer(
    help="The injury log: where it hurt before — the most consistent predictor of the next injury — and "
    "what changed in the weeks before each one.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    side: str = typer.Option(None, "--side", help="left, right or both."),
    site: str = typer.Option(None, "--site", help="hamstring, calf, achilles, knee, hip, glute, foot, shin or other."),
    day: str = typer.Option(None, "--date", help="When it happened, YYYY-MM-DD (default: today)."),
    note: str = typer.Option("", "--note", help="Free text, e.g. 'strain, 3 weeks off'."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Log an injury; runs after its date are judged again with it."""
    from datetime import date

    from fitglute.commands import echo_rejudged, fail
    from fitglute.history.entries import validate_injury
    from fitglute.history.rejudge import rejudge
    from fitglute.history.store import Store, StoreError
    from fitglute.model.errors import InputError

    try:
        when, site_v, side_v, text = validate_injury(side, site, day, note, date.today())
    except InputError as exc:
        raise fail(exc.shown_as(f"--{exc.field}")) from None
    try:
        with Store(db) as store:
            injury = store.add_injury(when, site_v, side_v, text)
            again = rejudge(store)
    except StoreError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"added injury #{injury.id}: {describe(injury)}")
    echo_rejudged(again, when)


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print the log as a JSON array."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Show the injury log, oldest first."""
    from fitglute.commands.history import open_existing

    store = open_existing(db)
    injuries = [] if store is None else store.injuries()
    if store is not None:
        store.close()
    if as_json:
        typer.echo(json.dumps([i.to_json() for i in injuries], ensure_ascii=False))
        return
    if not injuries:
        typer.echo("no injuries logged (fitglute injury add --side left --site hamstring --date YYYY-MM-DD)")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="fitglute · injury log", title_justify="left")
    for col in ("id", "date", "site", "side", "note"):
        table.add_column(col, overflow="fold")
    for i in injuries:
        table.add_row(str(i.id), i.date.isoformat(), i.site, i.side, i.note)
    Console().print(table)


@app.command("remove")
def remove(
    injury_id: int = typer.Argument(..., help="The id shown by fitglute injury list."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Remove an injury from the log; runs after its date are judged again without it."""
    from fitglute.commands import echo_rejudged, fail
    from fitglute.commands.history import open_existing
    from fitglute.history.rejudge import rejudge
    from fitglute.history.store import StoreError

    try:
        store = open_existing(db, write=True)
        if store is None:
            raise fail(f"no injury with id {injury_id} (the injury log is empty)")
        with store:
            injury = store.remove_injury(injury_id)
            if injury is None:
                raise fail(f"no injury with id {injury_id} (see fitglute injury list)")
            again = rejudge(store)
    except StoreError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"removed injury #{injury.id}: {describe(injury)}")
    echo_rejudged(again, injury.date)


@app.command("review")
def review(
    injury_id: int = typer.Argument(None, help="One injury's id (default: every logged injury)."),
    as_json: bool = typer.Option(False, "--json", help="Print the reviews as a JSON array."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """What changed in the 6 weeks before each injury, against your own baseline."""
    from fitglute.commands import fail
    from fitglute.commands.history import open_existing
    from fitglute.history.review import review_all
    from fitglute.history.store import StoreError

    try:
        store = open_existing(db)
        history = None if store is None else store.history()
        if store is not None:
            store.close()
    except StoreError as exc:
        raise fail(str(exc)) from None
    if history is None or not history.injuries:
        if injury_id is not None:
            raise fail(f"no injury with id {injury_id} (the injury log is empty)")
        if as_json:
            typer.echo("[]")
        else:
            typer.echo("no injuries logged (fitglute injury add --side left --site calf --date YYYY-MM-DD)")
        return
    reviews = review_all(history, injury_id)
    if not reviews:
        raise fail(f"no injury with id {injury_id} (see fitglute injury list)")
    if as_json:
        typer.echo(json.dumps(reviews, ensure_ascii=False))
        return
    from rich.console import Console

    from fitglute.report.review import render_review

    console = Console()
    for i, data in enumerate(reviews):
        if i:
            console.print("")
        console.print(render_review(data))


def describe(injury: Injury) -> str:
    note = f" — {injury.note}" if injury.note else ""
    return f"{injury.side} {injury.site}, {injury.date.isoformat()}{note}"
