"""Inline SVG charts drawn from numpy arrays: no plotting library, no script, no network.

Why hand-drawn: the page must open offline, print, and stay small. A chart here is a handful of
``<path>`` elements (one per series, broken where the data is missing), shaded spans, vertical
marks and a few axis labels — a 2-hour run draws in a few milliseconds and weighs tens of kB.
Every chart is one ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (what a screen reader
says), and every series is one ``<path class="series">`` (what the tests count).

Colours are the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies)
and series also differ by dash pattern, so a chart still reads in black-and-white print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

#: Okabe & Ito (2008), "Color Universal Design": safe for deuteranopia, protanopia, tritanopia
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 2", "8 3 2 3")
SPAN_FILL = {"not-running": "#999999", "steep": "#E69F00"}
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 58, 12, 20, 22


@dataclass
class Line:
    """One series: y values at the chart's x values (NaN = no data, the line breaks)."""

    label: str
    y: np.ndarray
    colour: str = PALETTE[0]
    dash: str = ""
    points: bool = False  # draw markers instead of a line (one value per run)


@dataclass
class Chart:
    """What to draw; ``x`` is shared by every line (seconds, or Unix seconds for dates)."""

    title: str
    desc: str
    x: np.ndarray
    lines: list[Line]
    unit: str = ""
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    spans: Sequence[tuple[float, float, str]] = ()  # (x0, x1, css fill)
    bands: Sequence[tuple[float, float, str]] = ()  # horizontal (y0, y1, css fill)
    hlines: Sequence[tuple[float, str]] = ()  # (y, label)
    marks: Sequence[tuple[float, str, str]] = ()  # vertical lines (x, label, colour)
    ticks: Sequence[float] = ()  # small ticks on the x axis (laps)
    x_label: Callable[[float], str] = field(default=lambda v: f"{v:g}")
    x_step: float | None = None
    width: int = 900
    height: int = 150
    digits: int = 0


def _nice_step(span: float, target: int = 4) -> float:
    raw = span / max(target, 1)
    mag = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return float(m * mag)
    return float(10 * mag)


def _y_range(chart: Chart) -> tuple[float, float]:
    if chart.y_range is not None:
        return chart.y_range
    values = np.concatenate([ln.y[np.isfinite(ln.y)] for ln in chart.lines] or [np.zeros(0)])
    extra = [y for y, _ in chart.hlines] + [v for lo, hi, _ in chart.bands for v in (lo, hi)]
    if values.size == 0 and not extra:
        return 0.0, 1.0
    lo, hi = np.percentile(values, [1, 99]) if values.size else (min(extra), max(extra))
    lo, hi = min([float(lo), *extra]), max([float(hi), *extra])
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    # a quantity that cannot be negative gets no negative axis (speed, distance)
    bottom = lo - pad if lo - pad >= 0 or float(values.min(initial=0.0)) < 0 else 0.0
    return bottom, hi + pad


def path_d(xs: np.ndarray, ys: np.ndarray) -> str:
    """``M x,y L x,y …``; a NaN starts a new sub-path (a gap, not a line across missing data)."""
    ok = np.isfinite(ys) & np.isfinite(xs)
    if not ok.any():
        return ""
    starts = ok & ~np.concatenate(([False], ok[:-1]))
    parts = []
    for x, y, new in zip(xs[ok], ys[ok], starts[ok], strict=True):
        parts.append(f"{'M' if new else 'L'}{x:.1f},{y:.1f}")
    return "".join(parts)


def render(chart: Chart, chart_id: str) -> str:
    """The chart as one ``<svg>`` element (a string, already escaped)."""
    w, h = chart.width, chart.height
    pw, ph = w - MARGIN_L - MARGIN_R, h - MARGIN_T - MARGIN_B
    x0, x1 = chart.x_range or (float(np.nanmin(chart.x)), float(np.nanmax(chart.x)))
    if x1 <= x0:
        x1 = x0 + 1
    y0, y1 = _y_range(chart)

    def sx(v: np.ndarray | float) -> np.ndarray | float:
        return MARGIN_L + (np.asarray(v, dtype=float) - x0) / (x1 - x0) * pw

    def sy(v: np.ndarray | float) -> np.ndarray | float:
        return MARGIN_T + (1 - (np.clip(np.asarray(v, dtype=float), y0, y1) - y0) / (y1 - y0)) * ph

    out = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {w} {h}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" data-series="{len(chart.lines)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(chart.title)}</title>',
        f'<desc id="{chart_id}-d">{escape(chart.desc)}</desc>',
    ]
    for a, b, fill in chart.spans:
        xa, xb = float(sx(max(a, x0))), float(sx(min(b, x1)))
        if xb > xa:
            out.append(
                f'<rect class="span" x="{xa:.1f}" y="{MARGIN_T}" width="{xb - xa:.1f}" height="{ph}" fill="{fill}"/>'
            )
    for lo, hi, fill in chart.bands:
        ya, yb = float(sy(hi)), float(sy(lo))
        out.append(
            f'<rect class="band" x="{MARGIN_L}" y="{ya:.1f}" width="{pw}" height="{yb - ya:.1f}" fill="{fill}"/>'
        )
    step = _nice_step(y1 - y0)
    digits = max(chart.digits, 0 if step >= 1 else 1)
    for v in np.arange(np.ceil(y0 / step) * step, y1, step):
        v = round(float(v), 9) + 0.0  # never a "-0" label
        y = float(sy(v))
        out.append(f'<line class="grid" x1="{MARGIN_L}" x2="{w - MARGIN_R}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="ylab" x="{MARGIN_L - 4}" y="{y + 3:.1f}">{v:.{digits}f}</text>')
    xstep = chart.x_step or _nice_step(x1 - x0, 6)
    for v in np.arange(np.ceil(x0 / xstep) * xstep, x1 + 1e-9, xstep):
        x = float(sx(v))
        out.append(f'<text class="xlab" x="{x:.1f}" y="{h - 6}">{escape(chart.x_label(float(v)))}</text>')
    for y, label in chart.hlines:
        yy = float(sy(y))
        out.append(f'<line class="ref" x1="{MARGIN_L}" x2="{w - MARGIN_R}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        if label:
            out.append(f'<text class="reflab" x="{w - MARGIN_R - 2}" y="{yy - 3:.1f}">{escape(label)}</text>')
    for v in chart.ticks:
        x = float(sx(v))
        out.append(f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{MARGIN_T + ph}" y2="{MARGIN_T + ph - 6}"/>')
    for v, label, colour in chart.marks:
        x = float(sx(v))
        out.append(
            f'<line class="mark" x1="{x:.1f}" x2="{x:.1f}" y1="{MARGIN_T}" y2="{MARGIN_T + ph}" stroke="{colour}"/>'
        )
        if label:
            out.append(
                f'<text class="marklab" x="{x + 3:.1f}" y="{MARGIN_T + 11}" fill="{colour}">{escape(label)}</text>'
            )
    xs = sx(chart.x)
    for ln in chart.lines:
        ys = np.where(np.isfinite(ln.y), sy(np.nan_to_num(ln.y)), np.nan)
        label = escape(ln.label)
        if ln.points:
            ok = np.isfinite(ys)
            dots = "".join(f"M{x:.1f},{y:.1f}h0" for x, y in zip(xs[ok], ys[ok], strict=True))
            out.append(
                f'<path class="series points" d="{dots}" stroke="{ln.colour}" data-label="{label}">'
                f"<title>{label}</title></path>"
            )
            continue
        dash = f' stroke-dasharray="{ln.dash}"' if ln.dash else ""
        out.append(
            f'<path class="series" d="{path_d(xs, ys)}" stroke="{ln.colour}"{dash} data-label="{label}">'
            f"<title>{label}</title></path>"
        )
    out.append(
        f'<rect class="frame" x="{MARGIN_L}" y="{MARGIN_T}" width="{pw}" height="{ph}"/>'
        f'<text class="unit" x="{MARGIN_L}" y="{MARGIN_T - 5}">{escape(chart.title)}'
        f"{' · ' + escape(chart.unit) if chart.unit else ''}</text>"
    )
    out.append("</svg>")
    return "".join(out)


def clock(seconds: float) -> str:
    """Elapsed time as an axis label: ``0:45``, ``1:30`` (hours:minutes)."""
    m = int(round(seconds / 60))
    return f"{m // 60}:{m % 60:02d}"


def time_step(duration_s: float) -> float:
    """Axis steps people count in: 5, 10, 15, 30 minutes or 1 hour."""
    for minutes in (5, 10, 15, 30, 60):
        if duration_s / (minutes * 60) <= 8:
            return minutes * 60.0
    return 7200.0
