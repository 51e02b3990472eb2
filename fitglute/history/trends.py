"""Trends over weeks, as data (``fitglute trends --json``): what the trend plot and report draw.

Per-run metrics are listed run by run; distance as weekly totals. The runner's baseline band
comes from their own comparable runs on the latest run's sensor (a chest strap and a pod read
different levels, so mixing them would draw a band that fits neither); injuries, capacity tests
and load spikes are listed for marking.

The runner's own evidence has trends too: ``lsi-<test>`` (the limb symmetry index of each
capacity test, with the 90 % flag line) and ``pain-<site>-<side>`` (the symptom log's 0–10
scores, with the next-morning flag line). Their window ends at the latest run or entry,
whichever is later, so a test logged after the last run still shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fitglute.model.capacity import LSI_FLAG_PCT, PROTOCOLS
from fitglute.model.channels import CORE_CHANNELS
from fitglute.model.history import INJURY_SIDES, MIN_BASELINE, NOT_COMPARABLE, SITES, baseline_of
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
#: the own-evidence metrics: a capacity test's LSI, a site and side's symptom scores
LSI_METRICS = {f"lsi-{kind}": kind for kind, p in PROTOCOLS.items() if not p.pain}
PAIN_METRICS = {f"pain-{site}-{side}": (site, side) for site in SITES for side in INJURY_SIDES}
#: where the symptom trend draws its flag line (symptom-trend's next-morning default)
MORNING_FLAG = 3.0



def known_metric(metric: str) -> bool:
    return metric in METRICS or metric in LSI_METRICS or metric in PAIN_METRICS


def metric_names() -> str:
    """The --metric choices in words (the pain ones as a pattern: there are 27 of them)."""
    return ", ".join([*METRICS, *LSI_METRICS, "pain-<site>-<side>"])


def trend_data(store: Any, metric: str, weeks: int) -> dict[str, Any]:
    """Everything the trend plot shows, for the ``weeks`` up to the latest stored run (or entry)."""
    if metric in LSI_METRICS or metric in PAIN_METRICS:
        return entry_trend(store, metric, weeks)
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
        "tests": [],
        "load_spikes": [],
    }
    # the window ends at the latest run that has the metric (a run without it, or one future-
    # dated run without it, must not empty the plot) and never starts before the first one
    earliest, latest = store.span_with(spec.column)
    if latest is None:
        return out
    end = parse_iso(latest)
    start = max(end - weeks * 7 * DAY_S, parse_iso(earliest or latest))
    if earliest is not None and parse_iso(earliest) < start:
        out["earlier_from"] = earliest  # runs with the metric exist before the window
    out["from"], out["to"] = iso_utc(start), latest
    rows = store.runs_between(iso_utc(start), latest)
    spikes = store.finding_runs("load-spike", iso_utc(start), latest)
    out["load_spikes"] = [
        {"date": s["start_time"], "sha256": s["sha256"], "spike_pct": s["values"].get("spike_pct")} for s in spikes
    ]
    first_day = datetime.fromtimestamp(start, tz=UTC).date()
    last_day = date.fromisoformat(latest[:10])
    out["injuries"] = [i.to_json() for i in store.injuries() if first_day <= i.date <= last_day]
    out["tests"] = [_test_mark(t) for t in store.tests() if first_day <= t.date <= last_day]
    spiked = {s["sha256"] for s in spikes}
    if metric == "distance":
        out["points"], _ = weekly_points(rows, spiked, first_day, date.fromisoformat(latest[:10]))
        # the usual week is a week with running: idle weeks (injury, holidays) would pull it to 0
        base = baseline_of([p["value"] for p in out["points"] if p["runs"]], "weeks")
    else:
        out["points"] = run_points(rows, spec.column, spiked)
        base = run_baseline(out["points"])
    if base is not None and base.runs < MIN_BASELINE:
        noun = "weeks with running" if metric == "distance" else "comparable runs"
        out["baseline_note"] = f"no baseline band yet: needs {MIN_BASELINE} {noun} (have {base.runs})"
        base = None
    if base is not None:
        low, high = base.band(2.0, spec.band_floor)
        if metric == "distance":
            low = max(0.0, low)  # a week cannot be shorter than none
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


# --------------------------------------------------------------------------- tests and symptoms


def _test_mark(test: Any) -> dict[str, Any]:
    """A capacity test as a marker on a run trend."""
    return {
        "date": test.date.isoformat(),
        "kind": test.kind,
        "lsi_pct": test.lsi_pct,
        "weaker_side": test.weaker_side,
        "flagged": test.flagged(),
    }


def entry_trend(store: Any, metric: str, weeks: int) -> dict[str, Any]:
    """A capacity test's LSI or a site's symptom scores over the weeks, with injuries marked."""
    if metric in LSI_METRICS:
        kind = LSI_METRICS[metric]
        entries = [t for t in store.tests() if t.kind == kind]
        label, unit, flag = f"Limb symmetry index, {kind}", "% weaker ÷ stronger", LSI_FLAG_PCT
    else:
        site, side = PAIN_METRICS[metric]
        # an entry for both sides is an entry for each side too
        entries = [s for s in store.symptoms() if s.site == site and s.side in (side, "both")]
        label, unit, flag = f"Symptoms, {side} {site}", "0–10", MORNING_FLAG
    out: dict[str, Any] = {
        "metric": metric,
        "label": label,
        "unit": unit,
        "weeks": weeks,
        "from": None,
        "to": None,
        "aggregation": "test" if metric in LSI_METRICS else "entry",
        "points": [],
        "baseline": None,
        "flag_line": flag,
        "injuries": [],
        "tests": [],
        "load_spikes": [],
    }
    days = [e.date for e in entries]
    latest = store.latest_start()
    if latest is not None:
        days.append(date.fromisoformat(latest[:10]))
    if not entries:
        return out
    last = max(days)
    first = max(last - timedelta(weeks=weeks), min(e.date for e in entries))
    out["from"], out["to"] = f"{first.isoformat()}T00:00:00Z", f"{last.isoformat()}T00:00:00Z"
    chosen = [e for e in entries if first <= e.date <= last]
    out["points"] = [_lsi_point(e) if metric in LSI_METRICS else _pain_point(e) for e in chosen]
    out["points"] = [p for p in out["points"] if p["value"] is not None]
    out["injuries"] = [i.to_json() for i in store.injuries() if first <= i.date <= last]
    return out


def _lsi_point(test: Any) -> dict[str, Any]:
    return {
        "date": f"{test.date.isoformat()}T00:00:00Z",
        "value": test.lsi_pct,
        "left": test.left,
        "right": test.right,
        "weaker_side": test.weaker_side,
        "flagged": test.flagged(),
        "id": test.id,
    }


def _pain_point(entry: Any) -> dict[str, Any]:
    return {
        "date": f"{entry.date.isoformat()}T00:00:00Z",
        "value": entry.worst,
        "during": entry.during,
        "after": entry.after,
        "morning": entry.morning,
        "side": entry.side,
        "run_sha256": entry.run_sha,
        "id": entry.id,
    }
