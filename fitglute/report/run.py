"""The rich terminal report of analysed runs: one run in full, or a table for many.

Rendering reads only the :class:`~fitglute.model.result.RunResult`, so what the terminal shows and
what ``--json`` writes can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fitglute.model.axes import axes_text, clarity_word, evidence_word
from fitglute.model.channels import CORE_CHANNELS, DYNAMICS_KEYS
from fitglute.model.result import RunResult
from fitglute.model.safety import RED_FLAGS
from fitglute.report.format import fmt_duration, fmt_pace, fmt_start, fmt_value, format_values
from fitglute.rules import zones

Hint = Callable[[str, str], str]
ZONE_STYLE = {"purple": "magenta", "blue": "bright_blue", "green": "green", "orange": "dark_orange", "red": "red"}
GRADE_STYLE = {"A": "bold white on dark_green", "B": "bold white on blue", "C": "bold black on yellow"}
METRICS = tuple((k, CORE_CHANNELS[k].label, CORE_CHANNELS[k].unit, CORE_CHANNELS[k].digits) for k in DYNAMICS_KEYS)
LABEL = {k: label for k, label, _, _ in METRICS}


def header(result: RunResult) -> Text:
    t = Text()
    t.append(fmt_start(result.start_time), style="bold")
    sub = result.sub_sport
    if sub and sub not in ("generic", "street"):
        t.append(f" · {sub}")
    km = (result.distance_m or 0) / 1000
    t.append(f"\n{km:.2f} km · {fmt_duration(result.duration_s)} · ")
    t.append(fmt_pace(result.distance_m, result.duration_s))
    t.append(f"\n{result.device or 'unknown device'}", style="dim")
    if result.sensors:
        t.append(" + " + ", ".join(result.sensors), style="dim")
    return t


def metrics_table(result: RunResult) -> Table:
    source = "pod" if result.dynamics_source == "pod" else "chest"
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("metric")
    table.add_column("clean running", justify="right")
    table.add_column("device", justify="right", style="dim")
    table.add_column("zone")
    metrics, session = result.metrics or {}, result.session or {}
    for key, label, unit, nd in METRICS:
        value = metrics.get(key)
        z = zones.zone(key, value, source)
        shown = Text(f"{fmt_value(value, nd)} {unit}" if value is not None else "–", style=ZONE_STYLE.get(z or "", ""))
        dev = session.get(key)
        table.add_row(
            label,
            shown,
            f"{fmt_value(dev, nd)}" if dev is not None else "–",
            Text(z or "", ZONE_STYLE.get(z or "", "")),
        )
    return table


def sensor_table(result: RunResult) -> Table | None:
    """Channels that sensor plugins added (Stryd power, RunScribe per-foot values, …)."""
    core = {k for k, *_ in METRICS}
    extra = {k: v for k, v in (result.channels or {}).items() if k not in core}
    if not extra:
        return None
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("sensor channel")
    table.add_column("mean", justify="right")
    table.add_column("median", justify="right", style="dim")
    table.add_column("p10–p90", justify="right", style="dim")
    table.add_column("coverage", justify="right", style="dim")
    for key, st in extra.items():
        table.add_row(
            key,
            f"{st.mean:.1f}",
            f"{st.median:.1f}",
            f"{st.p10:.1f}–{st.p90:.1f}",
            f"{st.coverage:.0%}",
        )
    return table


def balance_gauge(result: RunResult, width: int = 41, span: float = 4.0) -> Text | None:
    """A left/right gauge from 46 to 54 % left, green band 49.3–50.7, the interval as a bar."""
    bal = result.metric("gct_balance_left_pct")
    if bal is None:
        return None
    ci = result.balance_ci

    def pos(v: float) -> int:
        return max(0, min(width - 1, round((v - (50 - span)) / (2 * span) * (width - 1))))

    cells = ["·"] * width
    styles = ["dim"] * width
    for i in range(pos(50 - zones.BALANCE_GREEN_PTS), pos(50 + zones.BALANCE_GREEN_PTS) + 1):
        styles[i] = "green"
    if ci and None not in ci:
        for i in range(pos(ci[0]), pos(ci[1]) + 1):
            cells[i], styles[i] = "━", "bold"
    cells[pos(50)] = "┼" if cells[pos(50)] == "·" else cells[pos(50)]
    cells[pos(bal)], styles[pos(bal)] = "●", "bold yellow"
    t = Text("right longer ", style="dim")
    for c, s in zip(cells, styles, strict=True):
        t.append(c, style=s)
    t.append(" left longer", style="dim")
    ci_text = f" (95 % interval {ci[0]:.1f}–{ci[1]:.1f})" if ci and None not in ci else ""
    t.append(f"\nbalance {bal:.1f} % left{ci_text}")
    return t


def drift_table(result: RunResult) -> Table | None:
    drift = result.drift or {}
    if not drift:
        return None
    table = Table(box=None, pad_edge=False, show_edge=False, title_justify="left")
    table.add_column("early → late")
    # indoors the watch's speed is itself an estimate (wrist or foot pod): nothing to match against
    indoor = bool({"treadmill", "indoor"} & set(result.flags))
    table.add_column("speed not matched (indoor)" if indoor else "at matched speed", justify="right")
    table.add_column("95 % interval", justify="right", style="dim")
    table.add_column("raw", justify="right", style="dim")
    for key, d in drift.items():
        unit = " pts" if d.unit == "pts" else " %"
        table.add_row(
            LABEL.get(key, key),
            f"{d.change:+.1f}{unit}" if d.change is not None else "–",
            f"{d.low:+.1f} … {d.high:+.1f}" if d.low is not None else "–",
            f"{d.unadjusted:+.1f}{unit}" if d.unadjusted is not None else "–",
        )
    return table


def quality_line(result: RunResult) -> Text:
    clean, total = result.clean_running_s, result.duration_s
    share = f" ({clean / total:.0%})" if clean and total else ""
    parts = [f"clean running {fmt_duration(clean)} of {fmt_duration(total)}{share}"]
    chans = result.channels or {}
    if "gct_ms" in chans:
        parts.append(f"dynamics coverage {chans['gct_ms'].coverage:.0%}")
    parts.append(f"dynamics from {result.dynamics_source}")
    if result.speed_change_pct is not None:
        parts.append(f"speed early→late {result.speed_change_pct:+.1f} %")
    flags = [f for f in result.flags if f != "no-dynamics"]
    if flags:
        parts.append("flags: " + ", ".join(flags))
    return Text("Data quality: " + " · ".join(parts), style="dim")


def axes_line(clarity: float, grade: str, width: int = 10) -> Text:
    """The two axes of a finding: how clear the signal is in this run (a bar) and how strong the
    evidence is that it matters (the grade in words) — never one product word."""
    filled = round(clarity * width)
    t = Text("signal ", style="dim")
    t.append("█" * filled, style="yellow")
    t.append("░" * (width - filled), style="dim")
    t.append(f" {clarity_word(clarity)} · evidence {evidence_word(grade)} ({grade})")
    return t


def findings_section(result: RunResult, hint: Hint | None = None) -> Group:
    items: list[Any] = [Text("Findings", style="bold underline")]
    findings = [f.to_json() for f in result.findings]
    if not findings:
        items.append(Text("No findings for this run: nothing cleared its threshold.", style="green"))
    for f in findings:
        head = Text()
        head.append(f" {f['evidence']} ", style=GRADE_STYLE.get(f["evidence"], "bold"))
        head.append(f" {f['title']}", style="bold")
        if f["side"] in ("left", "right", "both"):
            head.append(f"  [{f['side']}]", style="cyan")
        head.append("  ")
        head.append_text(axes_line(f["clarity"], f["evidence"]))
        body = Text(f["message"] + "\n")
        body.append("Next step: ", style="bold green")
        body.append(f.get("action", ""))
        if f.get("values"):
            body.append("\nMeasured: " + format_values(f["values"]), style="dim")
        body.append(f"\nEvidence {f['evidence']}: {f.get('evidence_source', '')}", style="dim")
        items.extend([head, body, Text("")])
    if findings:
        items.extend([Text(RED_FLAGS, style="bold"), Text("")])
    reasons = {k: hint(r, result.hints[k]) if hint and k in result.hints else r for k, r in result.not_assessed.items()}
    items.extend(not_assessed_lines(reasons))
    return Group(*items)


def not_assessed_lines(not_assessed: dict[str, str]) -> list[Text]:
    """One dim line per reason; rules whose sensor is simply not in the file share one line."""
    by_reason: dict[str, list[str]] = {}
    for rule, reason in not_assessed.items():
        key = "their sensor data is not in this file" if reason.endswith("in this file") else reason
        by_reason.setdefault(key, []).append(rule)
    return [Text(f"not assessed · {', '.join(rules)}: {reason}", style="dim") for reason, rules in by_reason.items()]


def render_run(result: RunResult, console: Console, hint: Hint | None = None) -> None:
    """The full single-run report; ``hint(reason, code)`` words the runner's next steps."""
    parts: list[Any] = [header(result), Text("")]
    if result.metric("gct_ms") is None and result.dynamics_source == "none":
        parts.append(Text("No Garmin running dynamics in this file (no GCT / vertical oscillation).", style="yellow"))
    else:
        parts.append(metrics_table(result))
    sensors = sensor_table(result)
    if sensors is not None:
        parts += [Text(""), sensors]
    gauge = balance_gauge(result)
    if gauge is not None:
        parts += [Text(""), gauge]
    drift = drift_table(result)
    if drift is not None:
        parts += [Text(""), Text("Early → late (last vs first third of clean running)", style="bold"), drift]
    parts += [Text(""), quality_line(result)]
    for w in result.warnings:
        parts.append(Text(f"warning: {w}", style="yellow"))
    parts += [Text(""), findings_section(result, hint)]
    title = result.file or "run"
    console.print(Panel(Group(*parts), title=f"fitglute · {title}", title_align="left"))
    console.print(Text("Hypotheses from running dynamics, not a diagnosis.", style="dim italic"))


def render_table(results: list[RunResult], console: Console) -> None:
    """One compact row per file, then a one-line summary."""
    table = Table(title="fitglute · runs", title_justify="left")
    for col, just in (
        ("file", "left"),
        ("date", "left"),
        ("km", "right"),
        ("time", "right"),
        ("GCT", "right"),
        ("bal L %", "right"),
        ("VO", "right"),
        ("cad", "right"),
        ("top finding", "left"),
    ):
        table.add_column(col, justify=just, overflow="fold")
    for r in results:
        name = str(r.file or "").rsplit("/", 1)[-1]
        if not r.ok:
            style = "red" if r.status == "error" else "dim"
            table.add_row(name, Text(r.status, style=style), "", "", "", "", "", "", Text(r.error or "", style=style))
            continue
        m = r.metrics or {}
        top = r.findings[0] if r.findings else None
        top_text = f"{top.title} ({top.side}; {axes_text(top.signal_clarity, top.evidence)})" if top else "–"
        table.add_row(
            name,
            fmt_start(r.start_time),
            f"{(r.distance_m or 0) / 1000:.1f}",
            fmt_duration(r.duration_s),
            fmt_value(m.get("gct_ms"), 0),
            fmt_value(m.get("gct_balance_left_pct"), 1),
            fmt_value(m.get("vertical_oscillation_mm"), 0),
            fmt_value(m.get("cadence_spm"), 0),
            top_text,
        )
    console.print(table)
    console.print(summary_line(results))
    if any(r.findings for r in results):  # the red-flag line wherever findings are shown
        console.print(Text(RED_FLAGS, style="dim"))


def summary_line(results: list[RunResult]) -> str:
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "error")}
    return (
        f"{len(results)} files: {counts['ok']} analysed, {counts['skipped']} skipped "
        f"(not running), {counts['error']} failed"
    )
