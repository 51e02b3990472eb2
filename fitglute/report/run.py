"""The rich terminal report of analysed runs: one run on one screen, or a table for many.

Rendering reads only the :class:`~fitglute.model.result.RunResult`, so what the terminal shows and
what ``--json`` writes can never disagree. The default one-run report fits a 50-row terminal
(headline, metrics with zones, the balance gauge, one line of drift, the top findings with their
next step, the red-flag line); ``detail=True`` adds each finding's reasoning, its numbers in words
and its sources, the drift table, plugin channels and every rule that could not judge.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fitglute.model.axes import axes_text, clarity_word, evidence_word
from fitglute.model.channels import CORE_CHANNELS, DYNAMICS_KEYS
from fitglute.model.channels import label as channel_label
from fitglute.model.result import RunResult
from fitglute.model.safety import RED_FLAGS
from fitglute.report.format import (
    compact_start,
    fmt_duration,
    fmt_pace,
    fmt_start,
    fmt_value,
    format_values,
    plural,
    short_name,
)
from fitglute.rules import zones
from fitglute.rules.confidence import shown

Hint = Callable[[str, str], str]
ZONE_STYLE = {"purple": "magenta", "blue": "bright_blue", "green": "green", "orange": "dark_orange", "red": "red"}
GRADE_STYLE = {"A": "bold white on dark_green", "B": "bold white on blue", "C": "bold black on yellow"}
METRICS = tuple((k, CORE_CHANNELS[k].label, CORE_CHANNELS[k].unit, CORE_CHANNELS[k].digits) for k in DYNAMICS_KEYS)
LABEL = {k: label for k, label, _, _ in METRICS}
#: channels that are speed itself: their drift "at matched speed" would be speed adjusted for speed
SPEED_KEYS = frozenset({"speed_mps", "pace_min_per_km", "pace_s_per_km"})
#: findings the one-screen report lists (``detail`` lists all)
TOP_FINDINGS = 3


def header(result: RunResult) -> Text:
    """Two lines: when, how far, how long, what pace; then the watch and its sensors."""
    t = Text()
    t.append(fmt_start(result.start_time), style="bold")
    sub = result.sub_sport
    if sub and sub not in ("generic", "street"):
        t.append(f" · {sub}")
    km = (result.distance_m or 0) / 1000
    t.append(f" · {km:.2f} km · {fmt_duration(result.duration_s)} · ")
    t.append(fmt_pace(result.distance_m, result.duration_s))
    t.append(f"\n{result.device or 'unknown device'}", style="dim")
    if result.sensors:
        t.append(" + " + ", ".join(result.sensors), style="dim")
    return t


def metrics_table(result: RunResult, detail: bool = False) -> Table:
    """The six dynamics metrics with their Garmin zone; ``detail`` adds the device's own average."""
    source = "pod" if result.dynamics_source == "pod" else "chest"
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("metric", no_wrap=True)
    table.add_column("clean running", justify="right", no_wrap=True)
    table.add_column("device", justify="right", style="dim", no_wrap=True)
    table.add_column("zone", no_wrap=True)
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
    if not detail:
        table.columns.pop(2)
    return table


def sensor_table(result: RunResult) -> Table | None:
    """Channels that sensor plugins added (Stryd power, RunScribe per-foot values, …)."""
    core = {k for k, *_ in METRICS}
    extra = {k: v for k, v in (result.channels or {}).items() if k not in core}
    if not extra:
        return None
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("sensor channel", no_wrap=True)
    table.add_column("mean", justify="right")
    table.add_column("median", justify="right", style="dim")
    table.add_column("p10–p90", justify="right", style="dim")
    table.add_column("coverage", justify="right", style="dim")
    for key, st in extra.items():
        table.add_row(
            channel_label(key),
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


def drift_table(result: RunResult, wide: bool = True) -> Table | None:
    """Every channel's early → late change; ``wide`` adds the change before speed matching."""
    drift = result.drift or {}
    if not drift:
        return None
    table = Table(box=None, pad_edge=False, show_edge=False, title_justify="left")
    table.add_column("early → late", no_wrap=True)
    # indoors the watch's speed is itself an estimate (wrist or foot pod): nothing to match against
    indoor = bool({"treadmill", "indoor"} & set(result.flags))
    table.add_column("change, speed not matched (indoor)" if indoor else "change", justify="right", no_wrap=True)
    table.add_column("95 % interval", justify="right", style="dim", no_wrap=True)
    if wide:
        table.add_column("before speed matching", justify="right", style="dim", no_wrap=True)
    for key, d in drift.items():
        if key in SPEED_KEYS:
            continue  # speed "at matched speed" is ~0 by construction; the speed change has its own line
        unit = " pts" if d.unit == "pts" else " %"
        cells = [
            channel_label(key),
            f"{d.change:+.1f}{unit}" if d.change is not None else "–",
            f"{d.low:+.1f} … {d.high:+.1f}" if d.low is not None else "–",
        ]
        if wide:
            cells.append(f"{d.unadjusted:+.1f}{unit}" if d.unadjusted is not None else "–")
        table.add_row(*cells)
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
    else:
        parts.append("no speed: drift not speed-matched")
    flags = [f for f in result.flags if f != "no-dynamics"]
    if flags:
        parts.append("flags: " + ", ".join(flags))
    return Text("Data quality: " + " · ".join(parts), style="dim")


def drift_line(result: RunResult, most: int = 3) -> Text | None:
    """The drift in one line: the largest changes whose 95 % interval excludes no change."""
    drift = {k: d for k, d in (result.drift or {}).items() if k not in SPEED_KEYS and d.change is not None}
    if not drift:
        return None
    clear = [(k, d) for k, d in drift.items() if d.low is not None and (d.low > 0 or d.high < 0)]
    clear.sort(key=lambda kd: -abs(kd[1].change))
    t = Text("Early → late: ", style="bold")
    if not clear:
        t.append("no clear change between the first and last third of clean running")
        return t
    parts = []
    for key, d in clear[:most]:
        unit = " pts" if d.unit == "pts" else " %"
        noun = CORE_CHANNELS[key].noun if key in CORE_CHANNELS else channel_label(key)
        parts.append(f"{noun} {d.change:+.1f}{unit}")
    t.append(", ".join(parts))
    matched = any(d.speed_adjusted for _, d in clear[:most])
    # indoors the watch's speed is itself an estimate: the drift table's wording, in one line
    indoor = bool({"treadmill", "indoor"} & set(result.flags))
    how = "speed not matched (indoor)" if indoor else "at matched speed" if matched else ""
    t.append(f" (last vs first third{', ' + how if how else ''})", style="dim")
    return t


def axes_line(clarity: float, grade: str, width: int = 10) -> Text:
    """The two axes of a finding: how clear the signal is in this run (a bar) and how strong the
    evidence is that it matters (the grade in words) — never one product word."""
    filled = round(clarity * width)
    t = Text("signal ", style="dim")
    t.append("█" * filled, style="yellow")
    t.append("░" * (width - filled), style="dim")
    t.append(f" {clarity_word(clarity)} · evidence {evidence_word(grade)} ({grade})")
    return t


def finding_head(f: dict[str, Any], bar: bool = True) -> Text:
    """Grade badge, title, side, how clear the signal is and how strong the evidence — one line."""
    head = Text()
    head.append(f" {f['evidence']} ", style=GRADE_STYLE.get(f["evidence"], "bold"))
    head.append(f" {f['title']}", style="bold")
    if f["side"] in ("left", "right", "both"):
        head.append(f"  [{f['side']}]", style="cyan")
    head.append("  ")
    clarity = f["clarity"] if f.get("clarity") is not None else f["confidence"]
    if bar:
        head.append_text(axes_line(clarity, f["evidence"]))
    else:
        head.append(axes_text(clarity, f["evidence"]), style="dim")
    return head


def findings_section(result: RunResult, hint: Hint | None = None, detail: bool = True) -> Group:
    """The findings worth showing; ``detail`` gives each one's reasoning, numbers and sources."""
    items: list[Any] = [Text("Findings", style="bold underline")]
    findings = [f.to_json() for f in shown(result.findings)]
    faint = len(result.findings) - len(findings)
    if not findings:
        items.append(Text("No findings for this run: nothing cleared its threshold.", style="green"))
    listed = findings if detail else findings[:TOP_FINDINGS]
    for f in listed:
        if not detail:
            items.append(finding_head(f, bar=False))
            step = Text("Next step: ", style="bold green")
            step.append(first_clause(f.get("action", "")))
            items.append(Padding(step, (0, 0, 0, 4)))
            continue
        body = Text(f["message"] + "\n")
        body.append("Next step: ", style="bold green")
        body.append(f.get("action", ""))
        if f.get("values"):
            body.append("\nMeasured: " + format_values(f["values"]), style="dim")
        body.append(f"\nEvidence {f['evidence']}: {f.get('evidence_source', '')}", style="dim")
        items.extend([finding_head(f), body, Text("")])
    more = len(findings) - len(listed)
    notes = []
    if more:
        notes.append(f"{plural(more, 'more finding')}")
    if faint:
        notes.append(f"{plural(faint, 'finding')} too faint to show")
    if notes and not detail:
        items.append(Text(" · ".join(notes) + " — fitglute analyze --detail for all, with reasons", style="dim"))
    elif faint:
        items.append(Text(f"{plural(faint, 'finding')} below the display threshold (in --json)", style="dim"))
    reasons = {k: hint(r, result.hints[k]) if hint and k in result.hints else r for k, r in result.not_assessed.items()}
    items.extend(not_assessed_lines(reasons) if detail else not_assessed_summary(reasons))
    if findings:  # the red-flag line wherever findings are shown
        items.append(Text(RED_FLAGS, style="bold"))
    return Group(*items)


def first_clause(action: str) -> str:
    """The first part of a next step (up to its first ``;``): the one-screen report's short form."""
    head = action.split("; ", 1)[0].strip()
    return head if head.endswith((".", "!", "?")) or head == action.strip() else head + " …"


def not_assessed_lines(not_assessed: dict[str, str]) -> list[Text]:
    """One dim line per reason; rules whose sensor is simply not in the file share one line."""
    by_reason: dict[str, list[str]] = {}
    for rule, reason in not_assessed.items():
        key = "their sensor data is not in this file" if reason.endswith("in this file") else reason
        by_reason.setdefault(key, []).append(rule)
    return [Text(f"not assessed · {', '.join(rules)}: {reason}", style="dim") for reason, rules in by_reason.items()]


def not_assessed_summary(not_assessed: dict[str, str]) -> list[Text]:
    """The one-screen form: how many rules could not judge, and the commonest fix, in one line."""
    if not not_assessed:
        return []
    sensor = sum(r.endswith("in this file") for r in not_assessed.values())
    history = sum("history" in r or "import" in r for r in not_assessed.values())
    parts = []
    if history:
        parts.append(f"{history} need earlier runs (fitglute import)")
    if sensor:
        parts.append(f"{sensor} a sensor this file lacks")
    other = len(not_assessed) - sensor - history
    if other > 0:
        parts.append(f"{other} for other reasons")
    n = len(not_assessed)
    text = f"Not assessed: {plural(n, 'rule')} — " + ", ".join(parts) + " (--detail)"
    return [Text(text, style="dim")]


def render_run(result: RunResult, console: Console, hint: Hint | None = None, detail: bool = False) -> None:
    """The single-run report: one screen by default, everything with ``detail``.

    ``hint(reason, code)`` words the runner's next steps.
    """
    parts: list[Any] = [header(result), Text("")]
    if result.metric("gct_ms") is None and result.dynamics_source == "none":
        parts.append(Text("No Garmin running dynamics in this file (no GCT / vertical oscillation).", style="yellow"))
    else:
        parts.append(metrics_table(result, detail))
    sensors = sensor_table(result) if detail else None
    if sensors is not None:
        parts += [Text(""), sensors]
    gauge = balance_gauge(result, width=max(11, min(41, console.width - 30)))
    if gauge is not None:
        parts += [Text(""), gauge]
    if detail:
        drift = drift_table(result, wide=console.width >= 90)
        if drift is not None:
            title = "Early → late (last vs first third of clean running, at matched speed)"
            parts += [Text(""), Text(title, style="bold"), drift]
        parts += [Text(""), quality_line(result)]
    else:
        line = drift_line(result)
        parts += [Text("")] + ([line] if line is not None else []) + [quality_line(result)]
    for w in result.warnings:
        parts.append(Text(f"warning: {w}", style="yellow"))
    parts += [Text(""), findings_section(result, hint, detail)]
    name = short_name(str(result.file or "run").rsplit("/", 1)[-1], max(10, console.width - 16))
    console.print(Panel(Group(*parts), title=f"fitglute · {name}", title_align="left"))
    console.print(Text("Hypotheses from running dynamics, not a diagnosis.", style="dim italic"))


#: optional batch-table columns in the order they are added as the terminal widens:
#: (header, width, cell) — the file, the date and the top finding are always there
OPTIONAL_COLUMNS: tuple[tuple[str, int, Callable[[RunResult], str]], ...] = (
    ("bal L%", 6, lambda r: fmt_value(r.metric("gct_balance_left_pct"), 1)),
    ("km", 5, lambda r: f"{(r.distance_m or 0) / 1000:.1f}"),
    ("GCT", 3, lambda r: fmt_value(r.metric("gct_ms"), 0)),
    ("time", 7, lambda r: fmt_duration(r.duration_s)),
    ("cad", 3, lambda r: fmt_value(r.metric("cadence_spm"), 0)),
    ("VO", 3, lambda r: fmt_value(r.metric("vertical_oscillation_mm"), 0)),
)
FILE_MIN, FILE_START, FILE_MAX, TOP_MIN, DAY_W, DAY_TIME_W = 14, 22, 32, 30, 10, 16


def batch_layout(width: int, longest_name: int) -> tuple[int, int, list[tuple[str, int, Any]], int]:
    """Widths for a table that fits ``width``: (file, date, optional columns, top finding).

    Every column costs its width plus three cells (padding both sides and the divider) but the
    table has no edge, so the first and last give three back. The top finding gets at least
    :data:`TOP_MIN` and the rest once the numbers that fit are in.
    """
    file_w = max(FILE_MIN, min(FILE_START, longest_name, width - 6 - DAY_W - TOP_MIN))
    used = (file_w + 3) + (DAY_W + 3) + TOP_MIN
    cols: list[tuple[str, int, Any]] = []
    for col in OPTIONAL_COLUMNS:
        if used + col[1] + 3 > width:
            break
        cols.append(col)
        used += col[1] + 3
    date_w = DAY_TIME_W if used + (DAY_TIME_W - DAY_W) + 10 <= width else DAY_W
    used += date_w - DAY_W
    if min(longest_name, FILE_MAX) > file_w and width > used:  # long names get a share of what is left
        grow = min(min(longest_name, FILE_MAX) - file_w, (width - used) // 2)
        file_w += grow
        used += grow
    return file_w, date_w, cols, TOP_MIN + max(0, width - used)


def render_table(results: list[RunResult], console: Console) -> None:
    """One line per file at any width from 60 columns; narrower terminals drop number columns.

    File names are shortened keeping their end, dates are compact, nothing wraps. A single
    skipped or failed file is one line, not a table.
    """
    if len(results) == 1 and not results[0].ok:
        r = results[0]
        console.print(Text(f"{r.file}: {r.status} — {r.error}", style="red" if r.status == "error" else "dim"))
        return
    names = [str(r.file or "").rsplit("/", 1)[-1] for r in results]
    file_w, date_w, cols, top_w = batch_layout(console.width, max((len(n) for n in names), default=4))
    table = Table(
        title="fitglute · runs", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False
    )
    table.add_column("file", no_wrap=True, width=file_w)
    table.add_column("date", no_wrap=True, width=date_w)
    for header_, w, _ in cols:
        table.add_column(header_, justify="right", no_wrap=True, width=w)
    table.add_column("top finding", no_wrap=True, overflow="ellipsis", max_width=top_w)
    for r, name in zip(results, names, strict=True):
        row: list[Any] = [short_name(name, file_w)]
        if not r.ok:
            style = "red" if r.status == "error" else "dim"
            row += [Text(r.status, style=style)] + [""] * len(cols) + [Text(why_not(r), style=style)]
        else:
            top = next(iter(shown(r.findings)), None)
            start = compact_start(r.start_time)
            row += [start[:date_w]] + [cell(r) for _, _, cell in cols] + [top_line(top, top_w) if top else "–"]
        table.add_row(*row)
    console.print(table)
    console.print(summary_line(results))
    if any(shown(r.findings) for r in results):  # the red-flag line wherever findings are shown
        console.print(Text(RED_FLAGS, style="dim"))


def top_line(f: Any, width: int = 80) -> str:
    """A finding in a table cell: ``title (side, signal clear · C)``, or its rule id where the
    title is too long — ids are short and what ``fitglute rules`` lists, so they are never cut."""
    side = f"{f.side}, " if f.side in ("left", "right", "both") else ""
    tail = f" ({side}signal {clarity_word(f.signal_clarity)} · {f.evidence})"
    if len(f.title) + len(tail) <= width:
        return f.title + tail
    return f.rule + (tail if len(f.rule) + len(tail) <= width else f" ({f.side})" if side else "")


def why_not(r: RunResult) -> str:
    """A skipped or failed file's reason, short enough for a table cell."""
    reason = r.error or ""
    m = re.fullmatch(r"not a running activity \(sport: (.+)\)", reason)
    return f"not a run: {m.group(1)}" if m else reason


def summary_line(results: list[RunResult]) -> str:
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "error")}
    parts = [f"{counts['ok']} analysed"]
    if counts["skipped"]:
        parts.append(f"{counts['skipped']} skipped (not running)")
    if counts["error"]:
        parts.append(f"{counts['error']} failed")
    return f"{plural(len(results), 'file')}: " + ", ".join(parts)
