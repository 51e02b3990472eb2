"""The reference path: python-fitparse, message by message, salvaging damaged files."""

from __future__ import annotations

import io
import warnings
from datetime import UTC, datetime
from typing import Any

import numpy as np

from fitglute.decode.decoded import FIT_EPOCH_UNIX, SEMICIRCLE_TO_DEG, SUMMARY_MESSAGES, Decoded, DecodeFailure, app_hex


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
    targets = dict(zip(SUMMARY_MESSAGES, dec.summary_lists(), strict=True))
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
                    dec.dev_apps[int(v["developer_data_index"])] = app_hex(v.get("application_id"))
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
