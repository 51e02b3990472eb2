"""A minimal fitglute plugin: one channel and one rule (the worked example of docs/plugins.md).

* channel ``pace_min_per_km``: pace from the file's speed (min/km);
* rule ``example-negative-split``: the last third of clean running was faster than the first
  (an informational finding, side "none").

Everything registers through two hook implementations; fitglute finds this module through the
``fitglute`` entry point in ``pyproject.toml``. Import only light things at module level: the
module is imported by every ``fitglute`` command, in every worker process.
"""

from __future__ import annotations

from fitglute.api import hookimpl

__version__ = "0.1.0"


def pace_min_per_km(run):
    """The mapper: ``{channel: array as long as run.t}``, or ``{}`` when the file lacks speed."""
    import numpy as np

    speed = run.channels.get("speed_mps")
    if speed is None or not np.isfinite(speed).any():
        return {}
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(speed > 0, 1000.0 / 60.0 / speed, np.nan)
    return {"pace_min_per_km": pace}


@hookimpl
def register_channels(register):
    from fitglute.api import ChannelMapper, ChannelSpec

    spec = ChannelSpec("min/km", (2.0, 15.0), log_scale=True, description="pace from speed")
    register(ChannelMapper("example", {"pace_min_per_km": spec}, pace_min_per_km, "pace in min/km from speed"))


@hookimpl
def register_rules(register):
    from fitglute_example.rules import NEGATIVE_SPLIT

    register(NEGATIVE_SPLIT)
