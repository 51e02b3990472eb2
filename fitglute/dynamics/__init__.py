"""Clean-running statistics of a run: averages, spreads, intervals and early → late drift.

Numpy only, no I/O. :func:`analyse` is the entry point; :func:`describe_channel` and
:func:`block_bootstrap_mean` are the helpers sensor plugins use for their own channels.
"""

from fitglute.dynamics.frame import Frame
from fitglute.dynamics.intervals import block_bootstrap_mean
from fitglute.dynamics.metrics import RunMetrics, analyse, describe_channel
from fitglute.dynamics.quantiles import median
from fitglute.model.stats import ChannelStats, Drift, Interval

__all__ = [
    "ChannelStats",
    "Drift",
    "Frame",
    "Interval",
    "RunMetrics",
    "analyse",
    "block_bootstrap_mean",
    "describe_channel",
    "median",
]
