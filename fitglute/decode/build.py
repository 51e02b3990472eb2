"""Decoded → :class:`~fitglute.model.run.Run`: running sessions only, units fixed once.

Units are fixed here (README "Units"): nothing downstream re-scales FIT values.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np

from fitglute.decode.decoded import Decoded, as_number
from fitglute.decode.devices import device_name, dynamics_source, find_sensors
from fitglute.decode.errors import FitError, NotRunning
from fitglute.decode.profile import enum_name
from fitglute.model.run import RUNNING_SPORTS, DevField, Run

# canonical channel name -> FIT record field it comes from (after the decoder's scale/offset)
SIMPLE_CHANNELS: dict[str, str] = {
    "distance_m": "distance",
    "heart_rate_bpm": "heart_rate",
    "gct_ms": "stance_time",
    "gct_balance_left_pct": "stance_time_balance",
    "gct_percent": "stance_time_percent",
    "vertical_oscillation_mm": "vertical_oscillation",
    "vertical_ratio_pct": "vertical_ratio",
    "step_length_mm": "step_length",
    "power_w": "power",
    "grade_pct": "grade",
    "temperature_c": "temperature",
    "position_lat": "position_lat",
    "position_long": "position_long",
    "activity_type": "activity_type",
}

# the device's own session/lap averages -> canonical metric keys (same keys as RunMetrics)
SUMMARY_FIELDS: dict[str, str] = {
    "gct_ms": "avg_stance_time",
    "gct_balance_left_pct": "avg_stance_time_balance",
    "vertical_oscillation_mm": "avg_vertical_oscillation",
    "vertical_ratio_pct": "avg_vertical_ratio",
    "step_length_mm": "avg_step_length",
}


def build_run(dec: Decoded, data: bytes, label: str | None) -> Run:
    sessions = [normalise_summary(s) for s in dec.sessions]
    laps = [normalise_summary(s) for s in dec.laps]
    rec = dec.records
    t = rec.get("timestamp")
    sport, sub_sport = detect_sport(dec, sessions, laps)
    if sport not in RUNNING_SPORTS:
        raise NotRunning(label, "not-running", not_running_reason(sport))
    if t is None or not np.isfinite(t).any():
        raise FitError(label, "no-records", _nothing_usable(dec))

    running = [s for s in sessions if s.get("sport") in RUNNING_SPORTS]
    keep = np.isfinite(t)
    if running and len(running) < len(sessions):
        keep &= in_windows(t, running)
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        raise FitError(label, "no-records", "no samples inside the running session(s)")
    order = idx[np.argsort(t[idx], kind="stable")]
    t = t[order]

    channels = canonical_channels(rec, order)
    developer, dev_fields = developer_channels(dec, order)
    warnings = list(dec.warnings)
    sensors = find_sensors(dec.devices)
    start = running[0].get("start_time") if running else None
    start_ts = start if start is not None and math.isfinite(start) else float(t[0])
    duration = sum_key(running, "total_timer_time")
    distance = sum_key(running, "total_distance")
    if distance is None and np.isfinite(channels["distance_m"]).any():
        distance = float(np.nanmax(channels["distance_m"]) - np.nanmin(channels["distance_m"]))
    if duration is None:
        duration = float(t[-1] - t[0])
    run = Run(
        path=label,
        sha256=hashlib.sha256(data).hexdigest(),
        sport=sport,
        sub_sport=sub_sport,
        start_time=datetime.fromtimestamp(start_ts, tz=UTC),
        device=device_name(dec),
        sensors=sensors,
        dynamics_source="none",
        t=t,
        channels=channels,
        developer=developer,
        developer_fields=dev_fields,
        sessions=running or sessions,
        laps=[lap for lap in laps if not running or lap.get("sport") in (None, *RUNNING_SPORTS)],
        decoder=dec.decoder,
        warnings=warnings,
        duration_s=duration,
        distance_m=distance,
        partial=bool(dec.warnings),
    )
    run.dynamics_source = dynamics_source(run)
    run.after_bike = after_bike(sessions, running)
    return run


def not_running_reason(sport: str | None) -> str:
    return f"not a running activity (sport: {sport or 'unknown'})"


#: a run leg starting within this long after a bike leg ended is a brick (transition included)
BRICK_GAP_S = 1800.0


def after_bike(sessions: list[dict], running: list[dict]) -> bool:
    """The first running session started within :data:`BRICK_GAP_S` of a cycling session's end."""
    if not running or len(running) == len(sessions):
        return False
    start = running[0].get("start_time")
    if start is None:
        return False
    for s in sessions:
        if s.get("sport") != "cycling" or s.get("start_time") is None:
            continue
        end = s["start_time"] + (s.get("total_elapsed_time") or s.get("total_timer_time") or 0.0)
        if 0.0 <= start - end <= BRICK_GAP_S or (s["start_time"] <= start <= end):
            return True
    return False


def _nothing_usable(dec: Decoded) -> str:
    if dec.warnings:
        return f"nothing usable decoded before the damage ({dec.warnings[0]})"
    return "no record samples in the file"


def detect_sport(dec: Decoded, sessions: list[dict], laps: list[dict]) -> tuple[str | None, str | None]:
    """Sport of the file: a running session if any, else the first session, lap or sport message."""
    for s in sessions:
        if s.get("sport") in RUNNING_SPORTS:
            return s["sport"], s.get("sub_sport")
    for group in (sessions, laps, [normalise_summary(m) for m in dec.sports]):
        for s in group:
            if s.get("sport"):
                return s["sport"], s.get("sub_sport")
    # no summary at all (e.g. a file cut before its session): judge by the samples
    act = dec.records.get("activity_type")
    if act is not None and np.isfinite(act).any():
        vals, counts = np.unique(act[np.isfinite(act)], return_counts=True)
        return enum_name("activity_type", int(vals[np.argmax(counts)])), None
    return None, None


def in_windows(t: np.ndarray, sessions: list[dict]) -> np.ndarray:
    """Samples whose time falls inside any of the sessions' [start, start + elapsed] windows."""
    mask = np.zeros(t.shape, dtype=bool)
    for s in sessions:
        start, elapsed = s.get("start_time"), s.get("total_elapsed_time") or s.get("total_timer_time")
        if start is None or elapsed is None:
            continue
        mask |= (t >= start) & (t <= start + elapsed + 1.0)
    return mask


def canonical_channels(rec: dict[str, np.ndarray], order: np.ndarray) -> dict[str, np.ndarray]:
    """Record columns → canonical channels in fixed units (see README "Units")."""
    n = order.size
    nan = np.full(n, np.nan)

    def col(name: str) -> np.ndarray | None:
        arr = rec.get(name)
        return None if arr is None else arr[order]

    out = {k: (c if (c := col(v)) is not None else nan.copy()) for k, v in SIMPLE_CHANNELS.items()}
    out["speed_mps"] = prefer_exact(col("enhanced_speed"), col("speed"), tol=0.0015, n=n)
    out["altitude_m"] = prefer_exact(col("enhanced_altitude"), col("altitude"), tol=0.21, n=n)
    cad = col("cadence")
    frac = col("fractional_cadence")
    if cad is None:
        out["cadence_spm"] = nan.copy()
    else:
        # FIT running cadence is strides/min of ONE foot: steps/min = 2 x (cadence + fraction)
        out["cadence_spm"] = 2.0 * (cad + np.nan_to_num(frac if frac is not None else 0.0))
    return out


def prefer_exact(enhanced: np.ndarray | None, legacy: np.ndarray | None, *, tol: float, n: int) -> np.ndarray:
    """``enhanced_*`` unless it merely re-expands the legacy field (then the exact legacy value).

    Decoders expand legacy ``speed``/``altitude`` into ``enhanced_*`` with rounding (decoders.md:
    fitfast is 0.001 m/s off on ~1 % of samples); where both agree within one resolution step the
    legacy value is the exact one, elsewhere (a native enhanced value) enhanced wins. When only
    one is given it is returned itself, not a copy (callers pass fresh arrays).
    """
    if enhanced is None and legacy is None:
        return np.full(n, np.nan)
    if enhanced is None:
        return legacy
    if legacy is None:
        return enhanced
    use_legacy = np.isfinite(legacy) & ~(np.abs(enhanced - legacy) > tol)
    return np.where(use_legacy, legacy, enhanced)


def developer_channels(dec: Decoded, order: np.ndarray) -> tuple[dict[str, np.ndarray], list[DevField]]:
    """Developer fields as raw channels, keyed as :func:`developer_keys` says."""
    keys = developer_keys(dec)
    fields: list[DevField] = []
    values: dict[str, np.ndarray] = {}
    for index, number in sorted(dec.dev_values):
        desc = dec.dev_descriptions.get((index, number), {})
        key = keys[index, number]
        name, units = (desc.get("field_name") or "").strip(), (desc.get("units") or "").strip()
        fields.append(DevField(key, dec.dev_apps.get(index), index, number, name, units))
        values[key] = dec.dev_values[index, number][order]
    return values, fields


def developer_keys(dec: Decoded) -> dict[tuple[int, int], str]:
    """(developer data index, field number) -> a unique key (the rule is in :class:`Run`'s docstring).

    Keys depend on the field descriptions only, not on which fields hold values, so both decoder
    paths give every field the same key.
    """
    keys: dict[tuple[int, int], str] = {}
    taken: set[str] = set()
    for index, number in sorted(set(dec.dev_descriptions) | set(dec.dev_values)):
        app = dec.dev_apps.get(index) or f"dev{index}"
        name = (dec.dev_descriptions.get((index, number), {}).get("field_name") or "").strip()
        key = f"{app}:{name}" if name else f"{app}:#{number}"
        if key in taken:
            key = f"{app}:{name}#{number}"
        if key in taken:  # the same app under two developer indices: add the index too
            key = f"{app}:{name}#{index}.{number}"
        keys[index, number] = key
        taken.add(key)
    return keys


def normalise_summary(msg: dict[str, Any]) -> dict[str, Any]:
    """A session/lap/sport message → canonical keys (enum names, steps/min, our metric keys)."""
    out: dict[str, Any] = {
        "sport": enum_name("sport", msg.get("sport")),
        "sub_sport": enum_name("sub_sport", msg.get("sub_sport")),
    }
    for key in ("start_time", "timestamp", "total_timer_time", "total_elapsed_time", "total_distance"):
        out[key] = as_number(msg.get(key))
    speed = as_number(msg.get("enhanced_avg_speed"))
    out["avg_speed_mps"] = speed if speed is not None else as_number(msg.get("avg_speed"))
    out["intensity"] = as_number(msg.get("intensity"))  # the enum number, a float on both decoder paths
    for key, fit_name in SUMMARY_FIELDS.items():
        out[key] = as_number(msg.get(fit_name))
    cad = as_number(msg.get("avg_running_cadence", msg.get("avg_cadence")))
    frac = as_number(msg.get("avg_fractional_cadence")) or 0.0
    out["cadence_spm"] = None if cad is None else 2.0 * (cad + frac)
    return out


def sum_key(items: list[dict], key: str) -> float | None:
    vals = [s[key] for s in items if s.get(key) is not None]
    return float(sum(vals)) if vals else None

