"""``fitglute rules``: what each rule looks at, its evidence and thresholds."""

from __future__ import annotations

import typer

app = typer.Typer(help="List the rules, their evidence and thresholds.", invoke_without_command=True)


@app.callback()
def list_rules(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List every rule with its id, evidence grade, inputs and thresholds."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from fitglute.model.axes import evidence_word
    from fitglute.plugins import rules as registered
    from fitglute.rules.thresholds import resolve, rule_overrides

    rules = registered()
    values = resolve(rules, rule_overrides())
    if as_json:
        import json

        typer.echo(json.dumps([_rule_json(r, values[r.id]) for r in rules.values()], indent=1, ensure_ascii=False))
        return
    table = Table(title="fitglute rules", title_justify="left")
    for col in ("id", "evidence (grade: source)", "what it looks for · size", "thresholds"):
        table.add_column(col, overflow="fold")
    for r in sorted(rules.values(), key=lambda r: (r.stage, r.id)):
        th = "\n".join(f"{k} = {v:g}" for k, v in values[r.id].items())
        grade = f"{r.evidence.grade} ({evidence_word(r.evidence.grade)}): {r.evidence.source}"
        looks = r.summary + (f"\nsize: {r.sizing}" if r.sizing else "")
        table.add_row(r.id, grade, looks, th)
    Console().print(table)


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
