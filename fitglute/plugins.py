"""Plugin loading with pluggy: built-ins first, then the ``fitglute`` entry-point group.

``FITGLUTE_PLUGINS`` (comma-separated names, or ``-name`` to disable one; ``0`` or ``none`` for no
third-party plugins) controls which external plugins load. A plugin that fails to import or to
register is reported in one line (``load_errors()``) and never breaks the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pluggy

from fitglute import hookspecs

BUILTIN_MODULES = ("fitglute.builtin",)
_errors: list[str] = []


@cache
def manager() -> pluggy.PluginManager:
    import importlib

    pm = pluggy.PluginManager("fitglute")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_MODULES:
        pm.register(importlib.import_module(name), name=name.removeprefix("fitglute."))
    _load_entry_points(pm)
    return pm


def _wanted(name: str) -> bool:
    setting = os.environ.get("FITGLUTE_PLUGINS", "").strip()
    if not setting:
        return True
    items = [s.strip() for s in setting.split(",") if s.strip()]
    if any(s in ("0", "none") for s in items):
        return False
    if f"-{name}" in items:
        return False
    positives = [s for s in items if not s.startswith("-")]
    return not positives or name in positives


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group="fitglute"):
        if not _wanted(ep.name):
            continue
        try:
            pm.register(ep.load(), name=ep.name)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break fitglute
            _errors.append(f"plugin {ep.name!r} failed to load: {type(exc).__name__}: {exc}")


def load_errors() -> list[str]:
    manager()
    return list(_errors)


_rules_loaded = False


def load_rules() -> None:
    """Call every ``register_rules`` hook once (per process)."""
    global _rules_loaded
    if _rules_loaded:
        return
    _rules_loaded = True
    from fitglute.rules.engine import register

    call_each("register_rules", register=register)


def call_each(hook: str, **kwargs: Any) -> None:
    """Call every implementation of ``hook``; a failing one is reported and the others go on."""
    for impl in getattr(manager().hook, hook).get_hookimpls():
        try:
            impl.function(**kwargs)
        except Exception as exc:  # noqa: BLE001
            _errors.append(f"plugin {impl.plugin_name!r} failed in {hook}: {exc}")


# --------------------------------------------------------------------------- channels


@dataclass(frozen=True)
class ChannelSpec:
    """A channel a mapper can add: unit, plausible range, and whether drift is a % (log) change."""

    unit: str
    plausible: tuple[float, float]
    log_scale: bool = True
    description: str = ""


@dataclass(frozen=True)
class ChannelMapper:
    """Turns raw developer fields (or other channels) of a Run into canonical channels.

    ``apply(run)`` returns ``{channel: float64 array as long as run.t}``; it must not replace a
    channel the file already has, and returns ``{}`` when its sensor is not in the file.
    """

    name: str
    channels: dict[str, ChannelSpec]
    apply: Callable[[Any], dict[str, Any]]
    description: str = ""


_mappers: list[ChannelMapper] | None = None


def channel_mappers() -> list[ChannelMapper]:
    global _mappers
    if _mappers is None:
        found: list[ChannelMapper] = []
        call_each("register_channels", register=found.append)
        _mappers = found
    return _mappers


def apply_channel_mappers(run: Any) -> dict[str, ChannelSpec]:
    """Add every mapper's channels to ``run``; returns the specs of the sensor channels present.

    The native FIT channels (mapper ``fit``) are described by :func:`fitglute.dynamics.analyse`
    itself; every other declared channel that the run now has — added by the mapper, or already
    made by the decoder (a Stryd-recorded file's ``stryd_gct_ms``) — is returned for statistics.
    """
    present: dict[str, ChannelSpec] = {}
    for mapper in channel_mappers():
        try:
            new = mapper.apply(run) or {}
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not lose the run
            run.warnings.append(f"plugin {mapper.name} could not map its channels: {exc}")
            continue
        for key, values in new.items():
            if key not in run.channels:  # the file's own channel wins; plugins only add
                run.channels[key] = values
        if mapper.name != "fit":
            present.update({k: spec for k, spec in mapper.channels.items() if k in run.channels})
    return present


# --------------------------------------------------------------------------- exporters


@dataclass(frozen=True)
class Exporter:
    """Turns an analysed run (the result dict) into text for somewhere else (a Strava note)."""

    name: str
    build: Callable[..., str | None]
    description: str = ""


@cache
def exporters() -> dict[str, Exporter]:
    found: list[Exporter] = []
    call_each("register_exporters", register=found.append)
    return {e.name: e for e in found}


def exporter(name: str) -> Exporter:
    try:
        return exporters()[name]
    except KeyError:
        raise LookupError(f"no exporter {name!r} (installed: {', '.join(exporters()) or 'none'})") from None


# --------------------------------------------------------------------------- introspection


def describe_plugins() -> list[dict[str, Any]]:
    """Every loaded plugin with its version, hooks and what each hook adds (for `fitglute plugins`)."""
    pm = manager()
    out = []
    for name, plugin in pm.list_name_plugin():
        hooks = sorted(h.name for h in (pm.get_hookcallers(plugin) or []))
        info: dict[str, Any] = {"name": name, "version": _version_of(name, plugin), "hooks": hooks}
        for hook, key in (
            ("register_rules", "rules"),
            ("register_channels", "channels"),
            ("register_exporters", "exporters"),
        ):
            found: list[Any] = []
            impl = getattr(plugin, hook, None)
            if impl is not None:
                try:
                    impl(register=found.append)
                except Exception as exc:  # noqa: BLE001
                    info.setdefault("errors", []).append(f"{hook}: {exc}")
            if key == "channels":
                info[key] = sorted(c for m in found for c in m.channels)
            else:
                info[key] = [getattr(r, "id", None) or r.name for r in found]
        impl = getattr(plugin, "register_commands", None)
        info["commands"] = []
        if impl is not None:
            import typer

            probe = typer.Typer()
            try:
                impl(cli=probe)
                info["commands"] = sorted(
                    [c.name or c.callback.__name__ for c in probe.registered_commands]
                    + [g.name or "" for g in probe.registered_groups]
                )
            except Exception as exc:  # noqa: BLE001
                info.setdefault("errors", []).append(f"register_commands: {exc}")
        out.append(info)
    return out


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
