"""Trends over weeks, as data (``fitglute trends --json``): what the trend plot and report draw.

Per-run metrics are listed run by run; distance as weekly totals. The runner's baseline band
comes from their own comparable runs on the latest run's sensor (a chest strap and a pod read
different levels, so mixing them would draw a band that fits neither); injuries and load spikes
are listed for marking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fitglute.model.channels import CORE_CHANNELS
from fitglute.model.history import NOT_COMPARABLE, baseline_of
from fitglute.model.times import DAY_S, iso_utc, parse_iso
from fitglute.rules.zones import BALANCE_GREEN_PTS


@dataclass(frozen=True)
class TrendMetric:
    column: str  # runs-table column
    label: str
    unit: str
    digits: int
    band_floor: float = 0.0  # smallest half-width of the baseline band


def _of_channel(column: str, channel: str, band_floor: float = 0.0) -> TrendMetric:
    spec = CORE_CHANNELS[channel]
    return TrendMetric(column, spec.label, spec.unit, spec.digits, band_floor)


METRICS: dict[str, TrendMetric] = {
    "gct_balance": _of_channel("balance_left_pct", "gct_balance_left_pct", BALANCE_GREEN_PTS),
    "gct": _of_channel("gct_ms", "gct_ms"),
    "vertical_ratio": _of_channel("vr_pct", "vertical_ratio_pct"),
    "cadence": _of_channel("cadence_spm", "cadence_spm"),
    "distance": TrendMetric("distance_m", "Weekly distance", "km", 1),
}


def trend_data(store: Any, metric: str, weeks: int) -> dict[str, Any]:
    """Everything the trend plot shows, for the ``weeks`` up to the latest stored run."""
    spec = METRICS[metric]
    out: dict[str, Any] = {
        "metric": metric,
        "label": spec.label,
        "unit": spec.unit,
        "weeks": weeks,
        "from": None,
        "to": None,
        "aggregation": "week" if metric == "distance" else "run",
        "points": [],
        "baseline": None,
        "injuries": [],
        "load_spikes": [],
    }
    latest = store.latest_start()
    if latest is None:
        return out
    end = parse_iso(latest)
    # the window ends at the latest run and never starts before the first one (no empty weeks)
    start = max(end - weeks * 7 * DAY_S, parse_iso(store.earliest_start() or latest))
    out["from"], out["to"] = iso_utc(start), latest
    rows = store.runs_between(iso_utc(start), latest)
    spikes = store.finding_runs("load-spike", iso_utc(start), latest)
    out["load_spikes"] = [
        {"date": s["start_time"], "sha256": s["sha256"], "spike_pct": s["values"].get("spike_pct")} for s in spikes
    ]
    first_day = datetime.fromtimestamp(start, tz=UTC).date()
    out["injuries"] = [i.to_json() for i in store.injuries() if first_day <= i.date <= date.fromisoformat(latest[:10])]
    spiked = {s["sha256"] for s in spikes}
    if metric == "distance":
        out["points"], values = weekly_points(rows, spiked, first_day, date.fromisoformat(latest[:10]))
        base = baseline_of(values, "weeks")
    else:
        out["points"] = run_points(rows, spec.column, spiked)
        base = run_baseline(out["points"])
    if base is not None:
        low, high = base.band(2.0, spec.band_floor)
        out["baseline"] = {
            "sensor": base.sensor,
            "median": round(base.median, 3),
            "low": round(low, 3),
            "high": round(high, 3),
            "runs" if metric != "distance" else "weeks": base.runs,
        }
    return out


def run_points(rows: list[dict[str, Any]], column: str, spiked: set[str]) -> list[dict[str, Any]]:
    points = []
    for r in rows:
        if r[column] is None:
            continue
        flags = {f for f in (r["flags"] or "").split(",") if f}
        points.append(
            {
                "date": r["start_time"],
                "value": r[column],
                "sensor": r["sensor"],
                "comparable": not (flags & NOT_COMPARABLE),
                "load_spike": r["sha256"] in spiked,
                "sha256": r["sha256"],
            }
        )
    return points


def run_baseline(points: list[dict[str, Any]]) -> Any:
    """Median and spread of the comparable runs on the latest run's sensor."""
    if not points:
        return None
    sensor = points[-1]["sensor"]
    values = [p["value"] for p in points if p["sensor"] == sensor and p["comparable"]]
    return baseline_of(values, sensor)


def weekly_points(
    rows: list[dict[str, Any]], spiked: set[str], first: date, last: date
) -> tuple[list[dict[str, Any]], list[float]]:
    """Weekly (Monday-based) distance totals, empty weeks included, and the list of totals."""
    monday = first - timedelta(days=first.weekday())
    weeks: dict[date, dict[str, Any]] = {}
    while monday <= last:
        weeks[monday] = {"week": monday.strftime("%G-W%V"), "start": monday.isoformat(), "value": 0.0, "runs": 0}
        weeks[monday]["load_spike"] = False
        monday += timedelta(days=7)
    for r in rows:
        day = date.fromisoformat(r["start_time"][:10])
        bucket = weeks.get(day - timedelta(days=day.weekday()))
        if bucket is None:
            continue
        bucket["value"] += (r["distance_m"] or 0.0) / 1000.0
        bucket["runs"] += 1
        bucket["load_spike"] |= r["sha256"] in spiked
    points = list(weeks.values())
    for p in points:
        p["value"] = round(p["value"], 2)
    return points, [p["value"] for p in points]
