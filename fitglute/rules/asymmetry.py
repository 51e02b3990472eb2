"""Persistent left/right bias against the runner's own per-sensor baseline.

Baselines are per sensor (a chest strap and a pod read different levels) and built from flat,
outdoor, long-enough runs only; the recent runs judged stay out of their own reference.
"""

from __future__ import annotations

import statistics

from fitglute.model.hints import IMPORT_HISTORY
from fitglute.model.history import Baseline, History, RunSummary, baseline_of
from fitglute.model.times import DAY_S
from fitglute.rules.common import MIN_CLEAN, NO_HISTORY, history_context
from fitglute.rules.confidence import GRADE_WEIGHT
from fitglute.rules.engine import STAGE_HISTORY, Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold
from fitglute.rules.zones import BALANCE_GREEN_PTS, BALANCE_ORANGE_PTS

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
    got = history_context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    if not history.any_before(cur.start):
        return NotAssessed(NO_HISTORY, IMPORT_HISTORY)
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
        f"In {len(same)} of your last {window} comparable runs on this sensor ({cur.sensor}) the balance "
        f"showed a longer ground contact on the {side} than your own baseline ({base.median:.1f} % left, "
        f"from {base.runs} earlier runs): this run {cur.balance:.1f} % left. A reading that persists run "
        "after run is more than noise, but it is a sensor estimate, and in 836 runners left/right asymmetry "
        "neither predicted injury nor differed on the leg later injured (Malisoux 2024); the longer-contact "
        "side is not necessarily the weaker one."
    )
    action = (
        "Keep an eye on it, with no exercise side from this alone: a side-to-side strength test (single-leg heel "
        "raise, single-leg bridge), logged, says which side needs extra work; if pain appears, see a physiotherapist."
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
        "baseline comparison: fitglute design (sensors differ in level, Drobnič et al. 2023: a runner "
        "is compared with himself on one sensor)",
    ),
    needs=("gct_balance_left_pct", "history"),
    thresholds={
        "window_runs": Threshold(
            5.0, "recent comparable runs looked at", "fitglute design choice: ≥ 3 of the last 5", 2.0, 20.0
        ),
        "min_runs": Threshold(
            3.0, "biased runs among them needed", "fitglute design choice: ≥ 3 of the last 5", 1.0, 20.0
        ),
        "notable_pts": Threshold(
            BALANCE_GREEN_PTS,
            "minimum points off the baseline (interval must clear it)",
            "Garmin green band half-width (49.3–50.7 % L)",
            0.1,
            10.0,
        ),
        "strong_pts": Threshold(
            BALANCE_ORANGE_PTS, "points off the baseline counted as strong", "Garmin red band", 0.2, 15.0
        ),
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
    stage=STAGE_HISTORY,
    signal_group="persistent asymmetry",
    sizing=(
        "0.5 at 3 of the last 5 runs just past the band, + up to 0.25 for more runs, + up to 0.25 for the size "
        "(band = max(Garmin's green half-width 0.7 pts, 2 × your own run-to-run spread))"
    ),
)

RULES = (PERSISTENT_BIAS,)
