"""The native FIT channels (converted while decoding), listed beside the ones plugins add."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_channels(register):
    from fitglute.sensors import NATIVE

    register(NATIVE)
