"""Sub-commands registered by name and imported only when run.

Why: ``fitglute --help`` and ``fitglute analyze`` used to import every command module (and what
each imports at module level) just to build the command tree. A :class:`LazyCommand` names its
module and a short help line; :class:`LazyGroup` lists it in ``--help`` from that line and imports
the module when the command is invoked (or its own ``--help`` is asked for). The short help is a
copy of the first sentence of the command's own help: ``tests/test_startup.py`` checks the copy.

A plugin that extends a built-in group (the Garmin plugin adds ``auth garmin``) adds a group of
the same name; its commands are merged into the built-in group when that is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click
from typer.core import TyperGroup

LAZY_ATTR = "_fitglute_lazy"  # the table of lazy commands, on the typer app that supports them


@dataclass(frozen=True)
class LazyCommand:
    name: str
    target: str  # "module:attribute": a command function, or a typer.Typer for a group
    help: str  # the command's short help (first sentence of its own)
    group: bool = False

    def target_object(self) -> Any:
        import importlib

        module, attr = self.target.split(":")
        return getattr(importlib.import_module(module), attr)

    def load(self, markup: Any = None) -> click.Command:
        """The click command, built by typer as ``add_typer``/``command`` on an app with ``markup``."""
        import typer.main
        from typer.models import CommandInfo, TyperInfo

        obj = self.target_object()
        if self.group:  # as for a group added to the app: the app's settings, not the sub-app's own
            info = TyperInfo(obj, name=self.name)
            cmd: click.Command = typer.main.get_group_from_info(
                info, pretty_exceptions_short=True, suggest_commands=True, rich_markup_mode=markup
            )
        else:
            info = CommandInfo(name=self.name, callback=obj)
            cmd = typer.main.get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=markup)
        cmd.name = self.name
        return cmd


def add(cli: Any, spec: LazyCommand) -> None:
    """Register ``spec`` on ``cli``: lazily where the app supports it, else at once (plugin probes)."""
    table = getattr(cli, LAZY_ATTR, None)
    if table is not None:
        table[spec.name] = spec
    elif spec.group:
        cli.add_typer(spec.target_object(), name=spec.name)
    else:
        cli.command(spec.name)(spec.target_object())


class LazyGroup(TyperGroup):
    """A typer group that also lists, and loads on demand, the commands of :attr:`specs`."""

    specs: dict[str, LazyCommand] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = super().list_commands(ctx)
        return [*self.specs, *(n for n in eager if n not in self.specs)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = self.specs.get(cmd_name)
        if spec is None or getattr(self.commands.get(cmd_name), "_fitglute_loaded", False):
            return super().get_command(ctx, cmd_name)
        cmd = spec.load(self.rich_markup_mode)
        extra = self.commands.get(cmd_name)  # a plugin's group of the same name adds its commands
        if isinstance(extra, click.Group) and isinstance(cmd, click.Group):
            for name, sub in extra.commands.items():
                cmd.commands.setdefault(name, sub)
        cmd._fitglute_loaded = True  # type: ignore[attr-defined]
        self.commands[cmd_name] = cmd
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's command list, with the short help of lazy commands taken from their spec."""
        rows: list[tuple[str, str | None, click.Command | None]] = []
        for name in self.list_commands(ctx):
            spec = self.specs.get(name)
            if spec is not None and not getattr(self.commands.get(name), "_fitglute_loaded", False):
                rows.append((name, spec.help, None))
                continue
            cmd = super().get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, None, cmd))
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _, _ in rows)
        lines = [(name, (cmd or click.Command(name, help=text)).get_short_help_str(limit)) for name, text, cmd in rows]
        with formatter.section("Commands"):
            formatter.write_dl(lines)
