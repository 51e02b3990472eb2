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
