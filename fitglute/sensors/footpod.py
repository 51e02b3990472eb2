"""A Stryd-recorded file's own ground time and oscillation, kept apart from Garmin's dynamics."""

from __future__ import annotations

import numpy as np

from fitglute.model.run import Run

FOOTPOD_CHANNELS = {"gct_ms": "stryd_gct_ms", "vertical_oscillation_mm": "stryd_vo_mm"}


def keep_footpod_apart(run: Run) -> None:
    """A Stryd-recorded file writes the pod's own ground time and oscillation into the native
    fields. Pod and chest-strap values differ in level (fit-running-fields.md §4: "don't mix the
    two sources"), so they become ``stryd_*`` channels and the Garmin dynamics stay empty."""
    for native, own in FOOTPOD_CHANNELS.items():
        run.channels[own] = run.channels[native]
        run.channels[native] = np.full(run.t.size, np.nan)
    run.dynamics_source = "none"
