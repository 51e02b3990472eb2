"""The injury review in words, then numbers: drawn only from :func:`fitglute.history.review.review`.

Plain words first (what changed in the 6 weeks, against the runner's own baseline), the numbers
after, and always the caveat: what changed before an injury is not proof of what caused it.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from fitglute.model.capacity import CapacityTest
from fitglute.model.safety import RED_FLAGS
from fitglute.report.evidence import symmetry

CAVEAT = (
    "What changed before an injury is not proof of what caused it: one injury, many things that vary. "
    "Use it to decide what to watch next time, with a physiotherapist if it keeps happening."
)
SIDE_WORDS = {"left": "Left", "right": "Right", "both": "Both-sided"}


def _load(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.1f} km" if unit == "distance_m" else f"{value / 60:.0f} min"


def spike_words(data: dict[str, Any]) -> str:
    spike = data["spike"]
    if spike is None:
        return "Longest-run jump: no run in the 6 weeks had a run in the 30 days before it to compare with."
    unit = spike["unit"]
    pct = spike["spike_pct"]
    if pct <= 0:
        return "Longest-run jump: none — no run in the 6 weeks was longer than your longest of the 30 days before it."
    head = (
        f"Longest-run jump: on {spike['date']} a {_load(spike['this_run'], unit)} run was {pct:.0f} % "
        "longer than your longest of the 30 days before it "
        f"({_load(spike['previous_longest'], unit)} on {spike['previous_longest_date']})."
    )
    if spike["band"]:
        head += (
            f" In Frandsen et al. 2025 a run {spike['band']} than the 30-day longest went with about "
            f"{spike['per_1000']:.0f} injuries in 1,000 runs instead of 3 (hazard ratio {spike['hazard_ratio']:g})."
        )
    else:
        head += " That is within the +10 % that Frandsen et al. 2025 found safe to add."
    if data["baseline_spike_pct"] is not None:
        head += f" Your largest jump in the 12 weeks before: {data['baseline_spike_pct']:.0f} %."
    if not spike["full_30_days"]:
        head += " (Your history starts less than 30 days before that run: a longer run may be missing.)"
    return head


def weekly_words(data: dict[str, Any]) -> str:
    weeks = [w for w in data["weekly_km"] if w["recorded"]]
    if not weeks:
        return "Weekly distance: no runs recorded in the 6 weeks."
    top = max(weeks, key=lambda w: w["km"])
    last = data["weekly_km"][-1]
    base = data["weekly_km_baseline"]
    text = f"Weekly distance: {last['km']:.0f} km in the last week before the injury, {top['km']:.0f} km at most"
    if base:
        change = (top["km"] / base - 1.0) * 100.0
        text += f", against your usual {base:.0f} km a week in the 12 weeks before ({change:+.0f} % at the peak)."
    else:
        text += "; no earlier weeks to compare with."
    return text


def dynamics_words(data: dict[str, Any]) -> list[str]:
    dyn = data["dynamics"]
    if dyn.get("sensor") is None:
        return [f"Running dynamics: {dyn.get('reason', 'none recorded')}."]
    lines = []
    for key, label, unit, nd in (
        ("gct_ms", "ground contact time", "ms", 0),
        ("balance_left_pct", "balance", "% left", 1),
    ):
        d = dyn.get(key) or {}
        if "baseline" not in d:
            lines.append(f"Easy-run {label}: {d.get('reason', 'not recorded')}.")
            continue
        verdict = "more than your usual run-to-run variation" if d["outside"] else "within your usual variation"
        lines.append(
            f"Easy-run {label}: {d['window']:.{nd}f} {unit} against your usual {d['baseline']:.{nd}f} "
            f"({d['change']:+.{nd}f}, {verdict} of ±{d['band']:.{nd}f}; {d['runs']} vs {d['baseline_runs']} runs "
            f"on {dyn['sensor']})."
        )
    return lines


def tests_words(data: dict[str, Any]) -> str:
    if not data["tests"]:
        return "Capacity tests: none logged in the 6 weeks."
    tests = [CapacityTest.from_json(t) for t in data["tests"]]
    return "Capacity tests: " + "; ".join(f"{t.kind} on {t.date.isoformat()} ({symmetry(t)})" for t in tests) + "."


def symptoms_words(data: dict[str, Any]) -> str:
    if not data["symptoms"]:
        return "Symptoms: none logged in the 6 weeks."
    by_place: dict[str, list[dict[str, Any]]] = {}
    for s in data["symptoms"]:
        by_place.setdefault(f"{s['side']} {s['site']}", []).append(s)
    parts = []
    for place, entries in by_place.items():
        worst = [max(v for v in (e["during"], e["after"], e["morning"]) if v is not None) for e in entries]
        trail = " → ".join(f"{w:g}" for w in worst[-5:])
        count = "1 entry" if len(entries) == 1 else f"{len(entries)} entries"
        parts.append(f"{place}: {count}, worst score per entry {trail}")
    return "Symptoms: " + "; ".join(parts) + "."


def review_words(data: dict[str, Any]) -> list[str]:
    """The plain-words part: one line per question."""
    return [spike_words(data), weekly_words(data), *dynamics_words(data), tests_words(data), symptoms_words(data)]


def numbers_table(data: dict[str, Any]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, title_justify="left")
    table.add_column("week from")
    table.add_column("km", justify="right")
    table.add_column("runs", justify="right")
    for w in data["weekly_km"]:
        table.add_row(w["from"], f"{w['km']:.1f}" if w["recorded"] else "–", str(w["runs"]))
    base = data["weekly_km_baseline"]
    table.add_row(Text("usual week (12 weeks before)", style="dim"), f"{base:.1f}" if base else "–", "")
    return table


def render_review(data: dict[str, Any]) -> Group:
    inj = data["injury"]
    note = f" ({inj['note']})" if inj["note"] else ""
    head = Text(
        f"#{inj['id']} {SIDE_WORDS.get(inj['side'], inj['side'])} {inj['site']}, {inj['date']}{note}", style="bold"
    )
    win, base = data["window"], data["baseline"]
    starts = base["history_from"]
    late = f"; your history starts on {starts}" if starts and starts > base["from"] else ""
    intro = Text(
        f"The 6 weeks before it ({win['from']} to {win['to']}, {win['runs']} runs) against the 12 weeks before "
        f"that ({base['from']} to {base['to']}, {base['runs']} runs{late}):"
    )
    items: list[Any] = [head, intro]
    items += [Text(f"• {line}") for line in review_words(data)]
    items += [Text(""), numbers_table(data), Text(""), Text(CAVEAT, style="dim"), Text(RED_FLAGS, style="dim")]
    return Group(*items)
