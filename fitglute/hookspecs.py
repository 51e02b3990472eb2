"""Extension points. fitglute's own features use the very same hooks (:mod:`fitglute.default_plugins`).

Each hook receives ``register``, a function to call once per thing the plugin adds (pluggy
passes arguments by name, so the parameter names below are part of the contract).
"""

import pluggy

hookspec = pluggy.HookspecMarker("fitglute")
hookimpl = pluggy.HookimplMarker("fitglute")


@hookspec
def register_channels(register):
    """Call ``register(mapper)`` with a :class:`fitglute.api.ChannelMapper` per sensor."""


@hookspec
def register_rules(register):
    """Call ``register(rule)`` with a :class:`fitglute.api.Rule` per rule."""


@hookspec
def register_sources(register):
    """Call ``register(source)`` with a :class:`fitglute.api.Source` per kind of FIT-file source."""


@hookspec
def register_exporters(register):
    """Call ``register(exporter)`` with a :class:`fitglute.api.Exporter`; sync runs every enabled one."""


@hookspec
def register_commands(cli):
    """Add typer sub-commands to the ``cli`` app (``cli.command("name")(function)``)."""
