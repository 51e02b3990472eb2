"""Which devices recorded the run: the watch, paired sensors, and where the dynamics came from."""

from __future__ import annotations

import re
from typing import Any

from fitglute.decode.decoded import Decoded, as_number
from fitglute.decode.profile import enum_name, product_name
from fitglute.model.run import Run, Sensor

# antplus device types (fit-running-fields.md §3)
_ANT_KIND = {120: "heart_rate", 124: "footpod", 11: "power", 31: "muscle_oxygen"}
_BLE_KIND = {1: "heart_rate", 6: "footpod", 2: "power"}
_CHEST_PRODUCTS = {"hrm_run", "hrm_tri", "hrm_swim", "hrm4_run", "hrm_pro", "hrm_pro_plus", "hrm_fit", "hrm_600"}
_POD_PRODUCTS = {"running_dynamics_pod"}
#: Garmin watches that record running dynamics only from an accessory: wrist-based dynamics came with
#: the FR255/265/955/965, fēnix 7 / epix 2 and later (fit-running-fields.md §3). Dynamics in a file from
#: one of these came from a strap (or the RD pod, which the file would name) even when it names none.
_NO_WRIST_DYNAMICS = re.compile(r"^garmin (fr(245|620|630|645|735xt|745|920xt|935|945)|fenix[2356])", re.IGNORECASE)


def find_sensors(devices: list[dict[str, Any]]) -> list[Sensor]:
    """Paired sensors seen in ``device_info`` (not the watch itself), one entry per device."""
    seen: dict[tuple, Sensor] = {}
    for d in devices:
        source = enum_name("source_type", d.get("source_type"))
        if source in (None, "local") or d.get("device_index") in (0, "creator"):
            continue
        dtype = as_number(d.get("device_type"))
        table = _BLE_KIND if source in ("bluetooth", "bluetooth_low_energy") else _ANT_KIND
        kind = table.get(int(dtype), "other") if dtype is not None else "other"
        manufacturer = enum_name("manufacturer", d.get("manufacturer"))
        product = product_name(d.get("manufacturer"), d.get("product"))
        if product in _CHEST_PRODUCTS:
            kind = "chest"
        elif product in _POD_PRODUCTS:
            kind = "pod"
        key = (manufacturer, product, d.get("serial_number"), kind)
        seen.setdefault(key, Sensor(kind, manufacturer, product, source))
    return list(seen.values())


def device_name(dec: Decoded) -> str | None:
    """The recording device ("garmin fr920xt"), from file_id or the creator device_info."""
    for msg in dec.file_ids + [d for d in dec.devices if d.get("device_index") in (0, "creator")]:
        manufacturer = enum_name("manufacturer", msg.get("manufacturer"))
        product = product_name(msg.get("manufacturer"), msg.get("product"))
        if manufacturer or product:
            return " ".join(str(x) for x in (manufacturer, product) if x)
    return None


def dynamics_source(run: Run) -> str:
    """Where the running dynamics came from: torso strap, waist pod, the wrist, or nowhere."""
    if not any(run.has(k) for k in ("gct_ms", "vertical_oscillation_mm")):
        return "none"
    kinds = {s.kind for s in run.sensors}
    if "pod" in kinds:
        return "pod"
    if "chest" in kinds or run.has("gct_balance_left_pct"):
        return "chest"
    if "heart_rate" in kinds:  # an HR strap of unknown model that also sent dynamics
        return "chest"
    if (run.device or "").startswith("stryd"):
        return "footpod"
    if _NO_WRIST_DYNAMICS.match(run.device or ""):
        return "chest"  # the watch has no wrist dynamics: an unnamed strap sent them
    return "watch"  # wrist-based dynamics, or an accessory the file does not name

