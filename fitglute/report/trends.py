"""The trend plot in the terminal (plotext), drawn only from :func:`fitglute.history.trends.trend_data`.

What the terminal shows and what ``--json`` writes cannot disagree: this module only decides
what goes where. Injuries are vertical lines, load spikes crosses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fitglute.model.times import DAY_S, parse_iso

SIDE_SHORT = {"left": "L", "right": "R", "both": "L+R"}


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
