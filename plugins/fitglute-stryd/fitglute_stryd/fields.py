"""Stryd developer fields → canonical channels (pure numpy; no global state, safe in workers).

How a Stryd field is recognised (fit-running-fields.md §4: match on app id + field name, never
on the field number alone — numbers differ between app versions):

1. **Known app id**: the developer application UUID is one of :data:`STRYD_APP_IDS` (the public
   "Stryd Zones / Power Zones" Connect IQ UUID, or the legacy Stryd app UUID seen in
   ``mornindew-broken.fit`` and listed as Stryd by ConnectStats / ActivityLog2). Any field with
   a known Stryd name (:data:`FIELDS`) is then taken.
2. **All-zero or missing app id** (older Stryd apps and Stryd-made files, e.g.
   ``FR920xt-with-Stryd.fit``, ``developer-types-sample.fit``): the app's field set must *look*
   like Stryd — at least one Stryd-only name (Form Power, Leg Spring Stiffness, Air Power), or
   both "Ground Time" and "Vertical Oscillation" — and every mapped field's units must be one of
   the known Stryd unit strings.
3. **Another, unknown app id**: accepted only with a strong signature — at least two of the
   Stryd-only names (Form Power, Leg Spring Stiffness, Air Power) — e.g. a future Stryd app, or
   a watch forwarding Stryd fields under its own id (COROS).

A field whose units are not a known variant is skipped, never guessed (except an empty unit
string on "Vertical Oscillation", resolved by magnitude: a median under 30 means centimetres).

Native fields: a Stryd-recorded file (``device`` "stryd …") or a Stryd paired as the power meter
(``device_info`` manufacturer stryd, kind power) with no developer "Power" field → the native
``power_w`` is Stryd's power and is copied to ``stryd_power_w`` (``power_w`` itself is kept).
The core already moves a Stryd-recorded file's native ground time and oscillation into
``stryd_gct_ms`` / ``stryd_vo_mm``; this mapper hands those very arrays back so the core
describes them (see :func:`map_stryd`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

STRYD_APP_IDS: dict[str, str] = {
    "18fb2cf01a4b430dad66988c847421f4": "Stryd Zones / Power Zones Connect IQ field (public UUID)",
    "660a581e5301460c8f2f034c8b6dc90f": "legacy Stryd Connect IQ app",
}
NO_APP_IDS = {None, "", "0" * 32}

WATTS = {"watts": 1.0, "watt": 1.0, "w": 1.0, "": 1.0}
# normalised field name -> (channel, {normalised units: factor to the channel's unit})
FIELDS: dict[str, tuple[str, dict[str, float]]] = {
    "power": ("stryd_power_w", WATTS),
    "form power": ("form_power", WATTS),
    "air power": ("air_power", WATTS),
    "leg spring stiffness": ("leg_spring_stiffness", {"kn/m": 1.0, "": 1.0, "n/m": 0.001}),
    "leg spring stifness": ("leg_spring_stiffness", {"kn/m": 1.0, "": 1.0, "n/m": 0.001}),
    "ground time": ("stryd_gct_ms", {"milliseconds": 1.0, "ms": 1.0, "": 1.0, "seconds": 1000.0, "s": 1000.0}),
    "ground contact time": ("stryd_gct_ms", {"milliseconds": 1.0, "ms": 1.0, "": 1.0}),
    "vertical oscillation": (
        "stryd_vo_mm",
        {"centimeters": 10.0, "centimetres": 10.0, "cm": 10.0, "millimeters": 1.0, "millimetres": 1.0, "mm": 1.0},
    ),
}
STRYD_ONLY = {"form power", "leg spring stiffness", "leg spring stifness", "air power"}
# a zero here means "not measured" (the pod writes 0 while standing or walking)
ZERO_IS_MISSING = {"stryd_gct_ms", "stryd_vo_mm", "leg_spring_stiffness"}
CORE_FOOTPOD_CHANNELS = ("stryd_gct_ms", "stryd_vo_mm")


def norm(text: str | None) -> str:
    return " ".join((text or "").replace("_", " ").split()).casefold()


@dataclass
class StrydSource:
    """What was recognised in one file: which developer app, why, and which fields."""

    app_id: str | None = None
    how: str = ""  # one line: why these fields count as Stryd
    fields: dict[str, str] = field(default_factory=dict)  # channel -> developer key
    skipped: list[str] = field(default_factory=list)  # fields with unknown units
    native_power: bool = False

    @property
    def found(self) -> bool:
        return bool(self.fields) or self.native_power


def _groups(run: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for f in run.developer_fields:
        out.setdefault(f.index, []).append(f)
    return out


def _looks_like_stryd(names: set[str], app_id: str | None) -> str | None:
    """Why a field set from an app that is not a known Stryd id still counts, or None."""
    only = names & STRYD_ONLY
    if app_id in NO_APP_IDS:
        if only:
            return f"app id missing/zero; Stryd-only field(s): {', '.join(sorted(only))}"
        if {"ground time", "vertical oscillation"} <= names:
            return "app id missing/zero; Stryd field set: Ground Time + Vertical Oscillation"
        return None
    if len(only) >= 2:
        return f"unknown app id; two or more Stryd-only fields: {', '.join(sorted(only))}"
    return None


def identify(run: Any) -> StrydSource:
    """Find the Stryd developer fields of ``run`` (first matching app wins per channel)."""
    src = StrydSource()
    groups = sorted(_groups(run).values(), key=lambda g: g[0].app_id not in STRYD_APP_IDS)
    for group in groups:
        app_id = group[0].app_id
        names = {norm(f.name) for f in group if f.name}
        if app_id in STRYD_APP_IDS:
            how = f"app id {app_id} ({STRYD_APP_IDS[app_id]})"
        else:
            how = _looks_like_stryd(names, app_id)
            if how is None:
                continue
        taken = False
        for f in group:
            spec = FIELDS.get(norm(f.name))
            if spec is None:
                continue
            channel, units = spec
            if channel in src.fields:
                continue
            u = norm(f.units)
            if u not in units and not (channel == "stryd_vo_mm" and u == ""):
                src.skipped.append(f"{f.key} (units {f.units!r})")
                continue
            src.fields[channel] = f.key
            taken = True
        if taken and not src.how:
            src.app_id, src.how = app_id, how
    if "stryd_power_w" not in src.fields and _native_power_is_stryd(run):
        src.native_power = True
        src.how = src.how or "native power of a Stryd-recorded file or a natively paired Stryd"
    return src


def _native_power_is_stryd(run: Any) -> bool:
    if not run.has("power_w"):
        return False
    if (run.device or "").lower().startswith("stryd"):
        return True
    return any((s.manufacturer or "").lower() == "stryd" and s.kind == "power" for s in run.sensors)


def _scaled(run: Any, key: str, channel: str) -> np.ndarray:
    f = next(d for d in run.developer_fields if d.key == key)
    x = np.asarray(run.developer[key], dtype=float).copy()
    u = norm(f.units)
    if channel == "stryd_vo_mm" and u == "":
        from fitglute.api import median  # not np.median: it imports numpy.ma (~30 ms of start-up)

        nz = x[np.isfinite(x) & (x > 0)]
        factor = 10.0 if nz.size and median(nz) < 30.0 else 1.0
    else:
        factor = FIELDS[norm(f.name)][1][u]
    x *= factor
    if channel in ZERO_IS_MISSING:
        x[x <= 0] = np.nan
    return x


def form_power_ratio(form: np.ndarray, power: np.ndarray) -> np.ndarray:
    """Form power as a % of total power, where both are positive."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((form > 0) & (power > 0), form / power * 100.0, np.nan)


def map_stryd(run: Any) -> dict[str, np.ndarray]:
    """The Stryd channels of ``run`` (``{}`` when no Stryd data is in the file)."""
    src = identify(run)
    out: dict[str, np.ndarray] = {}
    for channel, key in src.fields.items():
        out[channel] = _scaled(run, key, channel)
    if src.native_power:
        out["stryd_power_w"] = np.asarray(run.channels["power_w"], dtype=float).copy()
    if "form_power" in out and "stryd_power_w" in out:
        out["form_power_ratio_pct"] = form_power_ratio(out["form_power"], out["stryd_power_w"])
    # The core already keeps a Stryd-recorded file's own GCT/VO apart as stryd_* channels, but
    # only channels a mapper *adds* get stats and drift. Hand those arrays back unchanged (the
    # file's values win over a developer field of the same meaning), so they are described too.
    for channel in CORE_FOOTPOD_CHANNELS:
        existing = run.channels.get(channel)
        if existing is None:
            continue
        if np.isfinite(existing).any():
            out[channel] = run.channels.pop(channel)
        elif channel in out:
            del run.channels[channel]  # an all-NaN placeholder: the developer field fills it
    return out
