"""Trends over weeks: the data (``fitglute trends --json``) and its terminal plot (plotext).

The plot is drawn only from the data dict, so what the terminal shows and what ``--json`` writes
cannot disagree. Per-run metrics are plotted run by run; distance as weekly totals. The runner's
baseline band comes from their own comparable runs on the latest run's sensor (a chest strap and
a pod read different levels, so mixing them would draw a band that fits neither); injuries are
vertical lines, load spikes crosses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fitglute.history import DAY_S, NOT_COMPARABLE, baseline_of, iso_utc, parse_iso


@dataclass(frozen=True)
class TrendMetric:
    column: str  # runs-table column
    label: str
    unit: str
    digits: int
    band_floor: float = 0.0  # smallest half-width of the baseline band


METRICS: dict[str, TrendMetric] = {
    "gct_balance": TrendMetric("balance_left_pct", "GCT balance", "% left", 1, 0.7),
    "gct": TrendMetric("gct_ms", "Ground contact time", "ms", 0),
    "vertical_ratio": TrendMetric("vr_pct", "Vertical ratio", "%", 1),
    "cadence": TrendMetric("cadence_spm", "Cadence", "spm", 0),
    "distance": TrendMetric("distance_m", "Weekly distance", "km", 1),
}
SIDE_SHORT = {"left": "L", "right": "R", "both": "L+R"}


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


# --------------------------------------------------------------------------- the terminal plot


def _x(iso: str, origin: float) -> float:
    return (parse_iso(iso) - origin) / DAY_S


def render_trend(data: dict[str, Any], *, width: int = 100, height: int = 24, color: bool = True) -> str:
    """The trend as terminal text: plotext draws; this only decides what goes where."""
    import plotext as plt

    fig = plt.figure
    fig.clear()
    plt.terminal.limit(False, False)  # the caller sizes the plot (tests and pipes have no terminal)
    fig.plot_size(width, height)
    origin = parse_iso(data["from"])
    span = max(_x(data["to"], origin), 1.0)
    points = data["points"]
    if data["aggregation"] == "week":
        xs = [_x(p["start"] + "T00:00:00Z", origin) + 3.5 for p in points]
        fig.draw(fig.bar(xs, [p["value"] for p in points], width=0.8))
        marked = [(x, p["value"]) for x, p in zip(xs, points, strict=True) if p["load_spike"]]
    else:
        main = data["baseline"]["sensor"] if data["baseline"] else None
        mine = [p for p in points if p["sensor"] == main] if main else points
        other = [p for p in points if main and p["sensor"] != main]
        fig.draw(fig.signal([_x(p["date"], origin) for p in mine], [p["value"] for p in mine], marker="dot").lines())
        if other:
            fig.draw(fig.signal([_x(p["date"], origin) for p in other], [p["value"] for p in other], marker="+"))
        marked = [(_x(p["date"], origin), p["value"]) for p in points if p["load_spike"]]
    if marked:
        fig.draw(fig.signal([m[0] for m in marked], [m[1] for m in marked], marker="x"))
    if data["baseline"]:
        b = data["baseline"]
        fig.line(b["median"], orientation="h")
        fig.line(b["low"], orientation="h", style="dotted")
        fig.line(b["high"], orientation="h", style="dotted")
    top = max([p["value"] for p in points] + ([data["baseline"]["high"]] if data["baseline"] else []), default=1.0)
    for inj in data["injuries"]:
        x = _x(inj["date"] + "T00:00:00Z", origin)
        fig.line(x, orientation="v", style="double")
        fig.draw(fig.text(x, top, f"{SIDE_SHORT.get(inj['side'], '')} {inj['site']}"))
    fig.ruler("x").lim(0, span)
    ticks = [span * i / 4 for i in range(5)]
    fig.ruler("x").ticks(ticks, [_day_label(origin + t * DAY_S) for t in ticks])
    fig.title(f"{data['label']} ({data['unit']}) · {data['from'][:10]} to {data['to'][:10]}")
    fig.legend(False)
    return fig.build().string(colorless=not color)


def _day_label(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


def legend_line(data: dict[str, Any]) -> str:
    """The key under the plot (plotext's in-canvas legend would cover the data)."""
    parts = []
    if data["aggregation"] == "week":
        parts.append("█ weekly km")
    else:
        main = data["baseline"]["sensor"] if data["baseline"] else "runs"
        parts.append(f"• runs ({main})")
        if any(data["baseline"] and p["sensor"] != main for p in data["points"]):
            parts.append("+ other sensors (own baselines)")
    if data["load_spikes"]:
        parts.append("x load spike")
    if data["injuries"]:
        parts.append("║ injury")
    if data["baseline"]:
        b = data["baseline"]
        n = f"{b['weeks']} weeks" if "weeks" in b else f"{b['runs']} runs"
        parts.append(f"─ baseline {b['median']:.1f}, ┈ band {b['low']:.1f}–{b['high']:.1f} ({n})")
    return "   ".join(parts)
