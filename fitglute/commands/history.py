"""``fitglute history`` and ``fitglute trends``: the stored runs, as a table and as plots."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from fitglute.commands.imports import DB_HELP

if TYPE_CHECKING:
    from fitglute.history.store import Store

METRIC_KEYS = {
    "gct_ms": "gct_ms",
    "balance_left_pct": "gct_balance_left_pct",
    "vo_mm": "vertical_oscillation_mm",
    "vr_pct": "vertical_ratio_pct",
    "step_mm": "step_length_mm",
    "cadence_spm": "cadence_spm",
}


def open_existing(db: str | None, *, write: bool = False) -> Store | None:
    """The store if it exists (None otherwise: reading commands never create one).

    Opened read-only unless ``write``; a database of an older schema is migrated once.
    """
    from fitglute import config
    from fitglute.history.store import Store, StoreError

    path = Path(db) if db else config.db_path()
    if not path.is_file():
        return None
    if write:
        return Store(path)
    try:
        return Store(path, readonly=True)
    except StoreError:
        return Store(path)  # older schema: migrate (a too-new one raises StoreError again)


def history(
    limit: int = typer.Option(20, "--limit", min=0, help="How many recent runs (0 = all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the runs as a JSON array."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Recent runs: date, distance, key metrics and top findings (newest first)."""
    from fitglute.commands import fail
    from fitglute.history.store import StoreError

    try:
        store = open_existing(db)
        if store is None:
            runs, total, pending, tests, symptoms = [], 0, None, [], []
        else:
            with store:
                runs = store.recent_runs(limit or None)
                found = store.findings_for([r["sha256"] for r in runs])
                for r in runs:
                    r["findings"] = found[r["sha256"]]
                total, pending = store.run_count(), store.pending_rejudge()
                tests, symptoms = store.tests(), store.symptoms()
    except StoreError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps([run_json(r) for r in runs], ensure_ascii=False))
        return
    if runs:
        render_history(runs, total)
    else:
        typer.echo("no runs yet: import them with fitglute import PATH (files, folders, a Strava export)")
    for line in own_evidence_lines(tests, symptoms):
        typer.echo(line)
    if pending:
        typer.echo("note: history findings are being updated — run fitglute import again to finish")


def run_json(row: dict[str, Any]) -> dict[str, Any]:
    """One ``history --json`` entry."""
    return {
        "sha256": row["sha256"],
        "start_time": row["start_time"],
        "sub_sport": row["sub_sport"],
        "distance_m": row["distance_m"],
        "duration_s": row["duration_s"],
        "metrics": {public: row[col] for col, public in METRIC_KEYS.items()},
        "sensor": row["sensor"],
        "flags": [f for f in (row["flags"] or "").split(",") if f],
        "strava_activity_id": row["strava_activity_id"],
        "findings": row["findings"],
    }


def render_history(runs: list[dict[str, Any]], total: int) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from fitglute.report.format import fmt_duration, fmt_value, local_day

    table = Table(
        title=f"fitglute · history ({len(runs)} of {total} runs)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for col, just in (
        ("date", "left"),
        ("km", "right"),
        ("time", "right"),
        ("GCT", "right"),
        ("bal L", "right"),
        ("VR", "right"),
        ("cad", "right"),
        ("findings", "left"),
    ):
        # ids wrap between each other, never inside one (rule ids are typed back: fitglute rules show)
        table.add_column(
            col,
            justify=just,
            no_wrap=col != "findings",
            overflow="ellipsis",
            min_width=24 if col == "findings" else None,
        )
    for r in runs:
        table.add_row(
            local_day(r["start_time"]),
            f"{(r['distance_m'] or 0) / 1000:.1f}",
            fmt_duration(r["duration_s"]),
            fmt_value(r["gct_ms"], 0),
            fmt_value(r["balance_left_pct"], 1),
            fmt_value(r["vr_pct"], 1),
            fmt_value(r["cadence_spm"], 0),
            findings_text(r["findings"]),
        )
    console = Console()
    console.print(table)
    if any(r["findings"] for r in runs):  # the red-flag line wherever findings are shown
        from fitglute.model.safety import RED_FLAGS

        console.print(RED_FLAGS, style="dim", markup=False)


def own_evidence_lines(tests: list[Any], symptoms: list[Any]) -> list[str]:
    """Under the runs: the latest test of each kind and the latest symptom entry."""
    from fitglute.report.evidence import describe_symptom, symmetry

    lines = []
    if tests:
        latest = {t.kind: t for t in tests}  # tests come oldest first
        shown = "; ".join(f"{t.kind} {t.date.isoformat()} {symmetry(t)}" for t in latest.values())
        lines.append(f"Capacity tests (latest of each): {shown} — fitglute test list")
    if symptoms:
        count = "1 entry" if len(symptoms) == 1 else f"{len(symptoms)} entries"
        lines.append(f"Symptoms: {count}, latest {describe_symptom(symptoms[-1])} — fitglute pain list")
    return lines


def findings_text(findings: list[dict[str, Any]], top: int = 2) -> str:
    """The top findings as ``rule L/R``; the count of the others."""
    from fitglute.rules.confidence import DISPLAY_MIN

    findings = [f for f in findings if f["confidence"] >= DISPLAY_MIN]  # as the report: no faint ones
    short = {"left": " L", "right": " R"}
    shown = [f["rule"] + short.get(f["side"], "") for f in findings[:top]]
    more = len(findings) - top
    return ", ".join(shown) + (f" +{more}" if more > 0 else "") if shown else "–"


def trends(
    metric: str = typer.Option(
        "gct_balance",
        "--metric",
        help="gct_balance, gct, vertical_ratio, cadence, distance (weekly), lsi-<test> (e.g. lsi-heel-raise) "
        "or pain-<site>-<side> (e.g. pain-achilles-left).",
    ),
    weeks: int = typer.Option(26, "--weeks", min=1, max=520, help="Weeks up to the latest run."),
    as_json: bool = typer.Option(False, "--json", help="Print the plotted data as JSON."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """A metric over the weeks: your runs, your baseline band, injuries, tests and load spikes marked."""
    from fitglute.commands import fail
    from fitglute.history.store import StoreError
    from fitglute.history.trends import known_metric, metric_names, trend_data
    from fitglute.report.trends import legend_line, render_trend

    if not known_metric(metric):
        raise fail(f"unknown --metric {metric!r} (one of: {metric_names()})")
    try:
        store = open_existing(db)
        if store is None:
            data = None
        else:
            with store:
                data = trend_data(store, metric, weeks)
    except StoreError as exc:
        raise fail(str(exc)) from None
    if data is None or not data["points"]:
        if as_json:
            typer.echo(json.dumps(data or {"metric": metric, "weeks": weeks, "points": []}, ensure_ascii=False))
        else:
            typer.echo(no_data_words(metric))
        return
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    from rich.console import Console

    console = Console()
    size = shutil.get_terminal_size((100, 30))
    width = max(40, min(size.columns, 160))
    text = render_trend(data, width=width, height=max(12, min(size.lines - 4, 28)), color=console.is_terminal)
    typer.echo(text.rstrip("\n"))
    from rich.text import Text

    console.print(Text(legend_line(data)))  # wrapped between words, never inside one


def no_data_words(metric: str) -> str:
    if metric.startswith("lsi-"):
        return f"no {metric[4:]} tests yet: log one with fitglute test add {metric[4:]} --left N --right N"
    if metric.startswith("pain-"):
        return "no symptoms at that site and side yet: log them with fitglute pain add"
    return f"no runs with {metric} yet: import them with fitglute import PATH"
