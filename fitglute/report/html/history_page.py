"""The history page and the physiotherapist's one-pager, drawn from :mod:`fitglute.history.pages` data.

Both put runs, injuries, capacity tests and symptoms on one time axis. The words about an injury
are ``fitglute injury review``'s own (:func:`fitglute.report.review.review_words`) and a test's
symmetry is ``fitglute test list``'s (:func:`fitglute.report.evidence.symmetry`), so the pages and
the terminal say the same thing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from fitglute.model.axes import clarity_word, evidence_word
from fitglute.model.history import Injury
from fitglute.model.times import DAY_S, parse_iso
from fitglute.report.evidence import describe_symptom, describe_test, symmetry
from fitglute.report.format import fmt_start
from fitglute.report.html.page import esc, legend, page, table
from fitglute.report.html.svg import PALETTE, Chart, Line, render
from fitglute.report.review import CAVEAT, SIDE_WORDS, review_words

INJURY_COLOUR, TEST_COLOUR = PALETTE[1], PALETTE[3]
#: the one-pager must fit one sheet: the latest injuries reviewed, the latest tests and symptoms listed
REVIEWED, LISTED = 2, 5
NOT_COMPARABLE_COLOUR, SPIKE_COLOUR = "#999999", PALETTE[4]
#: what these numbers cannot tell, said on the physiotherapist's page (evidence.md, "Confounders"
#: and "Safety wording"; Malisoux et al. 2024 for asymmetry and injury)
CANNOT_SAY = (
    "Why it hurts: nothing here examines tissue; the findings are hypotheses from sensor estimates, not a diagnosis.",
    "Force or load per leg: GCT balance is the share of ground-contact time, measured at the chest or waist, "
    "not the force each leg produces.",
    "Whether an asymmetry matters: left/right asymmetry alone did not predict injury in 836 recreational "
    "runners (Malisoux et al. 2024).",
    "What caused an injury: what changed in the weeks before one is not proof of its cause.",
    "Anything not recorded: runs without the sensor, other sports, sleep, work and life load.",
)


def _day(value: date | str) -> float:
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()


def _date_label(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%d %b %y")


def _date_step(x0: float, x1: float) -> float:
    weeks = max(1.0, (x1 - x0) / (7 * DAY_S))
    return float(np.ceil(weeks / 7)) * 7 * DAY_S


def _x_range(data: dict[str, Any]) -> tuple[float, float] | None:
    ends = [(parse_iso(t["from"]), parse_iso(t["to"])) for t in data["trends"].values() if t.get("from")]
    if not ends:
        return None
    lo, hi = min(a for a, _ in ends), max(b for _, b in ends)
    return lo - DAY_S, hi + DAY_S


def _injury_marks(injuries: list[Injury], x_range: tuple[float, float]) -> list[tuple[float, str, str]]:
    lo, hi = x_range
    return [(_day(i.date), f"{i.side} {i.site}", INJURY_COLOUR) for i in injuries if lo <= _day(i.date) <= hi]


def trend_chart(
    trend: dict[str, Any], injuries: list[Injury], x_range: tuple[float, float], chart_id: str, *, height: int = 150
) -> str:
    """One metric over the weeks: comparable runs, the others greyed, the runner's own band."""
    marks = _injury_marks(injuries, x_range)
    marks += [(_day(t["date"]), "", TEST_COLOUR) for t in trend.get("tests", [])]
    base = trend.get("baseline")
    bands = [(base["low"], base["high"], PALETTE[2])] if base else []
    digits = 1 if trend["metric"] in ("gct_balance", "distance") else 0
    hlines = [(base["median"], f"your usual {base['median']:.{digits}f}")] if base else []
    weekly = trend["aggregation"] == "week"
    if weekly:
        pts = trend["points"]
        x = np.array([_day(p["start"]) + 3.5 * DAY_S for p in pts])
        y = np.array([p["value"] for p in pts], dtype=float)
        spike = np.where([p["load_spike"] for p in pts], y, np.nan)
        lines = [
            Line("weekly distance", y, PALETTE[0]),
            Line("week with a load spike", spike, SPIKE_COLOUR, points=True),
        ]
        desc = f"Weekly distance over {len(pts)} weeks; weeks with a load-spike finding marked."
    else:
        pts = trend["points"]
        x = np.array([parse_iso(p["date"]) for p in pts])
        y = np.array([p["value"] for p in pts], dtype=float)
        comparable = np.array([p["comparable"] for p in pts], dtype=bool)
        lines = [
            Line("comparable runs", np.where(comparable, y, np.nan), PALETTE[0], points=True),
            Line(
                "not comparable (treadmill, hills, intervals, …)",
                np.where(comparable, np.nan, y),
                NOT_COMPARABLE_COLOUR,
                points=True,
            ),  # fmt: skip
        ]
        sensor = f" on {base['sensor']}" if base else ""
        desc = (
            f"{trend['label']} per run, {len(pts)} runs; green band = your usual range{sensor} "
            "(median ± 2 × your run-to-run spread); vertical lines = injuries and tests."
        )
    if x.size == 0:
        return f'<p class="dim">No {esc(trend["label"].lower())} recorded in these weeks.</p>'
    chart = Chart(
        title=trend["label"],
        desc=desc,
        x=x,
        lines=lines,
        unit=trend["unit"],
        x_range=x_range,
        bands=bands,
        hlines=hlines,
        marks=marks,
        x_label=_date_label,
        x_step=_date_step(*x_range),
        y_range=(0.0, max(1.0, float(np.nanmax(y)) * 1.1)) if weekly else None,
        height=height,
        digits=digits,
    )
    return render(chart, chart_id)


def events_chart(data: dict[str, Any], x_range: tuple[float, float], chart_id: str, *, height: int = 130) -> str:
    """Symptoms (the worst score of each entry, 0–10), capacity tests and injuries on the runs' axis."""
    lo, hi = x_range
    syms = [s for s in data["symptoms"] if lo <= _day(s.date) <= hi]
    tests = [t for t in data["tests"] if lo <= _day(t.date) <= hi]
    x = np.array([_day(s.date) for s in syms] + [_day(t.date) for t in tests], dtype=float)
    worst = np.array([s.worst if s.worst is not None else np.nan for s in syms] + [np.nan] * len(tests))
    test_y = np.array([np.nan] * len(syms) + [10.0 if t.flagged() else 9.0 for t in tests])
    chart = Chart(
        title="Symptoms, tests and injuries",
        desc=f"{len(syms)} symptom entries (worst score of each, 0–10), {len(tests)} capacity tests "
        "(high = flagged), injuries as vertical lines.",
        x=x if x.size else np.array([lo, hi]),
        lines=[
            Line("symptom entry, worst score", worst if x.size else np.full(2, np.nan), PALETTE[1], points=True),
            Line(
                "capacity test (top row: flagged)", test_y if x.size else np.full(2, np.nan), TEST_COLOUR, points=True
            ),
        ],
        unit="0–10",
        x_range=x_range,
        y_range=(-0.5, 10.8),
        hlines=[(3.0, "next-morning flag 3")],
        marks=_injury_marks(data["injuries"], x_range),
        x_label=_date_label,
        x_step=_date_step(lo, hi),
        height=height,
    )
    return render(chart, chart_id)


def _logs(data: dict[str, Any]) -> list[str]:
    out = ["<h2>Injuries</h2>"]
    if data["injuries"]:
        rows = [[esc(i.date.isoformat()), esc(i.site), esc(i.side), esc(i.note)] for i in data["injuries"]]
        out.append(table(["date", "site", "side", "note"], rows, cls="injuries", text_cols="llll"))
    else:
        out.append("<p class=dim>None logged (fitglute injury add).</p>")
    out.append("<h2>Capacity tests</h2>")
    out.append(
        "<ul>" + "".join(f"<li>{esc(describe_test(t))}</li>" for t in data["tests"]) + "</ul>"
        if data["tests"]
        else "<p class=dim>None logged (fitglute test add).</p>"
    )
    out.append("<h2>Symptoms</h2>")
    out.append(
        "<ul>" + "".join(f"<li>{esc(describe_symptom(s))}</li>" for s in data["symptoms"]) + "</ul>"
        if data["symptoms"]
        else "<p class=dim>None logged (fitglute pain add).</p>"
    )
    return out


def history_page(data: dict[str, Any]) -> str:
    """Trends of GCT, balance, cadence and weekly distance, with the logs on the same axis."""
    x_range = _x_range(data)
    body = ["<header><h1>Running history</h1>"]
    if x_range is None:
        body.append("<p>No runs stored yet: import them with fitglute import PATH.</p></header>")
        return page("fitglute · history", "\n".join(body + _logs(data)))
    first = next(t["from"] for t in data["trends"].values() if t.get("from"))
    last = next(t["to"] for t in data["trends"].values() if t.get("to"))
    body.append(
        f'<p class="meta">{data["runs"]} runs stored · the {data["weeks"]} weeks up to the latest run '
        f"({esc(fmt_start(first))} – {esc(fmt_start(last))})</p></header>"
    )
    body.append(
        legend(
            [
                ("comparable run", PALETTE[0]),
                ("not comparable", NOT_COMPARABLE_COLOUR),
                ("your usual range (same sensor)", PALETTE[2]),
                ("injury", INJURY_COLOUR),
                ("capacity test", TEST_COLOUR),
                ("load spike", SPIKE_COLOUR),
            ]  # fmt: skip
        )
    )
    body.append("<h2>Trends</h2>")
    for n, (metric, trend) in enumerate(data["trends"].items()):
        body.append(trend_chart(trend, data["injuries"], x_range, f"trend-{n}-{metric}"))
    body.append(events_chart(data, x_range, "events"))
    body += _logs(data)
    return page("fitglute · history", "\n".join(body))


# --------------------------------------------------------------------------- physiotherapist


def _tests_table(tests: list[Any]) -> str:
    rows = [
        [esc(t.date.isoformat()), esc(t.kind), f"{t.left:g}", f"{t.right:g}", esc(t.protocol.unit), esc(symmetry(t))]
        for t in tests
    ]
    return table(["date", "test", "left", "right", "unit", "symmetry"], rows, cls="tests", text_cols="ll..ll")


def _symptoms_table(symptoms: list[Any]) -> str:
    def score(v: float | None) -> str:
        return "–" if v is None else f"{v:g}"

    rows = [
        [
            esc(s.date.isoformat()),
            esc(f"{s.side} {s.site}"),
            score(s.during),
            score(s.after),
            score(s.morning),
            esc(s.note),
        ]  # fmt: skip
        for s in symptoms
    ]
    return table(["date", "where", "during", "after", "morning", "note"], rows, cls="symptoms", text_cols="ll...l")


def clarity_of(finding: dict[str, Any]) -> float:
    """A finding's signal clarity (a result stored before the two axes: derived from confidence)."""
    from fitglute.model.finding import Finding

    return Finding.from_json(finding).signal_clarity


def _recurring(found: dict[str, Any], top: int = 5) -> str:
    """The findings that fired on many of the window's runs: how often, which side, how clear, how strong."""
    persistent = [r for r in found["rules"] if r["persistent"] and r["latest"]]
    if not found["runs"]:
        return "<p class=dim>No runs in these weeks.</p>"
    if not persistent:
        return f"<p>No finding recurred on the {found['runs']} runs of these weeks.</p>"
    rows = []
    for r in persistent[:top]:
        f = r["latest"]
        sides = ", ".join(f"{side} {n}×" for side, n in r["sides"].items() if side != "none") or "–"
        rows.append(
            [
                esc(f["title"]),
                f"{r['runs']} of {found['runs']}",
                esc(sides),
                f"{esc(clarity_word(clarity_of(f)))} ({clarity_of(f):.2f})",
                f'<span class="grade">{esc(f["evidence"])}</span> {esc(evidence_word(f["evidence"]))} '
                f'<span class="dim small">{esc(f["evidence_source"])}</span>',
            ]
        )
    head = ["finding", "runs", "side", "signal clarity (latest)", "evidence strength"]
    return table(head, rows, cls="recurring", text_cols="l.lll")


def physio_page(data: dict[str, Any], today: date | None = None) -> str:
    """The printable one-pager (A4 or Letter): injuries and the load before them, tests, symptoms,
    recurring findings, and what the data cannot say."""
    today = today or date.today()
    span = (
        f"{data['runs']} runs recorded, {esc(str(data['first_run'])[:10])} to {esc(str(data['last_run'])[:10])}"
        if data["runs"]
        else "no runs recorded"
    )
    body = [
        "<header><h1>Running summary for a physiotherapist</h1>",
        f'<p class="meta">{span} · printed {today.isoformat()} · from the runner\'s watch data and own logs '
        "(fitglute)</p></header>",
    ]
    dist = data["distance"]
    if dist.get("from"):
        x_range = (parse_iso(dist["from"]) - DAY_S, parse_iso(dist["to"]) + DAY_S)
        body.append(f"<h2>Load and injuries, the last {data['weeks']} weeks</h2>")
        body.append(trend_chart(dist, data["injuries"], x_range, "physio-distance", height=85))
    body.append("<h2>Injuries and the 6 weeks before each</h2>")
    if not data["reviews"]:
        body.append("<p class=dim>No injury logged.</p>")
    for rev in data["reviews"][-REVIEWED:]:
        inj = rev["injury"]
        note = f" ({inj['note']})" if inj["note"] else ""
        side = SIDE_WORDS.get(inj["side"], inj["side"])
        title = f"{side} {inj['site']}, {inj['date']}{note}"
        body.append(f"<h3>{esc(title)}</h3>")
        body.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in review_words(rev)) + "</ul>")
    if len(data["reviews"]) > REVIEWED:
        body.append(f"<p class=dim>{len(data['reviews']) - REVIEWED} earlier injuries: fitglute injury review.</p>")
    if data["reviews"]:
        body.append(f'<p class="dim small">{esc(CAVEAT)}</p>')
    body.append('<div class="cols"><div><h2>Capacity tests</h2>')
    body.append(_tests_table(data["tests"][-LISTED:]) if data["tests"] else "<p class=dim>None logged.</p>")
    body.append("</div><div><h2>Symptoms (0–10)</h2>")
    body.append(_symptoms_table(data["symptoms"][-LISTED:]) if data["symptoms"] else "<p class=dim>None logged.</p>")
    body.append("</div></div>")
    body.append(f"<h2>Findings that kept coming back (last {data['weeks']} weeks)</h2>")
    body.append(_recurring(data["findings"]))
    body.append('<h2>What these data cannot say</h2><ul class="cannot">')
    body += [f"<li>{esc(line)}</li>" for line in CANNOT_SAY]
    body.append("</ul>")
    return page("fitglute · summary for a physiotherapist", "\n".join(body), printable=True)
