"""FIT / .fit.gz → :class:`Run`: the only place that knows about FIT decoding.

Units are fixed here, once (see README "Units"): nothing downstream re-scales FIT values.

Decoding goes through :mod:`fitglute.decoders`, a small adapter over two libraries:
``fitfast`` (native, ~100x faster) is the fast path and ``python-fitparse`` the reference and
fallback, used when fitfast raises (e.g. a legal header CRC of 0x0000 it rejects, truncated files
it cannot salvage) or when a file needs what fitfast does not expand (``compressed_speed_distance``
on old devices) or separate (developer fields that share a name). Both produce the same
:class:`~fitglute.decoders.Decoded` shape, and everything below works on that shape, so the two
paths can be compared column by column in tests.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from fitglute.decoders import Decoded, DecodeFailure, decode, enum_name, product_name

FIT_SIGNATURE = b".FIT"
RUNNING_SPORTS = {"running"}
INDOOR_SUB_SPORTS = {"treadmill", "indoor_running", "virtual_activity"}

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
DYNAMICS_KEYS = (
    "gct_ms",
    "gct_balance_left_pct",
    "vertical_oscillation_mm",
    "vertical_ratio_pct",
    "step_length_mm",
    "cadence_spm",
)


class FitError(Exception):
    """A file that cannot be analysed. ``kind`` is a stable code, ``reason`` one readable line."""

    def __init__(self, path: str | None, kind: str, reason: str) -> None:
        self.path = path
        self.kind = kind
        self.reason = reason
        super().__init__(f"{path or '<bytes>'}: {reason}")


class NotRunning(FitError):
    """A valid FIT file that holds no running activity (skipped, not failed)."""


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

    @property
    def indoor(self) -> bool:
        return (self.sub_sport or "") in INDOOR_SUB_SPORTS

    def has(self, channel: str) -> bool:
        arr = self.channels.get(channel)
        return arr is not None and bool(np.isfinite(arr).any())

    def session_summary(self) -> dict[str, float | None] | None:
        """The device's own dynamics averages (timer-weighted over running sessions)."""
        return combine_summaries(self.sessions)


# --------------------------------------------------------------------------- input bytes


def read_bytes(source: str | Path | bytes, name: str | None = None) -> tuple[bytes, str | None]:
    """Raw FIT bytes from a path or bytes, gunzipping by magic number (not by file name)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), name
    else:
        label = name or str(source)
        try:
            data = Path(source).read_bytes()
        except IsADirectoryError:
            raise FitError(label, "io", "is a directory, not a FIT file") from None
        except OSError as exc:
            raise FitError(label, "io", f"cannot read file ({exc.strerror or exc})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise FitError(label, "gzip", f"gzip data is corrupt or truncated ({exc})") from None
    if not data:
        raise FitError(label, "empty", "empty file")
    if len(data) < 12 or data[0] not in (12, 14) or data[8:12] != FIT_SIGNATURE:
        raise FitError(label, "not-fit", "not a FIT file (no '.FIT' signature in the header)")
    return data, label


def read(source: str | Path | bytes, *, name: str | None = None, prefer: str = "fitfast") -> Run:
    """Decode one FIT file into a :class:`Run` of its running sessions.

    Raises :class:`FitError` (or :class:`NotRunning`) with a one-line reason; a truncated file
    is salvaged with a warning when anything usable decodes.
    """
    data, label = read_bytes(source, name)
    try:
        dec = decode(data, prefer=prefer)
    except DecodeFailure as exc:
        raise FitError(label, exc.kind, exc.reason) from None
    return build_run(dec, data, label)


# --------------------------------------------------------------------------- Decoded -> Run


def build_run(dec: Decoded, data: bytes, label: str | None) -> Run:
    sessions = [normalise_summary(s) for s in dec.sessions]
    laps = [normalise_summary(s) for s in dec.laps]
    rec = dec.records
    t = rec.get("timestamp")
    sport, sub_sport = detect_sport(dec, sessions, laps)
    if sport not in RUNNING_SPORTS:
        raise NotRunning(label, "not-running", f"not a running activity (sport: {sport or 'unknown'})")
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
    if run.dynamics_source == "footpod":
        keep_footpod_apart(run)
    return run


FOOTPOD_CHANNELS = {"gct_ms": "stryd_gct_ms", "vertical_oscillation_mm": "stryd_vo_mm"}


def keep_footpod_apart(run: Run) -> None:
    """A Stryd-recorded file writes the pod's own ground time and oscillation into the native
    fields. Pod and chest-strap values differ in level (fit-running-fields.md §4: "don't mix the
    two sources"), so they become ``stryd_*`` channels and the Garmin dynamics stay empty."""
    for native, own in FOOTPOD_CHANNELS.items():
        run.channels[own] = run.channels[native]
        run.channels[native] = np.full(run.t.size, np.nan)
    run.dynamics_source = "none"


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
        out[key] = _num(msg.get(key))
    speed = _num(msg.get("enhanced_avg_speed"))
    out["avg_speed_mps"] = speed if speed is not None else _num(msg.get("avg_speed"))
    out["intensity"] = _num(msg.get("intensity"))  # the enum number, a float on both decoder paths
    for key, fit_name in SUMMARY_FIELDS.items():
        out[key] = _num(msg.get(fit_name))
    cad = _num(msg.get("avg_running_cadence", msg.get("avg_cadence")))
    frac = _num(msg.get("avg_fractional_cadence")) or 0.0
    out["cadence_spm"] = None if cad is None else 2.0 * (cad + frac)
    return out


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, str):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def sum_key(items: list[dict], key: str) -> float | None:
    vals = [s[key] for s in items if s.get(key) is not None]
    return float(sum(vals)) if vals else None


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


# --------------------------------------------------------------------------- devices

# antplus device types (fit-running-fields.md §3)
_ANT_KIND = {120: "heart_rate", 124: "footpod", 11: "power", 31: "muscle_oxygen"}
_BLE_KIND = {1: "heart_rate", 6: "footpod", 2: "power"}
_CHEST_PRODUCTS = {"hrm_run", "hrm_tri", "hrm_swim", "hrm4_run", "hrm_pro", "hrm_pro_plus", "hrm_fit", "hrm_600"}
_POD_PRODUCTS = {"running_dynamics_pod"}


def find_sensors(devices: list[dict[str, Any]]) -> list[Sensor]:
    """Paired sensors seen in ``device_info`` (not the watch itself), one entry per device."""
    seen: dict[tuple, Sensor] = {}
    for d in devices:
        source = enum_name("source_type", d.get("source_type"))
        if source in (None, "local") or d.get("device_index") in (0, "creator"):
            continue
        dtype = _num(d.get("device_type"))
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
    return "watch"  # wrist-based dynamics, or an accessory the file does not name
