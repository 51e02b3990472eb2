"""A :class:`RunResult` ↔ the ``runs`` table: the columns history rules, listings and trends read.

The run being judged live and a stored run re-judged after a backfill are both summarised by
:func:`summary_from_result` from the very result the store saves, so they go through identical
numbers.
"""

from __future__ import annotations

from typing import Any

from fitglute.model.history import RunSummary
from fitglute.model.result import RunResult
from fitglute.model.times import iso_utc, parse_iso
from fitglute.rules.confidence import quality


def sensor_key(result: RunResult) -> str:
    """Which sensor produced the dynamics: ``"chest: garmin hrm_pro_plus"``, ``"pod: …"``, ``"none"``.

    Baselines are kept per key, so replacing a strap or switching to a pod starts a new baseline.
    """
    source = result.dynamics_source or "none"
    if source == "none":
        return "none"
    kinds = {"chest": ("chest", "heart_rate")}.get(source, (source,))
    for label in result.sensors:
        name, _, kind = str(label).rpartition(" (")
        if kind.rstrip(")") in kinds and name:
            return f"{source}: {name}"
    if source == "watch":
        return f"watch: {result.device or 'unknown'}"
    return source


def balance_quality(result: RunResult) -> float:
    """The engine's data-quality factor for the balance channel, from the published result."""
    stats = (result.channels or {}).get("gct_balance_left_pct")
    coverages = [] if stats is None else [stats.coverage or 0.0]
    q = quality(result.clean_running_s or 0.0, coverages, result.dynamics_source or "none", result.flags)
    return round(float(q), 4)


def _drift(result: RunResult, key: str) -> tuple[Any, Any, Any]:
    d = (result.drift or {}).get(key)
    return (None, None, None) if d is None else (d.change, d.low, d.high)


def columns_of(result: RunResult) -> dict[str, Any]:
    """The ``runs`` table columns of an analysed run (everything but paths, ids and JSON)."""
    m = result.metrics or {}
    ci = result.balance_ci or [None, None]
    gct, gct_lo, gct_hi = _drift(result, "gct_ms")
    bal, bal_lo, bal_hi = _drift(result, "gct_balance_left_pct")
    return {
        "sha256": result.sha256,
        "start_time": iso_utc(parse_iso(result.start_time)) if result.start_time else iso_utc(0),
        "sport": result.sport,
        "sub_sport": result.sub_sport,
        "device": result.device,
        "dynamics_source": result.dynamics_source,
        "sensor": sensor_key(result),
        "distance_m": result.distance_m,
        "duration_s": result.duration_s,
        "clean_running_s": result.clean_running_s,
        "gct_ms": m.get("gct_ms"),
        "balance_left_pct": m.get("gct_balance_left_pct"),
        "balance_low": ci[0],
        "balance_high": ci[1],
        "vo_mm": m.get("vertical_oscillation_mm"),
        "vr_pct": m.get("vertical_ratio_pct"),
        "step_mm": m.get("step_length_mm"),
        "cadence_spm": m.get("cadence_spm"),
        "speed_mps": result.speed_mps,
        "drift_gct_pct": gct,
        "drift_gct_low": gct_lo,
        "drift_gct_high": gct_hi,
        "drift_balance_pts": bal,
        "drift_balance_low": bal_lo,
        "drift_balance_high": bal_hi,
        "flags": ",".join(result.flags),
        "quality": balance_quality(result),
    }


#: runs-table columns a RunSummary is built from, in this order (see :func:`summary_from_row`)
SUMMARY_COLUMNS = (
    "sha256",
    "start_time",
    "distance_m",
    "duration_s",
    "sensor",
    "flags",
    "clean_running_s",
    "balance_left_pct",
    "balance_low",
    "balance_high",
    "drift_gct_pct",
    "drift_gct_low",
    "drift_gct_high",
    "drift_balance_pts",
    "drift_balance_low",
    "drift_balance_high",
    "quality",
    "speed_mps",
    "gct_ms",
)


def summary_from_row(row: tuple[Any, ...] | dict[str, Any]) -> RunSummary:
    """A ``runs`` row (SUMMARY_COLUMNS order, or a dict of columns) → RunSummary."""
    v = dict(zip(SUMMARY_COLUMNS, row, strict=True)) if not isinstance(row, dict) else row
    flags = v.get("flags") or ""
    return RunSummary(
        sha256=v["sha256"],
        start=parse_iso(v["start_time"]),
        distance_m=v.get("distance_m"),
        duration_s=v.get("duration_s"),
        sensor=v.get("sensor") or "none",
        flags=frozenset(f for f in flags.split(",") if f),
        clean_running_s=v.get("clean_running_s"),
        balance=v.get("balance_left_pct"),
        balance_low=v.get("balance_low"),
        balance_high=v.get("balance_high"),
        drift_gct=v.get("drift_gct_pct"),
        drift_gct_low=v.get("drift_gct_low"),
        drift_gct_high=v.get("drift_gct_high"),
        drift_bal=v.get("drift_balance_pts"),
        drift_bal_low=v.get("drift_balance_low"),
        drift_bal_high=v.get("drift_balance_high"),
        quality=v.get("quality"),
        speed_mps=v.get("speed_mps"),
        gct_ms=v.get("gct_ms"),
    )


def summary_from_result(result: RunResult) -> RunSummary:
    """The run being judged, from its result dict — the same path its stored row took."""
    return summary_from_row(columns_of(result))


