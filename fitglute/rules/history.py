"""History-aware rules: what one run cannot show but a runner's history and injury log can.

Every rule here reads ``ctx.history`` (a :class:`fitglute.history.History`) and only runs that
started *before* the run being judged. Without a history they say so
(``NotAssessed(NO_HISTORY)``) instead of guessing. They work from plain summaries
(:class:`fitglute.history.RunSummary`), so a stored run can be re-judged after a backfill without
decoding its file again (:func:`fitglute.importer.rejudge`).

Ids are a public contract: ``load-spike``, ``persistent-side-bias``, ``same-side-recurrence``,
``acute-chronic-load``. The composite ``posterior-chain-overload`` counts the first three as
signals.
"""

from __future__ import annotations

import statistics
from typing import Any

from fitglute.history import DAY_S, POSTERIOR_CHAIN, Baseline, History, RunSummary, baseline_of
from fitglute.rules.common import MIN_CLEAN
from fitglute.rules.engine import GRADE_WEIGHT, Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold

NO_HISTORY = "no history yet: import earlier runs with fitglute import"


def _context(ctx: RuleContext) -> tuple[History, RunSummary] | NotAssessed:
    """The history and the judged run as a summary, or why there is nothing to judge against."""
    history = ctx.history
    if not isinstance(history, History):
        return NotAssessed(NO_HISTORY)
    return history, history.current(ctx)


def _fmt_load(value: float, unit: str) -> str:
    if unit == "distance_m":
        return f"{value / 1000:.1f} km"
    minutes = round(value / 60)
    return f"{minutes // 60}:{minutes % 60:02d} h" if minutes >= 60 else f"{minutes} min"


def _load_unit(runs: list[RunSummary]) -> str:
    """Distance when every run has one (GPS or footpod), else duration (Frandsen used distance)."""
    return "distance_m" if all((r.distance_m or 0) > 0 for r in runs) else "duration_s"


def _load(run: RunSummary, unit: str) -> float:
    return float(getattr(run, unit) or 0.0)


# --------------------------------------------------------------------------- load-spike


def check_load_spike(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = _context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    if not history.before(cur.start):
        return NotAssessed(NO_HISTORY)
    days = th["window_days"]
    window = history.before(cur.start, days)
    if not window:
        return NotAssessed(f"no runs in the {days:.0f} days before this one: no longest run to compare with")
    unit = "distance_m" if (cur.distance_m or 0) > 0 and any((r.distance_m or 0) > 0 for r in window) else "duration_s"
    value = _load(cur, unit)
    longest = max(window, key=lambda r: _load(r, unit))
    previous = _load(longest, unit)
    if value <= 0 or previous <= 0:
        return NotAssessed("neither distance nor duration recorded: the run's length is unknown")
    spike = round((value / previous - 1.0) * 100.0, 2)  # 11.0 km after 10.0 km is 10 %, not 10.000001 %
    if spike <= th["spike_pct"]:
        return []
    size = min(1.0, 0.5 + 0.5 * (spike - th["spike_pct"]) / max(th["strong_pct"] - th["spike_pct"], 1e-9))
    covered = min(1.0, (cur.start - (history.first_start or cur.start)) / (days * DAY_S))
    conf = GRADE_WEIGHT[LOAD_SPIKE.evidence.grade] * size * (0.5 + 0.5 * covered)
    what = "distance" if unit == "distance_m" else "duration"
    partial = (
        f" Your imported history covers only {covered * days:.0f} of those {days:.0f} days, so an earlier "
        "longer run may be missing."
        if covered < 1.0
        else ""
    )
    msg = (
        f"This run ({_fmt_load(value, unit)}) was {spike:.0f} % longer by {what} than your longest run of "
        f"the previous {days:.0f} days ({_fmt_load(previous, unit)} on {longest.day.isoformat()}). In 5,205 "
        f"runners, a single run more than 10 % longer than the longest of the previous 30 days raised the "
        f"injury hazard (Frandsen et al. 2025).{partial}"
    )
    action = (
        "Make the next two or three runs easy and shorter; let the longest run grow by at most 10 % at a "
        "time, and watch for soreness in the hamstrings, calves or achilles."
    )
    values = {
        "unit": unit,
        "this_run": round(value, 1),
        "previous_longest": round(previous, 1),
        "previous_longest_date": longest.day.isoformat(),
        "spike_pct": round(spike, 1),
        "window_days": days,
    }
    return [LOAD_SPIKE.finding(ctx, side="none", confidence=conf, message=msg, action=action, values=values)]


LOAD_SPIKE = Rule(
    id="load-spike",
    title="Single-run load spike",
    evidence=Evidence("A", "Frandsen et al. 2025 (5,205 runners, prospective): single-session spikes"),
    needs=("distance or duration", "history"),
    thresholds={
        "spike_pct": Threshold(
            10.0,
            "% longer than the longest run of the window that counts as a spike",
            "Frandsen et al. 2025: > 10 % raised injury hazard",
            1.0,
            200.0,
        ),
        "strong_pct": Threshold(
            100.0,
            "% longer that counts as a strong spike",
            "Frandsen et al. 2025: highest hazard above 100 %",
            2.0,
            500.0,
        ),
        "window_days": Threshold(30.0, "days looked back for the longest run", "Frandsen et al. 2025", 7.0, 120.0),
    },
    check=check_load_spike,
    summary="A run > 10 % longer than the longest run of the previous 30 days (by distance, else duration).",
    stage=1,
)


# --------------------------------------------------------------------------- baselines


def comparable_before(history: History, cur: RunSummary, th: dict[str, float]) -> list[RunSummary]:
    """Earlier runs fit for a balance baseline: same sensor, flat, outdoor, long enough."""
    return [
        r
        for r in history.before(cur.start, th["baseline_days"])
        if r.sensor == cur.sensor and r.comparable(th["min_clean_s"])
    ]


def sensor_baseline(
    history: History, cur: RunSummary, th: dict[str, float], *, skip_recent: int = 0
) -> tuple[Baseline | None, list[RunSummary]]:
    """The runner's balance baseline on this run's sensor, and the recent comparable runs.

    Comparable runs = same sensor, flat, outdoor, enough clean running, with a balance interval.
    The ``skip_recent`` newest of them (within ``recent_days``) are the "recent" window and stay
    out of the baseline, so a new shift cannot hide in its own reference.
    """
    earlier = comparable_before(history, cur, th)
    recent: list[RunSummary] = []
    if skip_recent:
        recent_from = cur.start - th["recent_days"] * DAY_S
        recent = [r for r in earlier[-skip_recent:] if r.start >= recent_from]
    pool = earlier[: len(earlier) - len(recent)][-int(th["baseline_runs"]) :]
    if len(pool) < th["min_baseline_runs"]:
        return None, recent
    return baseline_of([r.balance for r in pool if r.balance is not None], cur.sensor), recent


def biased_side(run: RunSummary, reference: float, band: float) -> str | None:
    """The foot with the longer contact when the run's 95 % interval clears reference ± band."""
    if run.balance_low is None or run.balance_high is None:
        return None
    if run.balance_low - reference > band:
        return "left"
    if reference - run.balance_high > band:
        return "right"
    return None


# --------------------------------------------------------------------------- persistent-side-bias


def check_persistent_bias(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = _context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    if not history.before(cur.start):
        return NotAssessed(NO_HISTORY)
    if cur.balance is None or cur.balance_low is None:
        return NotAssessed("no GCT balance interval in this run (chest strap or pod needed)")
    if not cur.comparable(th["min_clean_s"]):
        return NotAssessed("judged on flat, outdoor runs with ≥ 10 min of clean running only")
    window = int(th["window_runs"])
    base, recent = sensor_baseline(history, cur, th, skip_recent=window - 1)
    if base is None:
        have = len(comparable_before(history, cur, th))
        need = int(th["min_baseline_runs"]) + window - 1
        return NotAssessed(
            f"building a baseline on this sensor ({cur.sensor}): {have} earlier comparable runs of the {need} "
            "needed; a new sensor starts its own baseline"
        )
    band = max(th["notable_pts"], th["spread_k"] * base.spread)
    runs = [*recent, cur]
    sides = [biased_side(r, base.median, band) for r in runs]
    side = sides[-1]
    if side is None:
        return []
    same = [r for r, s in zip(runs, sides, strict=True) if s == side]
    if len(same) < th["min_runs"]:
        return []
    return [_bias_finding(ctx, th, cur, base, band, side, same, len(runs))]


def _bias_finding(
    ctx: RuleContext,
    th: dict[str, float],
    cur: RunSummary,
    base: Baseline,
    band: float,
    side: str,
    same: list[RunSummary],
    window: int,
) -> Finding:
    """Strength: 0.5 at 3 of 5 just past the band, + up to 0.25 for more runs, + 0.25 for size."""
    excess = statistics.mean(abs((r.balance or base.median) - base.median) for r in same) - band
    count_part = (len(same) - th["min_runs"]) / max(th["window_runs"] - th["min_runs"], 1)
    size_part = min(1.0, max(0.0, excess) / max(th["strong_pts"] - th["notable_pts"], 1e-9))
    strength = 0.5 + 0.25 * count_part + 0.25 * size_part
    conf = GRADE_WEIGHT[PERSISTENT_BIAS.evidence.grade] * (cur.quality or 0.0) * strength
    msg = (
        f"In {len(same)} of your last {window} comparable runs on this sensor your {side} foot stayed on the "
        f"ground longer than your own baseline ({base.median:.1f} % left, from {base.runs} earlier runs): this "
        f"run {cur.balance:.1f} % left. A bias that persists run after run is more than noise, but left/right "
        "asymmetry alone did not predict injury in 836 runners (Malisoux 2024): treat it as one clue."
    )
    action = (
        f"Keep an eye on it: single-leg strength work (glute bridges, step-downs) with extra sets on the {side}; "
        "if it grows or pain appears on that side, see a physiotherapist."
    )
    values = {
        "balance_left_pct": cur.balance,
        "baseline_left_pct": round(base.median, 2),
        "band_pts": round(band, 2),
        "biased_runs": len(same),
        "window_runs": window,
        "sensor": cur.sensor,
    }
    return PERSISTENT_BIAS.finding(ctx, side=side, confidence=conf, message=msg, action=action, values=values)


PERSISTENT_BIAS = Rule(
    id="persistent-side-bias",
    title="Persistent left/right bias against your own baseline",
    evidence=Evidence(
        "C",
        "asymmetry alone did not predict injury: Malisoux et al. 2024 (A, against); persistence and own-"
        "baseline comparison: fitglute design (evidence.md: compare a runner with himself, same sensor)",
    ),
    needs=("gct_balance_left_pct", "history"),
    thresholds={
        "window_runs": Threshold(5.0, "recent comparable runs looked at", "issue #5: ≥ 3 of the last 5", 2.0, 20.0),
        "min_runs": Threshold(3.0, "biased runs among them needed", "issue #5: ≥ 3 of the last 5", 1.0, 20.0),
        "notable_pts": Threshold(
            0.7,
            "minimum points off the baseline (interval must clear it)",
            "Garmin green band half-width (49.3–50.7 % L)",
            0.1,
            10.0,
        ),
        "strong_pts": Threshold(2.2, "points off the baseline counted as strong", "Garmin red band", 0.2, 15.0),
        "spread_k": Threshold(
            2.0, "band = max(notable, k × the runner's run-to-run spread)", "fitglute design choice", 0.0, 5.0
        ),
        "min_baseline_runs": Threshold(
            5.0, "earlier comparable runs on the same sensor before judging", "fitglute design choice", 2.0, 50.0
        ),
        "baseline_runs": Threshold(20.0, "most recent runs forming the baseline", "fitglute design choice", 3.0, 200.0),
        "baseline_days": Threshold(365.0, "days looked back for the baseline", "fitglute design choice", 30.0, 3650.0),
        "recent_days": Threshold(90.0, "recent runs must be this recent", "fitglute design choice", 7.0, 365.0),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_persistent_bias,
    summary="GCT balance off your own per-sensor baseline to the same side in ≥ 3 of the last 5 flat outdoor runs.",
    stage=1,
)


# --------------------------------------------------------------------------- same-side-recurrence


def side_signals(history: History, cur: RunSummary, th: dict[str, float]) -> dict[str, list[str]]:
    """Sided signals of this run: balance bias (vs 50 % or own baseline) and late-run balance drift."""
    signals: dict[str, list[str]] = {"left": [], "right": []}
    if cur.balance is not None:
        base, _ = sensor_baseline(history, cur, th, skip_recent=0)
        side = biased_side(cur, 50.0, th["bias_pts"])
        label = f"GCT balance {cur.balance:.1f} % left"
        if side is None and base is not None:
            side = biased_side(cur, base.median, max(th["bias_pts"], th["spread_k"] * base.spread))
            label += f" (your baseline {base.median:.1f} %)"
        if side is not None:
            signals[side].append(label)
    if cur.drift_bal is not None and cur.drift_bal_low is not None and cur.drift_bal_high is not None:
        if cur.drift_bal_low > th["side_drift_pts"]:
            signals["left"].append(f"balance shifted {cur.drift_bal:+.1f} points toward the left late in the run")
        elif cur.drift_bal_high < -th["side_drift_pts"]:
            signals["right"].append(f"balance shifted {-cur.drift_bal:+.1f} points toward the right late in the run")
    return signals


def fatigue_trend(history: History, cur: RunSummary, th: dict[str, float]) -> float | None:
    """Slope (% per week) of the late-run GCT rise over recent runs on this sensor, or None."""
    days = th["trend_weeks"] * 7
    runs = [
        r
        for r in [*history.before(cur.start, days), cur]
        if r.sensor == cur.sensor and r.drift_gct is not None and "intervals" not in r.flags
    ]
    if len(runs) < th["trend_min_runs"] or runs[-1].start - runs[0].start < 14 * DAY_S:
        return None
    weeks = [(r.start - runs[0].start) / (7 * DAY_S) for r in runs]
    drifts = [float(r.drift_gct or 0.0) for r in runs]
    return statistics.linear_regression(weeks, drifts).slope


def check_same_side(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = _context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    today = cur.day
    injuries = [
        i
        for i in history.injuries
        if i.site in POSTERIOR_CHAIN and i.date <= today and (today - i.date).days <= th["lookback_days"]
    ]
    if not injuries:
        return NotAssessed("no hamstring, calf, achilles or glute injury in your log (fitglute injury add)")
    if cur.balance is None and cur.drift_bal is None:
        return NotAssessed("no GCT balance in this run: the side of the load cannot be seen")
    if (cur.clean_running_s or 0.0) < th["min_clean_s"]:
        return NotAssessed(f"only {(cur.clean_running_s or 0) / 60:.0f} min of clean running")
    signals = side_signals(history, cur, th)
    slope = fatigue_trend(history, cur, th)
    growing = slope is not None and slope >= th["trend_pct_per_week"]
    out = []
    for side in ("left", "right"):
        hurt = [i for i in injuries if i.side in (side, "both")]
        if not hurt or not signals[side]:
            continue  # fires only on an injured side, and only with a signal pointing there
        out.append(_recurrence_finding(ctx, th, cur, side, hurt[-1], signals[side], slope if growing else None))
    return out


def _recurrence_finding(
    ctx: RuleContext,
    th: dict[str, float],
    cur: RunSummary,
    side: str,
    injury: Any,
    signals: list[str],
    slope: float | None,
) -> Finding:
    seen = list(signals)
    if slope is not None:
        seen.append(f"your late-run ground-contact rise has grown {slope:+.1f} % per week over recent weeks")
    strength = min(1.0, 0.5 + 0.25 * (len(seen) - 1))
    age = (cur.day - injury.date).days
    recency = 1.0 if age <= 365 else max(0.5, 1.0 - 0.5 * (age - 365) / max(th["lookback_days"] - 365, 1))
    conf = GRADE_WEIGHT[SAME_SIDE.evidence.grade] * (cur.quality or 0.0) * strength * recency
    note = f" ({injury.note})" if injury.note else ""
    msg = (
        f"You logged a {injury.side} {injury.site} injury on {injury.date.isoformat()}{note}, and this run shows "
        f"signals pointing to the same side: {'; '.join(seen)}. A previous injury is the most consistent "
        "predictor of the next one (many cohort studies), and a load shifted toward that side is the pattern "
        "seen in runners who keep getting hurt in the same place. This is a hypothesis, not a diagnosis."
    )
    action = (
        f"Protect the {side} {injury.site}: hold long and fast runs steady for a while, add glute and "
        f"calf strength work with the emphasis on the {side}, and ask a physiotherapist to check hip-extension "
        "control if it recurs."
    )
    values = {
        "injury_id": injury.id,
        "injury_date": injury.date.isoformat(),
        "site": injury.site,
        "signals": seen,
        "days_since_injury": age,
    }
    return SAME_SIDE.finding(ctx, side=side, confidence=conf, message=msg, action=action, values=values)


SAME_SIDE = Rule(
    id="same-side-recurrence",
    title="Same-side recurrence risk after a logged injury",
    evidence=Evidence(
        "B",
        "previous injury predicts the next (many cohort studies, A); the side signals are indirect (B/C); "
        "the same-place pattern: sports therapist's clinical observation (C)",
    ),
    needs=("injury log", "gct_balance_left_pct"),
    thresholds={
        "bias_pts": Threshold(
            0.7, "points off 50 % (or the own baseline) that count as a bias", "Garmin green band", 0.1, 10.0
        ),
        "spread_k": Threshold(2.0, "baseline band = k × the runner's spread", "fitglute design choice", 0.0, 5.0),
        "side_drift_pts": Threshold(
            0.5, "late-run balance shift (points) that counts as side-specific", "as fatigue-drift", 0.1, 5.0
        ),
        "trend_weeks": Threshold(8.0, "weeks over which fatigue drift growth is measured", "fitglute", 2.0, 52.0),
        "trend_min_runs": Threshold(4.0, "runs needed to measure that growth", "fitglute design choice", 3.0, 50.0),
        "trend_pct_per_week": Threshold(
            0.5, "growth of the late-run GCT rise (% per week) that counts", "fitglute design choice", 0.05, 10.0
        ),
        "lookback_days": Threshold(730.0, "injuries older than this are not counted", "fitglute", 30.0, 3650.0),
        "min_baseline_runs": Threshold(5.0, "runs for an own baseline", "fitglute design choice", 2.0, 50.0),
        "baseline_runs": Threshold(20.0, "most recent runs forming the baseline", "fitglute design choice", 3.0, 200.0),
        "baseline_days": Threshold(365.0, "days looked back for the baseline", "fitglute design choice", 30.0, 3650.0),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_same_side,
    summary="A logged hamstring/calf/achilles/glute injury on a side AND this run's signals pointing to that side.",
    stage=1,
)


# --------------------------------------------------------------------------- acute-chronic-load


def check_acute_chronic(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = _context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    if not history.before(cur.start):
        return NotAssessed(NO_HISTORY)
    chronic_days = th["chronic_days"]
    span = (cur.start - (history.first_start or cur.start)) / DAY_S
    if span < chronic_days - 7:
        return NotAssessed(f"needs {chronic_days:.0f} days of history (have {span:.0f})")
    chronic_runs = [*history.before(cur.start, chronic_days), cur]
    acute_runs = [*history.before(cur.start, th["acute_days"]), cur]
    unit = _load_unit(chronic_runs)
    acute = sum(_load(r, unit) for r in acute_runs)
    chronic = sum(_load(r, unit) for r in chronic_runs) * th["acute_days"] / chronic_days
    if chronic <= 0:
        return NotAssessed("no load recorded in the chronic window")
    ratio = acute / chronic
    if ratio <= th["ratio_notable"]:
        return []
    size = min(1.0, 0.5 + 0.5 * (ratio - th["ratio_notable"]) / max(th["ratio_strong"] - th["ratio_notable"], 1e-9))
    conf = GRADE_WEIGHT[ACUTE_CHRONIC.evidence.grade] * th["info_weight"] * size
    msg = (
        f"For information: your last {th['acute_days']:.0f} days ({_fmt_load(acute, unit)}) were {ratio:.2f}× your "
        f"average {th['acute_days']:.0f} days of the last {chronic_days:.0f} ({_fmt_load(chronic, unit)}). The "
        "acute:chronic workload ratio is contested (several critiques 2019–2022), so fitglute shows it but does "
        "not judge on it."
    )
    action = "No action on this alone; if it coincides with a load spike or soreness, ease off for a few days."
    values = {"ratio": round(ratio, 2), "acute": round(acute, 1), "chronic": round(chronic, 1), "unit": unit}
    return [ACUTE_CHRONIC.finding(ctx, side="none", confidence=conf, message=msg, action=action, values=values)]


ACUTE_CHRONIC = Rule(
    id="acute-chronic-load",
    title="Acute:chronic load (information only)",
    evidence=Evidence("C", "acute:chronic workload ratio — contested (several critiques 2019–2022)"),
    needs=("distance or duration", "history"),
    thresholds={
        "acute_days": Threshold(7.0, "days of the acute window", "Gabbett 2016 (contested)", 3.0, 14.0),
        "chronic_days": Threshold(28.0, "days of the chronic window", "Gabbett 2016 (contested)", 14.0, 84.0),
        "ratio_notable": Threshold(
            1.3, "ratio shown above", "upper end of the 0.8–1.3 'sweet spot' (contested)", 1.0, 3.0
        ),
        "ratio_strong": Threshold(2.0, "ratio counted as strong", "fitglute design choice", 1.1, 5.0),
        "info_weight": Threshold(
            0.5, "multiplier keeping it informational", "evidence.md: show as information only", 0.0, 1.0
        ),
    },
    check=check_acute_chronic,
    summary="This week's load against the 4-week average; information only, never a risk claim.",
    stage=1,
)

RULES = (LOAD_SPIKE, PERSISTENT_BIAS, SAME_SIDE, ACUTE_CHRONIC)
#: rules a stored run can be re-judged with from its summary (plus the composite that reads them)
REJUDGED = frozenset({r.id for r in RULES} | {"posterior-chain-overload"})
