"""``fitglute rules``: what each rule looks at, its evidence and thresholds."""

from __future__ import annotations

import typer

#: from this terminal width the rules table also lists inputs and thresholds
WIDE = 150

app = typer.Typer(help="List the rules, their evidence and thresholds.", invoke_without_command=True)


@app.callback()
def list_rules(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Write the rules and their thresholds as JSON."),
) -> None:
    """List every rule with its id, evidence grade, inputs and thresholds."""
    if ctx.invoked_subcommand is not None:
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from fitglute.model.axes import evidence_word
    from fitglute.plugins import rules as registered
    from fitglute.rules.thresholds import resolve, rule_overrides

    rules = registered()
    values = resolve(rules, rule_overrides())
    if as_json:
        import json

        typer.echo(json.dumps([_rule_json(r, values[r.id]) for r in rules.values()], indent=1, ensure_ascii=False))
        return
    console = Console()
    wide = console.width >= WIDE
    # ids, channel keys and thresholds are typed back by the user: never wrapped, never cut
    table = Table(title="fitglute rules", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("evidence", no_wrap=not wide, ratio=1 if wide else None)
    if wide:
        table.add_column("needs", no_wrap=True)
        table.add_column("thresholds", no_wrap=True)
    table.add_column("what it looks for · size", ratio=1)
    for r in sorted(rules.values(), key=lambda r: (r.stage, r.id)):
        grade = f"{r.evidence.grade} ({evidence_word(r.evidence.grade)})"
        cells = [r.id, f"{grade}: {r.evidence.source}" if wide else grade]
        if wide:
            cells += ["\n".join(r.needs), "\n".join(f"{k} = {v:g}" for k, v in values[r.id].items())]
        table.add_row(*cells, r.summary + (f"\nsize: {r.sizing}" if r.sizing else ""))
    console.print(table)
    hint = "Sources, inputs and thresholds: fitglute rules show ID" if not wide else "Sources: fitglute rules show ID"
    console.print(Text(hint, style="dim"))


@app.command("show")
def show(rule_id: str = typer.Argument(..., help="Rule id, e.g. gct-balance-bias")) -> None:
    """Explain one rule: what it looks for, its evidence, and every threshold with its source."""
    from rich.console import Console

    from fitglute.commands import fail
    from fitglute.model.axes import evidence_word
    from fitglute.plugins import rules as registered
    from fitglute.rules.thresholds import resolve, rule_overrides

    rules = registered()
    if rule_id not in rules:
        raise fail(f"unknown rule {rule_id!r} (known: {', '.join(sorted(rules))})")
    r = rules[rule_id]
    values = resolve(rules, rule_overrides())[rule_id]
    c = Console()
    c.print(f"[bold]{r.id}[/bold] — {r.title}")
    c.print(r.summary)
    c.print(f"Evidence {r.evidence.grade} ({evidence_word(r.evidence.grade)}): {r.evidence.source}")
    if r.sizing:
        c.print(f"Size: {r.sizing}")
    if r.measured_by:
        c.print(f"Measured by: {r.measured_by}")
    c.print(f"Needs: {', '.join(r.needs)}")
    for key, spec in r.thresholds.items():
        c.print(f"  {key} = {values[key]:g}  ({spec.description}; source: {spec.source})")


def _rule_json(r, values: dict) -> dict:
    from fitglute.model.axes import evidence_word

    return {
        "id": r.id,
        "title": r.title,
        "evidence": r.evidence.grade,
        "evidence_source": r.evidence.source,
        "evidence_word": evidence_word(r.evidence.grade),
        "sizing": r.sizing,
        "measured_by": r.measured_by,
        "needs": list(r.needs),
        "thresholds": values,
        "summary": r.summary,
    }
