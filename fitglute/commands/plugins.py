"""``fitglute plugins``: what is installed and what each plugin adds."""

from __future__ import annotations

import typer


def plugins(as_json: bool = typer.Option(False, "--json", help="Machine-readable list.")) -> None:
    """List installed plugins (built-ins included) with their version, hooks, channels, rules and commands."""
    from fitglute.plugins import describe_plugins, load_errors

    info = describe_plugins()
    errors = load_errors()
    if as_json:
        import json

        typer.echo(json.dumps({"plugins": info, "errors": errors}, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="fitglute plugins", title_justify="left")
    for col in ("plugin", "version", "hooks", "channels", "rules", "commands"):
        table.add_column(col, overflow="fold")
    for p in info:
        table.add_row(
            p["name"],
            p["version"],
            ", ".join(h.removeprefix("register_") for h in p["hooks"]),
            "\n".join(p["channels"]),
            "\n".join(p["rules"]),
            ", ".join(p["commands"]),
        )
    console = Console()
    console.print(table)
    for e in errors:
        console.print(f"[yellow]{e}[/yellow]")
