"""Extension points. Built-ins use the very same hooks (see :mod:`fitglute.builtin`)."""

import pluggy

hookspec = pluggy.HookspecMarker("fitglute")
hookimpl = pluggy.HookimplMarker("fitglute")


@hookspec
def register_rules(register):
    """Register rules: call ``register(rule)`` with a :class:`fitglute.rules.engine.Rule`."""


@hookspec
def register_channels(register):
    """Register sensor mappers: ``register(name, mapper)``; a mapper adds channels to a Run."""


@hookspec
def register_exporters(register):
    """Register exporters: ``register(name, exporter)`` (Strava's note writer is one)."""


@hookspec
def register_commands(cli):
    """Add typer sub-commands to the ``cli`` app."""
