"""The trend plot in the terminal (plotext), drawn only from :func:`fitglute.history.trends.trend_data`.

What the terminal shows and what ``--json`` writes cannot disagree: this module only decides
what goes where. Injuries are double vertical lines, capacity tests dotted ones, load spikes
crosses; an LSI trend draws its 90 % flag line, a symptom trend its three scales (d during,
a after, m next morning) and the next-morning flag line.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from fitglute.model.history import MIN_BASELINE
from fitglute.model.times import DAY_S, parse_iso
from fitglute.report.format import plural

SIDE_SHORT = {"left": "L", "right": "R", "both": "L+R"}
PAIN_MARKERS = (("during", "d"), ("after", "a"), ("morning", "m"))


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
    elif data["aggregation"] == "test":
        xs = [_x(p["date"], origin) for p in points]
        fig.draw(fig.signal(xs, [p["value"] for p in points], marker="dot").lines())
        marked = []
    elif data["aggregation"] == "entry":
        for scale, mark in PAIN_MARKERS:
            got = [p for p in points if p[scale] is not None]
            if got:
                fig.draw(fig.signal([_x(p["date"], origin) for p in got], [p[scale] for p in got], marker=mark))
        marked = []
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
    flag = data.get("flag_line")
    if flag is not None:
        fig.line(flag, orientation="h", style="dotted")
    extra = [data["baseline"]["high"]] if data["baseline"] else []
    values = [p["value"] for p in points] + extra + ([flag] if flag is not None else [])
    top, bottom = max(values, default=1.0), min(values, default=0.0)
    for inj in data["injuries"]:
        x = _x(inj["date"] + "T00:00:00Z", origin)
        fig.line(x, orientation="v", style="double")
        fig.draw(fig.text(x, top, f"{SIDE_SHORT.get(inj['side'], '')} {inj['site']}"))
    same_day: dict[str, list[str]] = {}
    for test in data.get("tests", []):
        same_day.setdefault(test["date"], []).append(test_label(test))
    for day, labels in same_day.items():
        x = _x(day + "T00:00:00Z", origin)
        fig.line(x, orientation="v", style="dotted")
        fig.draw(fig.text(x, bottom, " ".join(labels)))
    fig.ruler("x").lim(0, span)
    ticks = [span * i / 4 for i in range(5)]
    fig.ruler("x").ticks(ticks, [_day_label(origin + t * DAY_S) for t in ticks])
    fig.title(f"{data['label']} ({data['unit']}) · {data['from'][:10]} to {data['to'][:10]}")
    fig.legend(False)
    return fig.build().string(colorless=not color)


def test_label(test: dict[str, Any]) -> str:
    """``heel-raise 72%R``: the test, its LSI and the weaker side (pain tests: the side only)."""
    side = SIDE_SHORT.get(test.get("weaker_side") or "", "")
    lsi = f" {test['lsi_pct']:.0f}%" if test.get("lsi_pct") is not None else " "
    return f"{test['kind']}{lsi}{side}"


def _day_label(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


def legend_line(data: dict[str, Any]) -> str:
    """The key under the plot (plotext's in-canvas legend would cover the data)."""
    parts = []
    if data["aggregation"] == "week":
        parts.append("█ weekly km")
    elif data["aggregation"] == "test":
        parts.append(f"• tests (weaker ÷ stronger)   ┈ {data['flag_line']:g} % flag")
    elif data["aggregation"] == "entry":
        parts.append(f"d during · a after · m next morning (0–10)   ┈ {data['flag_line']:g} = next-morning flag")
    else:
        main = data["baseline"]["sensor"] if data["baseline"] else data["points"][-1]["sensor"]
        parts.append(f"• runs ({main})")
        if any(p["sensor"] != main for p in data["points"]):
            parts.append("+ other sensors (own baselines)" if data["baseline"] else "+ other sensors")
    if data["load_spikes"]:
        parts.append("x load spike")
    if data["injuries"]:
        parts.append("║ injury")
    if data.get("tests"):
        parts.append("┊ capacity test (LSI, weaker side)")
    if data["baseline"]:
        b = data["baseline"]
        n = plural(b["weeks"], "week") if "weeks" in b else plural(b["runs"], "run")
        parts.append(f"─ baseline {b['median']:.1f}, ┈ band {b['low']:.1f}–{b['high']:.1f} ({n})")
    elif data.get("baseline_note"):
        parts.append(data["baseline_note"])
    runs = [p for p in data["points"] if data["aggregation"] != "week" or p.get("runs")]
    if data.get("earlier_from") and len(runs) < MIN_BASELINE:
        older = data["earlier_from"][:10]
        back = max(1, math.ceil((parse_iso(data["to"]) - parse_iso(data["earlier_from"])) / (7 * DAY_S)))
        parts.append(f"your runs go back to {older}: try --weeks {min(back, 520)}")
    return "   ".join(parts)
