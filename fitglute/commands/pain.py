"""``fitglute pain add|list|remove``: the symptom log (0–10 during, after, next morning), tied to runs."""

from __future__ import annotations

import json

import typer

from fitglute.commands.imports import DB_HELP

app = typer.Typer(
    help="The symptom log: pain during and after runs and next-morning stiffness, 0–10 — the earliest warning.",
    no_args_is_help=True,
)
SCORE_HELP = "0 (none) to 10 (worst imaginable)."


@app.command("add")
def add(
    site: str = typer.Option(None, "--site", help="hamstring, calf, achilles, knee, hip, glute, foot, shin or other."),
    side: str = typer.Option(None, "--side", help="left, right or both."),
    during: str = typer.Option(None, "--during", help="Pain during the run, " + SCORE_HELP),
    after: str = typer.Option(None, "--after", help="Pain after the run, " + SCORE_HELP),
    morning: str = typer.Option(None, "--morning", help="Stiffness the next morning, " + SCORE_HELP),
    day: str = typer.Option(None, "--date", help="The day the scores are about (default: the run's day, or today)."),
    run: str = typer.Option(None, "--run", help="Tie the entry to a stored run: 'latest' or its FIT file."),
    note: str = typer.Option("", "--note", help="Free text."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Log symptoms at one site and side; runs from that day on are judged again with them."""
    from datetime import date

    from fitglute.commands import echo_rejudged, fail
    from fitglute.commands.history import open_existing
    from fitglute.history.entries import parse_day, resolve_run, validate_symptom
    from fitglute.history.rejudge import rejudge
    from fitglute.history.store import Store, StoreError
    from fitglute.model.errors import InputError

    today = date.today()
    try:
        site_v, side_v, scores, text = validate_symptom(
            site, side, {"during": during, "after": after, "morning": morning}, note
        )
        when = parse_day(day, today)  # checked before any database is opened
    except InputError as exc:
        raise fail(exc.shown_as(f"--{exc.field}")) from None
    try:
        store = Store(db) if run is None else open_existing(db, write=True)
        if store is None:
            raise fail(f"--run {run}: there is no history yet (import your runs first)")
        with store:
            run_sha = None
            if run is not None:
                try:
                    run_sha, run_day = resolve_run(store, run)
                except InputError as exc:
                    raise fail(exc.shown_as(f"--{exc.field}")) from None
                if day is None or not day.strip():
                    when = run_day
                elif when < run_day:
                    raise fail(f"--date {when.isoformat()} is before the run it is tied to ({run_day.isoformat()})")
            entry = store.add_symptom(when, site_v, side_v, scores, run_sha=run_sha, note=text)
            again = rejudge(store)
    except StoreError as exc:
        raise fail(str(exc)) from None
    from fitglute.report.evidence import describe_symptom

    typer.echo(f"added symptom #{entry.id}: {describe_symptom(entry)}")
    echo_rejudged(again, when)


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print the log as a JSON array."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Show the symptom log, oldest first."""
    from fitglute.commands.history import open_existing

    store = open_existing(db)
    entries = [] if store is None else store.symptoms()
    if store is not None:
        store.close()
    if as_json:
        typer.echo(json.dumps([s.to_json() for s in entries], ensure_ascii=False))
        return
    if not entries:
        typer.echo(
            "no symptoms logged (fitglute pain add --site achilles --side left --during 3 --after 4 --morning 2)"
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="fitglute · symptom log (0–10)", title_justify="left")
    for col in ("id", "date", "site", "side", "during", "after", "morning", "run", "note"):
        table.add_column(col, overflow="fold", justify="right" if col in ("during", "after", "morning") else "left")
    for s in entries:
        table.add_row(
            str(s.id),
            s.date.isoformat(),
            s.site,
            s.side,
            *(_score(s.score(k)) for k in ("during", "after", "morning")),
            (s.run_sha or "")[:10],
            s.note,
        )
    Console().print(table)


@app.command("remove")
def remove(
    symptom_id: int = typer.Argument(..., help="The id shown by fitglute pain list."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Remove an entry; runs from its date on are judged again without it."""
    from fitglute.commands import echo_rejudged, fail
    from fitglute.commands.history import open_existing
    from fitglute.history.rejudge import rejudge
    from fitglute.history.store import StoreError

    try:
        store = open_existing(db, write=True)
        if store is None:
            raise fail(f"no symptom with id {symptom_id} (the symptom log is empty)")
        with store:
            entry = store.remove_symptom(symptom_id)
            if entry is None:
                raise fail(f"no symptom with id {symptom_id} (see fitglute pain list)")
            again = rejudge(store)
    except StoreError as exc:
        raise fail(str(exc)) from None
    from fitglute.report.evidence import describe_symptom

    typer.echo(f"removed symptom #{entry.id}: {describe_symptom(entry)}")
    echo_rejudged(again, entry.date)


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"
