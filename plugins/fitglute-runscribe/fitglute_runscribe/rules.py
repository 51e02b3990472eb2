"""RunScribe rules: one foot's contact time or braking consistently higher than the other's.

RunScribe puts a pod on each shoe, so left and right are *measured*, not inferred: a chest strap's
GCT balance is reconstructed from torso motion. These rules therefore carry a per-foot weight of
0.85 where ``gct-balance-bias`` uses 0.7 — still below 1, because left/right asymmetry alone did
not predict injury in 836 recreational runners (Malisoux et al. 2024).

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


def _missing(ctx: RuleContext, left: str, right: str) -> NotAssessed | None:
    run = ctx.run
    if run.has(left) and run.has(right):
        return None
    from fitglute_runscribe.fields import identify

    if run.has(left) or run.has(right):
        return NotAssessed("RunScribe recorded only one foot")
    src = identify(run)
    if left in src.fields or right in src.fields:
        return NotAssessed("the RunScribe fields are in the file but the pods recorded nothing")
    if src.found:
        return NotAssessed(f"this RunScribe recording has no {left.removesuffix('_left')} field")
    return NotAssessed("no RunScribe per-foot data in this file")


def asymmetry(ctx: RuleContext, th: dict[str, float], metric: str) -> tuple[dict[str, Any], float] | NotAssessed:
    """Block-bootstrap L−R difference (% of the two feet's mean) of a per-foot metric."""
    from fitglute_runscribe import METRICS

    base, _unit, plausible, _log, _what = METRICS[metric]
    left, right = f"{base}_left", f"{base}_right"
    if (gap := _missing(ctx, left, right)) is not None:
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
    conf = th["per_foot_weight"] * GRADE_WEIGHT[CONTACT.evidence.grade] * pod_quality(ctx, a["coverage"]) * s
    msg = (
        f"Your {side} foot stayed on the ground longer: RunScribe measured {a['left']:.0f} ms left and "
        f"{a['right']:.0f} ms right, a difference of {abs(a['estimate']):.1f} % (95 % interval "
        f"{a['low']:+.1f} to {a['high']:+.1f} %, positive = left longer) over {a['minutes']:.0f} min of "
        f"clean, flat running. With a pod on each shoe this is a per-foot measurement, firmer than a chest "
        f"strap's balance. Longer contact on the {side} may mean that side does more of the work at "
        f"toe-off — consistent with a hip extensor (glute) on one side contributing less — but an "
        f"asymmetry alone did not predict injury in 836 recreational runners (Malisoux 2024): one clue."
    )
    action = (
        f"Add single-leg glute bridges, step-ups and hip-extension drills with extra sets on the {side}, "
        "2–3 times a week, and see whether the difference shrinks; if pain recurs on that side, see a "
        "physiotherapist."
    )
    values = _values(a, "ms", 1)
    return [CONTACT.finding(ctx, side=side, confidence=float(conf), message=msg, action=action, values=values)]


CONTACT = Rule(
    id="runscribe-contact-asymmetry",
    title="One foot's ground contact consistently longer (RunScribe, per foot)",
    evidence=Evidence(
        "B",
        "per-foot contact time from a pod on each shoe (weighted above chest-strap balance); Garmin: "
        "correlational hint linking poorer balance to injury; asymmetry alone did not predict injury: "
        "Malisoux et al. 2024 (prospective, n=836)",
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
            0.85,
            "multiplier for a per-foot asymmetry (gct-balance-bias uses 0.7 for the chest strap)",
            "direct per-foot measurement; Malisoux 2024: asymmetry alone did not predict injury",
            0.0,
            1.0,
        ),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_contact,
    summary="RunScribe contact time of one foot consistently longer (95 % interval of L−R past 3 %).",
    signal_group="contact asymmetry",
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
    conf = th["per_foot_weight"] * GRADE_WEIGHT[BRAKING.evidence.grade] * pod_quality(ctx, a["coverage"]) * s
    msg = (
        f"Your {side} foot brakes harder at each landing: RunScribe braking {a['left']:.1f} G left and "
        f"{a['right']:.1f} G right, a difference of {abs(a['estimate']):.1f} % (95 % interval "
        f"{a['low']:+.1f} to {a['high']:+.1f} %, positive = left higher) over {a['minutes']:.0f} min of "
        f"clean, flat running. Harder braking on one side fits reaching forward (over-striding) with "
        f"that leg, which loads its hamstring and calf more. RunScribe's shock measures agree only "
        f"loosely with lab references, so treat this as one clue."
    )
    action = (
        f"Try a slightly quicker cadence so the {side} foot lands closer under the hips; add single-leg "
        f"strength work (step-downs, single-leg deadlifts) with extra sets on the {side}."
    )
    values = _values(a, "g", 2)
    return [BRAKING.finding(ctx, side=side, confidence=float(conf), message=msg, action=action, values=values)]


BRAKING = Rule(
    id="runscribe-braking-asymmetry",
    title="One foot brakes harder (RunScribe, per foot)",
    evidence=Evidence(
        "C",
        "RunScribe braking Gs (typical 4–13 G, lower is better: fellrnr/RunScribe); low agreement of "
        "RunScribe shock metrics with lab references (walking, PLOS ONE 2022); no prospective injury link",
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
)

RULES = (CONTACT, BRAKING)
