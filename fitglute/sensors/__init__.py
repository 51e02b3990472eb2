"""Sensors: turn a decoded run's raw fields into canonical channels, one mapper per sensor.

The core keeps a Stryd-recorded file's own ground time apart (:mod:`.footpod`); plugin mappers
(Stryd, RunScribe, …) add their channels from developer fields. A mapper only adds: a channel the
file already has is kept, and a mapper that fails loses its channels, never the run.
"""

from __future__ import annotations

from collections.abc import Iterable

from fitglute.model.channels import ChannelSpec
from fitglute.model.run import Run
from fitglute.sensors.footpod import keep_footpod_apart
from fitglute.sensors.mapper import NATIVE, ChannelMapper

__all__ = ["NATIVE", "ChannelMapper", "apply_sensors"]


def apply_sensors(run: Run, mappers: Iterable[ChannelMapper]) -> dict[str, ChannelSpec]:
    """Add every mapper's channels to ``run``; returns the specs of the sensor channels present.

    The native FIT channels (mapper ``fit``) are described by :func:`fitglute.dynamics.analyse`
    itself; every other declared channel that the run now has — added by a mapper, or kept apart
    by the core (a Stryd-recorded file's ``stryd_gct_ms``) — is returned for statistics.
    """
    if run.dynamics_source == "footpod":
        keep_footpod_apart(run)
    present: dict[str, ChannelSpec] = {}
    for mapper in mappers:
        try:
            new = mapper.apply(run) or {}
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not lose the run
            run.warnings.append(f"plugin {mapper.name} could not map its channels: {exc}")
            continue
        for key, values in new.items():
            if key not in run.channels:  # the file's own channel wins; plugins only add
                run.channels[key] = values
        if mapper.name != NATIVE.name:
            present.update({k: spec for k, spec in mapper.channels.items() if k in run.channels})
    return present
