"""The decoder adapter: fitfast (fast path) and python-fitparse (reference + fallback).

Nothing else in fitglute imports a FIT library. Both paths return the same :class:`Decoded`
shape — record columns as float64 with NaN for "no value", enums as numbers, timestamps as Unix
seconds, positions in degrees, developer values keyed by (developer_data_index, field number) —
so :mod:`fitglute.fit` can build a ``Run`` without knowing which decoder ran, and tests can
compare the two paths column by column.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np

from fitglute.fitframe import extract

FIT_EPOCH_UNIX = 631065600
SEMICIRCLE_TO_DEG = 180.0 / 2**31
SUMMARY_MESSAGES = ("session", "lap", "device_info", "file_id", "sport")
_UNNAMED_DEV = re.compile(r"^dev_(\d+)_(\d+)$")


class DecodeFailure(Exception):
    """Nothing usable could be decoded; ``kind`` is a stable code, ``reason`` one line."""

    def __init__(self, kind: str, reason: str) -> None:
        self.kind, self.reason = kind, reason
        super().__init__(reason)


@dataclass
class Decoded:
    records: dict[str, np.ndarray]
    sessions: list[dict[str, Any]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    file_ids: list[dict[str, Any]] = field(default_factory=list)
    sports: list[dict[str, Any]] = field(default_factory=list)
    dev_values: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    dev_descriptions: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    dev_apps: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    decoder: str = ""


def decode(data: bytes, prefer: str = "fitfast") -> Decoded:
    """Decode FIT bytes; fitfast first unless ``prefer="fitparse"``, fitparse when fitfast can't."""
    if prefer == "fitfast":
        dec = decode_fitfast(data)
        if dec is not None:
            return dec
    return decode_fitparse(data)


# --------------------------------------------------------------------------- fitfast


def decode_fitfast(data: bytes) -> Decoded | None:
    """The fast path, or None when the file needs the reference decoder.

    fitfast raises on legal files with a 0x0000 header CRC, cannot salvage truncated files, does
    not expand ``compressed_speed_distance`` (old devices), and merges developer fields that share
    a name into one column: all go to fitparse.

    fitfast decodes the whole file on every call, so the file is decoded once for its ``record``
    columns, and the few summary messages are copied into a small FIT file
    (:mod:`fitglute.fitframe`, framing only) that one ``parse()`` decodes; when that copy is
    refused, ``parse()`` decodes the original file (same result, ~3x the time of ``records()``).
    """
    import fitfast

    try:
        rec = fitfast.records(data, "record")
        if rec.get("timestamp") is not None and not ({"distance", "speed", "enhanced_speed"} & rec.keys()):
            return None  # probably compressed_speed_distance: let fitparse expand it
        msgs = _summary_messages(fitfast, data)
    except fitfast.FitDecodeError:
        return None
    dec = Decoded(records=rec, decoder="fitfast")
    for name, target in zip(SUMMARY_MESSAGES, _summary_targets(dec), strict=True):
        target.extend(msgs.get(name, []))
    for m in msgs.get("developer_data_id", []):
        if m.get("developer_data_index") is not None:
            dec.dev_apps[int(m["developer_data_index"])] = _app_hex(m.get("application_id"))
    for m in msgs.get("field_description", []):
        key = (int(m.get("developer_data_index", 0)), int(m.get("field_definition_number", 0)))
        dec.dev_descriptions[key] = {"field_name": m.get("field_name"), "units": m.get("units")}
    by_name = _keys_by_name(dec.dev_descriptions)
    if any(len(keys) > 1 for keys in by_name.values()) or not by_name.keys().isdisjoint(record_field_names()):
        return None  # fitfast keys developer columns by name alone: same-named fields are merged
    for name in [k for k in rec if k not in record_field_names() and not k.startswith("unknown_")]:
        match = _UNNAMED_DEV.match(name)
        if match:
            dec.dev_values[int(match[1]), int(match[2])] = rec.pop(name)
        elif name in by_name:
            (key,) = by_name[name]
            dec.dev_values[key] = rec.pop(name)
    return dec


def _summary_messages(fitfast: Any, data: bytes) -> dict[str, list[dict[str | int, Any]]]:
    """Every message but ``record`` that fitglute reads, decoded by fitfast from a small copy."""
    small = extract(data)
    if small is not None:
        try:
            return fitfast.parse(small, enum_names=False)
        except fitfast.FitDecodeError:
            pass  # never seen; the original file decides
    return fitfast.parse(data, enum_names=False)


def _keys_by_name(descriptions: dict[tuple[int, int], dict[str, Any]]) -> dict[str, set[tuple[int, int]]]:
    """Developer field name -> the (developer index, field number) pairs that use it."""
    out: dict[str, set[tuple[int, int]]] = {}
    for key, desc in descriptions.items():
        if desc.get("field_name"):
            out.setdefault(str(desc["field_name"]), set()).add(key)
    return out


def _summary_targets(dec: Decoded) -> tuple[list, ...]:
    return dec.sessions, dec.laps, dec.devices, dec.file_ids, dec.sports


# --------------------------------------------------------------------------- fitparse


def decode_fitparse(data: bytes) -> Decoded:
    """The reference path: python-fitparse, message by message, salvaging damaged files."""
    with warnings.catch_warnings(record=True) as caught:
        # fitparse warns on quirks we report ourselves; the warnings are read, never shown
        warnings.simplefilter("always")
        return _decode_fitparse(data, caught)


# python-fitparse's warning when the file ends inside a data message: it then yields that message
# with only the fields read before the end, which must not count as a sample
_CUT_SHORT = "terminated unexpectedly"


def _decode_fitparse(data: bytes, caught: list[warnings.WarningMessage]) -> Decoded:
    import fitparse
    from fitparse.utils import FitCRCError, FitParseError

    try:
        ff = fitparse.UncachedFitFile(io.BytesIO(data), check_developer_data=False)
    except FitParseError as exc:
        raise DecodeFailure("not-fit", f"not a readable FIT file ({exc})") from None
    rows: list[dict[Any, float]] = []
    dec = Decoded(records={}, decoder="fitparse")
    targets = dict(zip(SUMMARY_MESSAGES, _summary_targets(dec), strict=True))
    cut_short = False
    try:
        for msg in ff.get_messages():
            if caught:
                partial = any(_CUT_SHORT in str(w.message) for w in caught)
                caught.clear()
                if partial:
                    cut_short = True
                    continue  # read only in part: dropped (fitparse fails on the next message)
            name = msg.name
            if name == "record":
                rows.append(_fitparse_values(msg, numeric_only=True))
            elif name in targets:
                targets[name].append(_fitparse_values(msg))
            elif name == "developer_data_id":
                v = msg.get_values()
                if v.get("developer_data_index") is not None:
                    dec.dev_apps[int(v["developer_data_index"])] = _app_hex(v.get("application_id"))
            elif name == "field_description":
                v = msg.get_values()
                key = (int(v.get("developer_data_index") or 0), int(v.get("field_definition_number") or 0))
                dec.dev_descriptions[key] = {"field_name": v.get("field_name"), "units": v.get("units")}
    except FitCRCError:
        raise DecodeFailure("crc", "file CRC check failed: the file is corrupt") from None
    except Exception as exc:  # noqa: BLE001 - any decode fault past the header = damaged file
        _salvaged(dec, rows, _position(ff, len(data)), f"{type(exc).__name__}", exc)
    else:
        if cut_short:  # not seen: fitparse raises after a message cut short; kept for safety
            _salvaged(dec, rows, _position(ff, len(data)), "ends inside a message", None)
    dec.records = _rows_to_columns(rows, dec)
    return dec


def _salvaged(dec: Decoded, rows: list[dict[Any, float]], where: str, what: str, exc: Exception | None) -> None:
    """Keep what decoded before the damage, with a warning; nothing at all is a DecodeFailure."""
    if not rows and not dec.sessions:
        raise DecodeFailure("truncated", f"file is damaged at {where} and nothing decoded ({exc or what})") from None
    last = _last_time(rows)
    dec.warnings.append(
        f"file is damaged or cut short at {where} ({what}); "
        f"analysed the {len(rows)} samples before it" + (f", up to {last}" if last else "")
    )


def _fitparse_values(msg: Any, numeric_only: bool = False) -> dict[Any, Any]:
    """One fitparse message → {field name | (dev index, number): value} in the shared shape."""
    out: dict[Any, Any] = {}
    for f in msg.fields:
        value = f.value
        if value is None:
            continue
        fdef = f.field
        if fdef is not None and hasattr(fdef, "dev_data_index"):
            if isinstance(value, (int, float)):
                out[(int(fdef.dev_data_index), int(fdef.def_num))] = float(value)
            continue
        name = f.parent_field.name if f.parent_field is not None else f.name
        if isinstance(value, datetime):
            out[name] = value.replace(tzinfo=UTC).timestamp()
        elif name == "timestamp" and isinstance(value, int):
            out[name] = float(value + FIT_EPOCH_UNIX)
        elif isinstance(value, str):
            if isinstance(f.raw_value, (int, float)):
                out[name] = float(f.raw_value)  # enum: keep the number, like fitfast
            elif not numeric_only:
                out[name] = value
        elif isinstance(value, bool):
            out[name] = float(value)
        elif isinstance(value, (int, float)):
            if name in ("position_lat", "position_long"):
                value = value * SEMICIRCLE_TO_DEG
            out[name] = float(value)
    return out


def _rows_to_columns(rows: list[dict[Any, float]], dec: Decoded) -> dict[str, np.ndarray]:
    keys: dict[Any, None] = {}
    for r in rows:
        keys.update(dict.fromkeys(r))
    cols: dict[str, np.ndarray] = {}
    for k in keys:
        arr = np.array([r.get(k, np.nan) for r in rows], dtype=np.float64)
        if isinstance(k, tuple):
            dec.dev_values[k] = arr
        else:
            cols[k] = arr
    return cols


def _position(ff: Any, size: int) -> str:
    try:
        return f"byte {ff._file.tell()} of {size}"
    except Exception:  # noqa: BLE001 - best effort for the message only
        return f"an unknown byte of {size}"


def _last_time(rows: list[dict[Any, float]]) -> str | None:
    for r in reversed(rows):
        ts = r.get("timestamp")
        if ts is not None:
            return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return None


def _app_hex(app: Any) -> str | None:
    if app is None:
        return None
    try:
        return bytes(int(x) & 0xFF for x in app).hex()
    except TypeError:
        return None


# --------------------------------------------------------------------------- profile names


@cache
def _field_types() -> dict[str, Any]:
    from fitparse import profile

    return profile.FIELD_TYPES


@cache
def record_field_names() -> frozenset[str]:
    """Every native ``record`` field name (incl. sub-fields): anything else is a developer field."""
    from fitparse import profile

    names = {"timestamp"}
    for f in profile.MESSAGE_TYPES[20].fields.values():
        names.add(f.name)
        names.update(sf.name for sf in (f.subfields or ()))
    return frozenset(names)


def enum_name(type_name: str, value: Any) -> str | None:
    """FIT enum number → profile name (``1`` → ``"running"``); names pass through."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        if not math.isfinite(value):  # math, not numpy: ~20x faster on a scalar
            return None
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    values = _field_types()[type_name].values
    return str(values.get(number, number))


def product_name(manufacturer: Any, product: Any) -> str | None:
    """Product number → Garmin product name where known, else the number as text."""
    if product is None:
        return None
    if isinstance(product, str):
        return product
    if enum_name("manufacturer", manufacturer) in ("garmin", "dynastream", "dynastream_oem"):
        return enum_name("garmin_product", product)
    try:
        return str(int(product)) if math.isfinite(product) else None
    except (TypeError, ValueError, OverflowError):
        return None
