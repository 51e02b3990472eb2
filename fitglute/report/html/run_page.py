"""One run as a self-contained HTML page: the terminal report's facts, plus where in the run they happened.

Every number and sentence comes from the :class:`~fitglute.model.result.RunResult` (the words
through the terminal report's own helpers, so the two cannot disagree); the charts come from the
:class:`~fitglute.model.series.RunSeries` made in the same pipeline pass, so the shaded spans
and the thirds are exactly those the statistics used.
"""

from __future__ import annotations

from collections.abc import Callable

from fitglute.model.axes import clarity_word, evidence_word
from fitglute.model.channels import CORE_CHANNELS
from fitglute.model.result import RunResult
from fitglute.model.series import SPAN_WORDS, RunSeries
from fitglute.report.format import fmt_duration, fmt_pace, fmt_value, format_values
from fitglute.report.html.page import esc, legend, page, table
from fitglute.report.html.svg import PALETTE, SPAN_FILL, Chart, Line, clock, render, time_step
from fitglute.report.run import LABEL, METRICS, header, not_assessed_lines, quality_line
from fitglute.rules import zones

Hint = Callable[[str, str], str]
#: the charts of a run, top to bottom: (channel, colour); speed and elevation beneath for context
RUN_CHARTS = (
    ("gct_ms", PALETTE[0]),
    ("gct_balance_left_pct", PALETTE[1]),
    ("vertical_oscillation_mm", PALETTE[2]),
    ("vertical_ratio_pct", PALETTE[3]),
    ("cadence_spm", PALETTE[6]),
    ("speed_mps", PALETTE[5]),
    ("altitude_m", PALETTE[4]),
)
THIRD_COLOUR = "#333333"
THIRDS_WORDS = (
    '<p class="dim small">Dashed vertical lines: where the middle and last thirds of clean running start '
    "(the drift compares the last with the first); dashed horizontal line: the clean-running mean. "
    "Ticks on the time axis: laps.</p>"
)


def _charts(result: RunResult, series: RunSeries) -> list[str]:
    x = series.t_s
    end = float(x[-1] + series.bin_s / 2) if x.size else 1.0
    spans = [(s.start_s, s.end_s, SPAN_FILL[s.kind]) for s in series.spans]
    labelled = [
        (t, label, THIRD_COLOUR) for t, label in zip(series.thirds_s, ("middle third", "last third"), strict=False)
    ]
    ticks = [lap.start_s for lap in series.laps[1:]]
    out = []
    for n, (key, colour) in enumerate(RUN_CHARTS):
        y = series.channels.get(key)
        if y is None:
            continue
        spec = CORE_CHANNELS[key]
        bands, hlines = [], []
        if key == "gct_balance_left_pct":
            bands = [(50 - zones.BALANCE_GREEN_PTS, 50 + zones.BALANCE_GREEN_PTS, "#009E73")]
            hlines = []
        mean = result.metric(key)
        unit = spec.unit
        if mean is not None:
            hlines.append((mean, ""))
            unit += f" · clean-running mean {mean:.{spec.digits}f} (dashed)"
        desc = (
            f"{spec.label} over the run in {series.bin_s:g}-second means"
            + (f"; clean-running mean {mean:.{spec.digits}f} {spec.unit}" if mean is not None else "")
            + "; grey = not running, orange = steep, dashed lines = thirds, ticks = laps."
        )
        chart = Chart(
            title=spec.label,
            desc=desc,
            x=x,
            lines=[Line(spec.label, y, colour)],
            unit=unit,
            x_range=(0.0, end),
            spans=spans,
            bands=bands,
            hlines=hlines,
            marks=labelled if not out else [(t, "", c) for t, _, c in labelled],
            ticks=ticks,
            x_label=clock,
            x_step=time_step(end),
            height=130 if key not in ("speed_mps", "altitude_m") else 100,
            digits=min(spec.digits, 1),
        )
        out.append(render(chart, f"chart-{n}-{key.replace('_', '-')}"))
    return out


def _metrics(result: RunResult) -> str:
    metrics, session = result.metrics or {}, result.session or {}
    source = "pod" if result.dynamics_source == "pod" else "chest"
    rows = []
    for key, label, unit, nd in METRICS:
        value = metrics.get(key)
        z = zones.zone(key, value, source)
        rows.append(
            [
                esc(label),
                f"{fmt_value(value, nd)} {esc(unit)}" if value is not None else "–",
                esc(fmt_value(session.get(key), nd)) if session.get(key) is not None else "–",
                esc(z or ""),
            ]
        )
    return table(["metric", "clean running", "device", "zone"], rows)


def _sensor_channels(result: RunResult) -> str:
    """Channels that sensor plugins added (Stryd power, RunScribe per-foot values): the terminal's
    sensor table, same columns."""
    core = {k for k, *_ in METRICS}
    extra = {k: v for k, v in (result.channels or {}).items() if k not in core}
    if not extra:
        return ""
    rows = [
        [esc(k), f"{st.mean:.1f}", f"{st.median:.1f}", f"{st.p10:.1f}–{st.p90:.1f}", f"{st.coverage:.0%}"]
        for k, st in extra.items()
    ]
    return table(["sensor channel", "mean", "median", "p10–p90", "coverage"], rows, cls="sensors")


def _balance(result: RunResult) -> str:
    bal, ci = result.metric("gct_balance_left_pct"), result.balance_ci
    if bal is None:
        return ""
    interval = f" (95 % interval {ci[0]:.1f}–{ci[1]:.1f})" if ci and None not in ci else ""
    return f'<p id="balance">Balance <strong>{bal:.1f} % left</strong>{esc(interval)} on clean, flat running.</p>'


def _laps(series: RunSeries) -> str:
    if not series.laps:
        return "<p class=dim>The file has no laps.</p>"
    rows = []
    for lap in series.laps:
        dev, clean = lap.device, lap.clean
        rows.append(
            [
                str(lap.index),
                esc(clock(lap.start_s)),
                esc(fmt_duration(lap.duration_s)),
                f"{(lap.distance_m or 0) / 1000:.2f}",
                esc(fmt_pace(lap.distance_m, lap.duration_s)),
                fmt_value(dev.get("gct_ms"), 0),
                fmt_value(clean.get("gct_ms"), 0),
                fmt_value(dev.get("gct_balance_left_pct"), 1),
                fmt_value(clean.get("gct_balance_left_pct"), 1),
                fmt_value(dev.get("cadence_spm"), 0),
                esc(fmt_duration(lap.clean_s)),
            ]
        )
    head = ["lap", "starts", "time", "km", "pace", "GCT device", "GCT clean", "bal L device", "bal L clean",
            "cadence", "clean running"]  # fmt: skip
    return table(head, rows, cls="laps")


def _drift(result: RunResult) -> str:
    drift = result.drift or {}
    if not drift:
        return ""
    rows = []
    for key, d in drift.items():
        unit = " pts" if d.unit == "pts" else " %"
        rows.append(
            [
                esc(LABEL.get(key, key)),
                f"{d.change:+.1f}{unit}" if d.change is not None else "–",
                f"{d.low:+.1f} … {d.high:+.1f}" if d.low is not None else "–",
                f"{d.unadjusted:+.1f}{unit}" if d.unadjusted is not None else "–",
            ]
        )
    return (
        "<h2>Early → late</h2><p class=dim>Last against first third of clean running, at matched speed "
        "(the dashed lines on the charts), with its 95 % interval.</p>"
        + table(["early → late", "at matched speed", "95 % interval", "raw"], rows, cls="drift")
    )


def _findings(result: RunResult, hint: Hint | None) -> str:
    out = ["<h2>Findings</h2>"]
    if not result.findings:
        out.append("<p>No findings for this run: nothing cleared its threshold.</p>")
    for f in (f.to_json() for f in result.findings):
        side = f" · {esc(f['side'])}" if f["side"] in ("left", "right", "both") else ""
        values = f'<p class="dim small">Measured: {esc(format_values(f["values"]))}</p>' if f.get("values") else ""
        out.append(
            f'<section class="finding" data-rule="{esc(f["rule"])}"><h3>{esc(f["title"])}{side}</h3>'
            f'<p class="axes">Signal clarity: <strong>{esc(clarity_word(f["clarity"]))}</strong> '
            f'({f["clarity"]:.2f}) · Evidence strength: <span class="grade">{esc(f["evidence"])}</span> '
            f'{esc(evidence_word(f["evidence"]))} '
            f'<span class="dim small">{esc(f.get("evidence_source", ""))}</span></p>'
            f'<p>{esc(f["message"])}</p><p><span class="next">Next step:</span> {esc(f.get("action", ""))}</p>'
            f"{values}</section>"
        )
    reasons = {k: hint(r, result.hints[k]) if hint and k in result.hints else r for k, r in result.not_assessed.items()}
    lines = [t.plain for t in not_assessed_lines(reasons)]
    if lines:
        out.append('<ul class="dim small">' + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>")
    return "".join(out)


def run_page(result: RunResult, series: RunSeries | None, hint: Hint | None = None) -> str:
    """The whole page of one analysed run (``result.ok``)."""
    head_lines = header(result).plain.split("\n")
    name = (result.file or "run").replace("\\", "/").rsplit("/", 1)[-1]
    body = [
        f"<header><h1>{esc(head_lines[0])}</h1>",
        "".join(f'<p class="meta">{esc(line)}</p>' for line in head_lines[1:]),
        f'<p class="meta small">{esc(name)}</p></header>',
    ]
    if result.metric("gct_ms") is None and result.dynamics_source == "none":
        body.append("<p><strong>No Garmin running dynamics in this file (no GCT / vertical oscillation).</strong></p>")
    else:
        body += ["<h2>Clean running</h2>", _metrics(result), _sensor_channels(result), _balance(result)]
    if series is not None and series.t_s.size:
        body.append("<h2>Over the run</h2>")
        body.append(
            legend(
                [
                    (SPAN_WORDS["not-running"], SPAN_FILL["not-running"]),
                    (SPAN_WORDS["steep"], SPAN_FILL["steep"]),
                    ("Garmin's green balance band", "#009E73"),
                ]  # fmt: skip
            )
        )
        body.append(THIRDS_WORDS)
        body += _charts(result, series)
        body += ["<h2>Laps</h2>", _laps(series)]
    body.append(_drift(result))
    body.append(f'<p class="dim small">{esc(quality_line(result).plain)}</p>')
    body += [f'<p class="warning">warning: {esc(w)}</p>' for w in result.warnings]
    body.append(_findings(result, hint))
    return page(f"fitglute · {head_lines[0]}", "\n".join(body))
