"""``fitglute plugins``: what is installed and what each plugin adds."""

from __future__ import annotations

from typing import Any

import typer


def plugins(as_json: bool = typer.Option(False, "--json", help="Machine-readable list.")) -> None:
    """List installed plugins (built-ins included) with their version, hooks, channels, rules and commands."""
    from fitglute.plugins import load_errors

    info = describe_plugins()
    errors = load_errors()
    if as_json:
        import json

        typer.echo(json.dumps({"plugins": info, "errors": errors}, indent=1))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # one block per plugin: ids and channel keys are words that wrap between, never inside
    console = Console()
    console.print(Text("fitglute plugins", style="bold"))
    for p in info:
        hooks = ", ".join(h.removeprefix("register_") for h in p["hooks"])
        console.print(Text.assemble((p["name"], "bold"), f" {p['version']}", (f" · {hooks}", "dim")))
        grid = Table.grid(padding=(0, 2), pad_edge=True)
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column(ratio=1)
        for key in ("rules", "channels", "sources", "exporters", "commands"):
            if p.get(key):
                grid.add_row(f"  {key}", Text(", ".join(p[key])))
        if grid.row_count:
            console.print(grid)
    for e in errors:
        console.print(f"[yellow]{e}[/yellow]")


_LISTED = (
    ("register_rules", "rules", lambda r: r.id),
    ("register_channels", "channels", None),
    ("register_sources", "sources", lambda s: s.name),
    ("register_exporters", "exporters", lambda e: e.name),
)


def describe_plugins() -> list[dict[str, Any]]:
    """Every loaded plugin with its version, hooks and what each hook adds (for `fitglute plugins`)."""
    from fitglute.plugins import manager

    pm = manager()
    out = []
    for name, plugin in pm.list_name_plugin():
        hooks = sorted(h.name for h in (pm.get_hookcallers(plugin) or []))
        info: dict[str, Any] = {"name": name, "version": _version_of(name, plugin), "hooks": hooks}
        for hook, key, ident in _LISTED:
            found: list[Any] = []
            impl = getattr(plugin, hook, None)
            if impl is not None:
                try:
                    impl(register=found.append)
                except Exception as exc:  # noqa: BLE001
                    info.setdefault("errors", []).append(f"{hook}: {exc}")
            info[key] = sorted(c for m in found for c in m.channels) if ident is None else [ident(x) for x in found]
        info["commands"] = _commands_of(plugin, info)
        out.append(info)
    return out


def _commands_of(plugin: Any, info: dict[str, Any]) -> list[str]:
    impl = getattr(plugin, "register_commands", None)
    if impl is None:
        return []
    import typer

    probe = typer.Typer()
    try:
        impl(cli=probe)
    except Exception as exc:  # noqa: BLE001
        info.setdefault("errors", []).append(f"register_commands: {exc}")
        return []
    return sorted(
        [c.name or c.callback.__name__ for c in probe.registered_commands]
        + [g.name or "" for g in probe.registered_groups]
    )


def _version_of(name: str, plugin: Any) -> str:
    from importlib.metadata import PackageNotFoundError, distribution

    module = getattr(plugin, "__name__", "") or ""
    if module.startswith("fitglute."):
        from fitglute import __version__

        return __version__
    for candidate in (name, module.split(".")[0], module.split(".")[0].replace("_", "-")):
        try:
            return distribution(candidate).version
        except (PackageNotFoundError, ValueError):
            continue
    return "unknown"
