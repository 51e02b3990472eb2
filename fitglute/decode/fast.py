"""The fast path: fitfast (native, ~100x faster than python-fitparse)."""

from __future__ import annotations

import re
from typing import Any

from fitglute.decode.decoded import SUMMARY_MESSAGES, Decoded, app_hex, text_of
from fitglute.decode.native import quiet_call
from fitglute.decode.profile import record_field_names
from fitglute.decode.summary_copy import extract
from fitglute.model.errors import PASS_THROUGH, TimeLimit

_UNNAMED_DEV = re.compile(r"^dev_(\d+)_(\d+)$")


def decode_fitfast(data: bytes) -> Decoded | None:
    """The fast path, or None when the file needs the reference decoder.

    fitfast raises on legal files with a 0x0000 header CRC, cannot salvage truncated files, does
    not expand ``compressed_speed_distance`` (old devices), and merges developer fields that share
    a name into one column: all go to fitparse. So do damaged files on which fitfast panics
    (``pyo3_runtime.PanicException``, a ``BaseException``: "remainder with a divisor of zero").

    fitfast decodes the whole file on every call, so the file is decoded once for its ``record``
    columns, and the few summary messages are copied into a small FIT file
    (:mod:`fitglute.decode.summary_copy`, framing only) that one ``parse()`` decodes; when that copy is
    refused, ``parse()`` decodes the original file (same result, ~3x the time of ``records()``).
    """
    import fitfast

    try:
        rec = quiet_call(fitfast.records, data, "record")
        if rec.get("timestamp") is not None and not ({"distance", "speed", "enhanced_speed"} & rec.keys()):
            return None  # probably compressed_speed_distance: let fitparse expand it
        msgs = _summary_messages(fitfast, data)
    except fitfast.FitDecodeError:
        return None
    except (*PASS_THROUGH, TimeLimit):
        raise
    except BaseException:  # noqa: BLE001 - a panic in the native decoder on damaged bytes: fitparse decides
        return None
    dec = Decoded(records=rec, decoder="fitfast")
    for name, target in zip(SUMMARY_MESSAGES, dec.summary_lists(), strict=True):
        target.extend(msgs.get(name, []))
    for m in msgs.get("developer_data_id", []):
        if m.get("developer_data_index") is not None:
            dec.dev_apps[int(m["developer_data_index"])] = app_hex(m.get("application_id"))
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
            return quiet_call(fitfast.parse, small, enum_names=False)
        except fitfast.FitDecodeError:
            pass  # never seen; the original file decides
    return quiet_call(fitfast.parse, data, enum_names=False)


def _keys_by_name(descriptions: dict[tuple[int, int], dict[str, Any]]) -> dict[str, set[tuple[int, int]]]:
    """Developer field name -> the (developer index, field number) pairs that use it."""
    out: dict[str, set[tuple[int, int]]] = {}
    for key, desc in descriptions.items():
        if text_of(desc.get("field_name")):
            out.setdefault(text_of(desc["field_name"]), set()).add(key)
    return out
