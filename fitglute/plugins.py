"""Plugin loading with pluggy: fitglute's default plugins first, then the ``fitglute`` entry points.

``FITGLUTE_PLUGINS`` (comma-separated names, or ``-name`` to disable one; ``0`` or ``none`` for no
third-party plugins) controls which external plugins load. A plugin that fails to import or to
register is reported in one line (:func:`load_errors`) and never breaks the CLI.

The registries (:func:`rules`, :func:`channel_mappers`, :func:`sources`, :func:`exporters`) are
collected once per process through the hooks; this module knows the hooks, not what they add.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import pluggy

from fitglute import hookspecs

DEFAULT_PLUGINS = "fitglute.default_plugins"
_errors: dict[str, list[str]] = {}  # per FITGLUTE_PLUGINS setting


def _setting() -> str:
    return os.environ.get("FITGLUTE_PLUGINS", "").strip()


def manager() -> pluggy.PluginManager:
    """The plugin manager for the current ``FITGLUTE_PLUGINS`` (built once per setting)."""
    return _manager(_setting())


@cache
def _manager(setting: str) -> pluggy.PluginManager:
    import importlib

    pm = pluggy.PluginManager("fitglute")
    pm.add_hookspecs(hookspecs)
    defaults = importlib.import_module(DEFAULT_PLUGINS)
    for name in defaults.MODULES:
        pm.register(importlib.import_module(f"{DEFAULT_PLUGINS}.{name}"), name=f"fitglute.{name}")
    _load_entry_points(pm, setting)
    return pm


def _wanted(name: str, setting: str) -> bool:
    if not setting:
        return True
    items = [s.strip() for s in setting.split(",") if s.strip()]
    if any(s in ("0", "none") for s in items):
        return False
    if f"-{name}" in items:
        return False
    positives = [s for s in items if not s.startswith("-")]
    return not positives or name in positives


def check_setting(setting: str, installed: list[str]) -> None:
    """A name in ``FITGLUTE_PLUGINS`` that no installed plugin has is a typo: say so, like a
    config typo, instead of silently loading (or not disabling) something else."""
    from fitglute.config import ConfigError

    items = [s.strip().removeprefix("-") for s in setting.split(",") if s.strip()]
    unknown = [s for s in items if s not in installed and s not in ("0", "none")]
    if unknown:
        known = ", ".join(sorted(installed)) or "none"
        raise ConfigError(
            f"FITGLUTE_PLUGINS: unknown plugin {', '.join(map(repr, unknown))} (installed: {known}; "
            "use name, -name, or 0 for none)"
        )


def _load_entry_points(pm: pluggy.PluginManager, setting: str) -> None:
    found = entry_points("fitglute")
    check_setting(setting, [name for name, _ in found])
    for name, value in found:
        if not _wanted(name, setting):
            continue
        try:
            pm.register(_load(value), name=name)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break fitglute
            _errors.setdefault(setting, []).append(f"plugin {name!r} failed to load: {type(exc).__name__}: {exc}")


def entry_points(group: str) -> list[tuple[str, str]]:
    """``(name, "module:attr")`` of the installed entry points of ``group``, as importlib.metadata.

    Why not ``importlib.metadata.entry_points``: importing it (email, zipfile, csv…) cost ~13 ms of
    every command. This reads the same files — ``entry_points.txt`` of each ``*.dist-info`` /
    ``*.egg-info`` folder on ``sys.path`` — and, as importlib.metadata, takes each distribution
    once, from the first ``sys.path`` entry that has it. (Zipped distributions are not read.)
    """
    import re
    import sys

    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for folder in sys.path:
        try:
            entries = sorted(os.scandir(folder or "."), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            stem, dot, kind = entry.name.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            dist = re.sub(r"[-_.]+", "_", stem.partition("-")[0]).lower()
            if dist in seen:
                continue
            seen.add(dist)
            try:
                with open(os.path.join(entry.path, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                continue
            found.extend(_section(text, group))
    return found


def _section(text: str, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` lines of ``[group]`` in an entry_points.txt (an INI file)."""
    out: list[tuple[str, str]] = []
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current == group and "=" in line:
            name, _, value = line.partition("=")
            out.append((name.strip(), value.strip()))
    return out


def _load(value: str) -> Any:
    """The object an entry point names: ``module`` or ``module:attr.attr`` (extras ignored)."""
    import importlib

    module, _, attrs = value.split("[")[0].strip().partition(":")
    obj = importlib.import_module(module.strip())
    for attr in filter(None, attrs.strip().split(".")):
        obj = getattr(obj, attr)
    return obj


def load_errors() -> list[str]:
    manager()
    return list(_errors.get(_setting(), []))


def call_each(hook: str, **kwargs: Any) -> None:
    """Call every implementation of ``hook``; a failing one is reported and the others go on."""
    for impl in getattr(manager().hook, hook).get_hookimpls():
        try:
            impl.function(**kwargs)
        except Exception as exc:  # noqa: BLE001
            _errors.setdefault(_setting(), []).append(f"plugin {impl.plugin_name!r} failed in {hook}: {exc}")


def _collect(hook: str) -> list[Any]:
    found: list[Any] = []
    call_each(hook, register=found.append)
    return found


def rules() -> dict[str, Any]:
    """Every registered rule by id (ids are a public contract: a second rule with an id is refused)."""
    return _rules(_setting())


def channel_mappers() -> tuple[Any, ...]:
    return _channel_mappers(_setting())


def sources() -> dict[str, Any]:
    return _sources(_setting())


def exporters() -> dict[str, Any]:
    return _exporters(_setting())


@cache
def _rules(setting: str) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def register(rule: Any) -> Any:
        if rule.id in out and out[rule.id] is not rule:
            raise ValueError(f"rule id {rule.id!r} is already registered")
        out[rule.id] = rule
        return rule

    call_each("register_rules", register=register)
    return out


@cache
def _channel_mappers(setting: str) -> tuple[Any, ...]:
    return tuple(_collect("register_channels"))


@cache
def _sources(setting: str) -> dict[str, Any]:
    return {s.name: s for s in _collect("register_sources")}


@cache
def _exporters(setting: str) -> dict[str, Any]:
    return {e.name: e for e in _collect("register_exporters")}
