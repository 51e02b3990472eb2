"""The decoded run: metadata plus time-aligned numpy columns in fixed units.

Made by :mod:`fitglute.decode`, extended by sensor mappers (:mod:`fitglute.sensors`), measured by
:mod:`fitglute.dynamics` and read by rules. It is the only per-sample structure: everything after
it works on numpy columns, never on per-sample Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from fitglute.model.channels import DYNAMICS_KEYS

RUNNING_SPORTS = frozenset({"running"})
INDOOR_SUB_SPORTS = frozenset({"treadmill", "indoor_running", "virtual_activity"})


@dataclass
class Sensor:
    """A paired device from ``device_info`` (chest strap, pod, footpod, power meter, ...)."""

    kind: str  # "chest" | "pod" | "footpod" | "power" | "heart_rate" | "muscle_oxygen" | "other"
    manufacturer: str | None
    product: str | None
    source_type: str | None

    def label(self) -> str:
        name = " ".join(x for x in (self.manufacturer, self.product) if x)
        return f"{name or 'unknown'} ({self.kind})"


@dataclass
class DevField:
    """A developer (Connect IQ) field: identified by app id + name, or app id + number if unnamed."""

    key: str
    app_id: str | None  # 32 hex digits of the application UUID, or None when the file lacks it
    index: int
    number: int
    name: str
    units: str


@dataclass
class Run:
    """One running activity: metadata plus time-aligned numpy columns in fixed units.

    ``channels`` are float64 arrays as long as ``t`` (Unix seconds, UTC), NaN where the device
    wrote nothing. Only samples inside running sessions are kept (multisport files).

    ``developer`` holds the developer (Connect IQ) fields of ``record`` as the device wrote them
    (no unit conversion), one :class:`DevField` each in ``developer_fields``, keyed
    ``<app>:<name>``: ``<app>`` is the application id as 32 hex digits (``dev<index>`` when the
    file has no developer_data_id for it), ``<name>`` the stripped field name. An unnamed field is
    ``<app>:#<number>`` (its field definition number). When a name repeats within one app, the
    field with the lowest (developer index, number) keeps ``<app>:<name>`` and each repeat is
    ``<app>:<name>#<number>`` (``<app>:<name>#<index>.<number>`` if even that is taken, i.e. the
    same app id under two developer indices). Keys are unique and the same on both decoders.
    """

    path: str | None
    sha256: str
    sport: str
    sub_sport: str | None
    start_time: datetime | None
    device: str | None
    sensors: list[Sensor]
    dynamics_source: str  # "chest" | "pod" | "footpod" | "watch" (wrist or unnamed) | "none"
    t: np.ndarray
    channels: dict[str, np.ndarray]
    developer: dict[str, np.ndarray]
    developer_fields: list[DevField]
    sessions: list[dict[str, Any]]
    laps: list[dict[str, Any]]
    decoder: str
    warnings: list[str] = field(default_factory=list)
    duration_s: float | None = None  # timer time of the running sessions
    distance_m: float | None = None
    partial: bool = False  # the file was damaged or cut short; what decoded was kept
    after_bike: bool = False  # the run leg of a multisport file that came straight off a bike leg (a brick)

    @property
    def indoor(self) -> bool:
        return (self.sub_sport or "") in INDOOR_SUB_SPORTS

    def has(self, channel: str) -> bool:
        arr = self.channels.get(channel)
        return arr is not None and bool(np.isfinite(arr).any())

    def session_summary(self) -> dict[str, float | None] | None:
        """The device's own dynamics averages (timer-weighted over running sessions)."""
        return combine_summaries(self.sessions)


def combine_summaries(sessions: list[dict[str, Any]]) -> dict[str, float | None] | None:
    """Device averages of the running sessions; several sessions are weighted by timer time."""
    if not sessions:
        return None
    out: dict[str, float | None] = {}
    for key in DYNAMICS_KEYS:
        pairs = [(s[key], s.get("total_timer_time") or 1.0) for s in sessions if s.get(key) is not None]
        if not pairs:
            out[key] = None
        elif len(pairs) == 1:
            out[key] = pairs[0][0]
        else:
            out[key] = sum(v * w for v, w in pairs) / sum(w for _, w in pairs)
    return out
