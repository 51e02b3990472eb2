"""Same-side recurrence: a logged posterior-chain injury plus this run's signals pointing to that side.

A previous injury is the most consistent predictor of the next one; the side signals are the
run's balance bias (against 50 % or the runner's own baseline) and a late-run balance shift.
"""

from __future__ import annotations

import statistics
from typing import Any

from fitglute.model.hints import LOG_INJURY
from fitglute.model.history import POSTERIOR_CHAIN, History, RunSummary
from fitglute.model.times import DAY_S
from fitglute.rules.asymmetry import biased_side, sensor_baseline
from fitglute.rules.common import MIN_CLEAN, history_context
from fitglute.rules.confidence import GRADE_WEIGHT
from fitglute.rules.engine import STAGE_HISTORY, Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold
from fitglute.rules.zones import BALANCE_GREEN_PTS

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
        if r.sensor == cur.sensor and r.drift_gct is not None and not {"intervals", "variable-pace"} & set(r.flags)
    ]
    if len(runs) < th["trend_min_runs"] or runs[-1].start - runs[0].start < 14 * DAY_S:
        return None
    weeks = [(r.start - runs[0].start) / (7 * DAY_S) for r in runs]
    drifts = [float(r.drift_gct or 0.0) for r in runs]
    return statistics.linear_regression(weeks, drifts).slope


def window_words(days: float) -> str:
    """``730`` → "2-year", ``90`` → "90-day"."""
    years = days / 365
    return f"{years:.0f}-year" if years >= 1 and abs(years - round(years)) < 0.05 else f"{days:.0f}-day"


def check_same_side(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = history_context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    today = cur.day
    logged = [i for i in history.injuries if i.site in POSTERIOR_CHAIN and i.date <= today]
    injuries = [i for i in logged if (today - i.date).days <= th["lookback_days"]]
    if not injuries and logged:
        last = max(logged, key=lambda i: i.date)
        return NotAssessed(
            f"your last {last.site} injury ({last.date.isoformat()}) is outside the "
            f"{window_words(th['lookback_days'])} window this rule looks back"
        )
    if not injuries:
        return NotAssessed("no hamstring, calf, achilles or glute injury in your log", LOG_INJURY)
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
        f"sensor readings on the same side: {'; '.join(seen)}. A previous injury is the most consistent "
        "predictor of the next one (many cohort studies); the sensor readings are estimates whose side says "
        "little on its own (Malisoux 2024). A reason for care, not a diagnosis."
    )
    action = (
        f"Protect the {side} {injury.site}: hold long and fast runs steady for a while and keep strength work "
        "for both legs; a side-to-side strength test, logged, says whether one side needs extra work; ask a "
        "physiotherapist to assess it if it recurs."
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
            BALANCE_GREEN_PTS,
            "points off 50 % (or the own baseline) that count as a bias",
            "Garmin green band", 0.1, 10.0
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
    stage=STAGE_HISTORY,
    signal_group="injury history",
    measured_by="injury log",
    sizing="0.5 for one same-side sensor reading, + 0.25 per further one; × recency (full for a year, to 0.5 at 2)",
)

RULES = (SAME_SIDE,)
