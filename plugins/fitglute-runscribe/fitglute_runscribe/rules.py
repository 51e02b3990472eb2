"""RunScribe rules: one foot's contact time or braking consistently higher than the other's.

RunScribe puts a pod on each shoe, so left and right are *measured*, not inferred: a chest strap's
GCT balance is reconstructed from torso motion. The pods' better data shows in the signal
clarity (sensor quality 1.0), not in the evidence: left/right asymmetry did not predict injury in
836 recreational runners (Malisoux et al. 2024), so contact asymmetry is grade C with the same 0.7
weight as ``gct-balance-bias``. When the chest strap's balance is in the same run, both sides are
shown, and the pods claim no side when the two disagree.

Method: on clean, flat running samples where both feet were recorded, the per-sample difference
(L − R) / mean(L, R) × 100 is averaged with 1-minute block-bootstrap 95 % intervals
(:func:`fitglute.dynamics.block_bootstrap_mean` on the core's frame: weights and blocks). A
finding needs the interval to clear the notable threshold; its side is the foot with the higher
value. Both declare a signal group ("contact asymmetry" — the same evidence as the chest strap's
balance — and "braking asymmetry"), which ``posterior-chain-overload`` reads to count each kind
of evidence once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fitglute.api import (
    GRADE_WEIGHT,
    MIN_CLEAN,
    Evidence,
    Finding,
    NotAssessed,
    Rule,
    RuleContext,
    Threshold,
    block_bootstrap_mean,
    quality,
    strength,
)

RUNSCRIBE_SENSOR = "pod"  # engine.SENSOR_QUALITY: a dedicated sensor per foot, 1.0


def pod_quality(ctx: RuleContext, coverage: float) -> float:
    """The engine's data quality with the RunScribe pods as the sensor, times their coverage.

    ``data_quality`` takes the sensor from ``metrics.dynamics_source`` (the native dynamics),
    which may be "none" or "watch" although the pods measured every step.
    """
    m = ctx.metrics
    return quality(m.clean_running_s, (), RUNSCRIBE_SENSOR, m.flags) * min(1.0, coverage)


#: a metric in words, for reasons (never an internal channel name)
METRIC_WORDS = {"contact": "contact time", "braking": "braking"}


def _missing(ctx: RuleContext, metric: str, left: str, right: str) -> NotAssessed | None:
    run = ctx.run
    if run.has(left) and run.has(right):
        return None
    from fitglute_runscribe.fields import identify

    what = METRIC_WORDS.get(metric, metric)
    src = identify(run)
    if not (run.has(left) or run.has(right)) and src.averages:
        return NotAssessed(
            "single-pod RunScribe recording: it writes the average of both feet, so left and right cannot "
            "be compared"
        )
    if run.has(left) or run.has(right):
        return NotAssessed("RunScribe recorded only one foot")
    if left in src.fields or right in src.fields:
        return NotAssessed("the RunScribe fields are in the file but the pods recorded nothing")
    if src.found:
        return NotAssessed(f"this RunScribe recording has no per-foot {what}")
    return NotAssessed("no RunScribe per-foot data in this file")


def chest_side(ctx: RuleContext) -> tuple[str | None, float | None]:
    """The chest strap's (or pod's) balance side in the same run, when its interval clears 50 %.

    Two sensors measuring one thing are shown side by side; when their sides differ the pods' finding
    claims no side (the core's :func:`fitglute.rules.engine.reconcile_sides` does the same for both
    findings when both fire).
    """
    b = getattr(ctx.metrics, "balance", None)
    if b is None:
        return None, None
    if b.low > 50.0:
        return "left", b.estimate
    if b.high < 50.0:
        return "right", b.estimate
    return None, b.estimate


def asymmetry(ctx: RuleContext, th: dict[str, float], metric: str) -> tuple[dict[str, Any], float] | NotAssessed:
    """Block-bootstrap L−R difference (% of the two feet's mean) of a per-foot metric."""
    from fitglute_runscribe import METRICS

    base, _unit, plausible, _log, _what = METRICS[metric]
    left, right = f"{base}_left", f"{base}_right"
    if (gap := _missing(ctx, metric, left, right)) is not None:
        return gap
    m = ctx.metrics
    frame = getattr(m, "frame", None)
    if frame is None:
        return NotAssessed("no clean-running frame")
    lo, hi = plausible
    xl, xr = ctx.run.channels[left], ctx.run.channels[right]
    with np.errstate(invalid="ignore"):
        both = frame.running & (xl >= lo) & (xl <= hi) & (xr >= lo) & (xr <= hi)
    sel = both & frame.flat
    minutes = float(frame.w[sel].sum()) / 60.0
    if minutes * 60.0 < th["min_clean_s"]:
        need = th["min_clean_s"] / 60
        return NotAssessed(f"only {minutes:.0f} min of clean, flat running with both feet recorded (needs {need:.0f})")
    w = frame.w[sel]
    diff = (xl[sel] - xr[sel]) / ((xl[sel] + xr[sel]) / 2.0) * 100.0
    iv = block_bootstrap_mean(diff, w, frame.blocks[sel])
    if iv is None:
        return NotAssessed("too few minutes with both feet recorded for an interval")
    near = 0.0 if iv.low <= 0.0 <= iv.high else min(abs(iv.low), abs(iv.high))
    s = strength(abs(iv.estimate), near, th["notable_pct"], th["strong_pct"])
    info = {
        "estimate": iv.estimate,
        "low": iv.low,
        "high": iv.high,
        "left": float(np.average(xl[sel], weights=w)),
        "right": float(np.average(xr[sel], weights=w)),
        "minutes": minutes,
        "coverage": float(frame.w[both].sum() / frame.clean_s) if frame.clean_s else 0.0,
        "side": "left" if iv.estimate > 0 else "right",
    }
    return info, s


def _values(a: dict[str, Any], unit_key: str, nd: int) -> dict[str, Any]:
    return {
        f"left_{unit_key}": round(a["left"], nd),
        f"right_{unit_key}": round(a["right"], nd),
        "difference_pct": round(a["estimate"], 2),
        "ci": [round(a["low"], 2), round(a["high"], 2)],
        "flat_running_min": round(a["minutes"], 1),
    }


# --------------------------------------------------------------------------- contact time


def check_contact(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    out = asymmetry(ctx, th, "contact")
    if isinstance(out, NotAssessed):
        return out
    a, s = out
    if s <= 0:
        return []
    side = a["side"]
    clarity = pod_quality(ctx, a["coverage"]) * s
    conf = th["per_foot_weight"] * GRADE_WEIGHT[CONTACT.evidence.grade] * clarity
    strap, strap_left = chest_side(ctx)
    torso = "running-dynamics pod" if ctx.metrics.dynamics_source == "pod" else "chest strap"
    if strap_left is None:
        both = ""
    elif strap is None or strap == side:
        both = f" Your {torso}'s balance in the same run: {strap_left:.1f} % left ({strap or 'no clear side'})."
    else:
        both = (
            f" Your {torso}'s balance in the same run points the other way ({strap_left:.1f} % left, {strap}): "
            "the two sensors disagree, so no side is claimed."
        )
        side = "none"
    msg = (
        f"Your RunScribe pods measured a longer ground contact on the {a['side']}: {a['left']:.0f} ms left and "
        f"{a['right']:.0f} ms right, a difference of {abs(a['estimate']):.1f} % (95 % interval "
        f"{a['low']:+.1f} to {a['high']:+.1f} %, positive = left longer) over {a['minutes']:.0f} min of "
        f"clean, flat running.{both} A pod on each shoe gives firmer data than a chest strap's balance, but not "
        "firmer evidence: in 836 runners left/right asymmetry neither predicted injury nor differed on the leg "
        "later injured (Malisoux 2024), and the longer-contact side is not necessarily the weaker one."
    )
    action = (
        "No change needed on this alone, and no side for exercises from it: a side-to-side strength test "
        "(single-leg heel raise, single-leg bridge), logged, says whether one side needs extra work."
    )
    values = _values(a, "ms", 1)
    if strap_left is not None:
        values["chest_balance_left_pct"] = round(strap_left, 2)
    if side == "none":  # both sides, for the engine's reconcile_sides and the reader
        values["sides"] = {"RunScribe pods": a["side"], torso: strap}
    return [
        CONTACT.finding(
            ctx, side=side, confidence=float(conf), message=msg, action=action, values=values, clarity=clarity
        )
    ]


CONTACT = Rule(
    id="runscribe-contact-asymmetry",
    title="One foot's ground contact consistently longer (RunScribe, per foot)",
    evidence=Evidence(
        "C",
        "per-foot pods improve the data, not the evidence: asymmetry did not predict injury nor differ on the "
        "later-injured leg, Malisoux et al. 2024 (prospective, n=836; A against); Garmin's balance–injury hint "
        "is unpublished (C)",
    ),
    needs=("rs_contact_ms_left", "rs_contact_ms_right"),
    thresholds={
        "notable_pct": Threshold(
            3.0,
            "L−R contact-time difference (% of the mean) that counts as notable",
            "Garmin GCT-balance green band (49.3–50.7 % L) as an L−R difference: 2.8 %",
            0.5,
            30.0,
        ),
        "strong_pct": Threshold(
            9.0,
            "L−R difference (%) that counts as strong",
            "Garmin red band (beyond 52.2 % L) as an L−R difference: 8.8 %",
            1.0,
            60.0,
        ),
        "per_foot_weight": Threshold(
            0.7,
            "multiplier keeping an asymmetry-only finding moderate (as gct-balance-bias's alone_weight)",
            "Malisoux 2024: asymmetry alone did not predict injury; the pods' better data is in the clarity",
            0.0,
            1.0,
        ),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_contact,
    summary="RunScribe contact time of one foot consistently longer (95 % interval of L−R past 3 %).",
    signal_group="contact asymmetry",
    measured_by="RunScribe pods",
    sizing="0.5 just past a 3 % L−R difference (Garmin's green band), 1.0 at 9 % (its red band); × 0.7",
)


# --------------------------------------------------------------------------- braking


def check_braking(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    out = asymmetry(ctx, th, "braking")
    if isinstance(out, NotAssessed):
        return out
    a, s = out
    if s <= 0:
        return []
    side = a["side"]
    clarity = pod_quality(ctx, a["coverage"]) * s
    conf = th["per_foot_weight"] * GRADE_WEIGHT[BRAKING.evidence.grade] * clarity
    msg = (
        f"Your RunScribe pods measured harder braking on the {side}: {a['left']:.1f} G left and "
        f"{a['right']:.1f} G right, a difference of {abs(a['estimate']):.1f} % (95 % interval "
        f"{a['low']:+.1f} to {a['high']:+.1f} %, positive = left higher) over {a['minutes']:.0f} min of "
        "clean, flat running. RunScribe's shock measures agree only loosely with lab references, and in 836 "
        "runners more braking asymmetry went with a lower, not higher, injury risk (Malisoux 2024): a "
        "description of this run, not a risk."
    )
    action = "No change needed on this alone; compare with your own runs at a similar pace and shoes."
    values = _values(a, "g", 2)
    return [
        BRAKING.finding(
            ctx, side=side, confidence=float(conf), message=msg, action=action, values=values, clarity=clarity
        )
    ]


BRAKING = Rule(
    id="runscribe-braking-asymmetry",
    title="One foot brakes harder (RunScribe, per foot)",
    evidence=Evidence(
        "C",
        "RunScribe braking Gs (typical 4–13 G: fellrnr/RunScribe); low agreement of RunScribe shock metrics "
        "with lab references (walking, PLOS ONE 2022); more braking asymmetry went with lower risk: "
        "Malisoux et al. 2024",
    ),
    needs=("rs_braking_g_left", "rs_braking_g_right"),
    thresholds={
        "notable_pct": Threshold(
            5.0,
            "L−R braking difference (% of the mean) that counts as notable",
            "fitglute design choice (noisier than contact time; 1/16 G resolution ≈ 1 % of 7 G)",
            0.5,
            50.0,
        ),
        "strong_pct": Threshold(
            15.0, "L−R braking difference (%) that counts as strong", "fitglute design choice", 1.0, 80.0
        ),
        "per_foot_weight": Threshold(
            0.85,
            "multiplier for a per-foot asymmetry (gct-balance-bias uses 0.7 for the chest strap)",
            "direct per-foot measurement; Malisoux 2024: asymmetry alone did not predict injury",
            0.0,
            1.0,
        ),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_braking,
    summary="RunScribe braking Gs of one foot consistently higher (95 % interval of L−R past 5 %).",
    signal_group="braking asymmetry",
    measured_by="RunScribe pods",
    sizing="0.5 just past a 5 % L−R difference, 1.0 at 15 % (fitglute design choice); × 0.85",
)

RULES = (CONTACT, BRAKING)
