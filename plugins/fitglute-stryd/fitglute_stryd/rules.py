"""Stryd rules: late-run leg-spring-stiffness fall, form-power-ratio rise, GCT source check.

All three use the core's clean-running frame (:func:`fitglute.dynamics.describe_channel`): the
late-vs-early change is the coefficient of "last third" in a regression on log speed, with a
1-minute block-bootstrap 95 % interval, so a slower finish does not look like fatigue. A finding
needs the interval to clear the rule's "notable" threshold; confidence is the engine's formula
(grade weight × data quality × strength) with the Stryd pod as the sensor (footpod, 0.9).

Rule ids are public. ``lss-drop`` and ``form-power-ratio-rise`` declare the signal group
"within-run fatigue" (the same evidence as the chest strap's GCT drift, so
``posterior-chain-overload`` counts them once); ``gct-source-disagreement`` is a data-quality
note and declares none.
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
    describe_channel,
    quality,
    strength,
    too_little_data,
    uneven_pace_reason,
)

STRYD_SENSOR = "footpod"  # engine.SENSOR_QUALITY: a foot pod is 0.9


def sensor_quality(ctx: RuleContext, stats: Any) -> float:
    """The engine's data quality with the Stryd pod as the sensor, times the channel's coverage.

    ``data_quality`` reads the sensor from ``metrics.dynamics_source`` (the *native* dynamics),
    which is "none" on a Stryd-only file; here the pod is the sensor that measured the channel.
    """
    m = ctx.metrics
    cover = 1.0 if stats is None else min(1.0, stats.coverage)
    return quality(m.clean_running_s, (), STRYD_SENSOR, m.flags) * cover


def describe(ctx: RuleContext, key: str) -> tuple[Any, Any]:
    """Stats and matched-speed drift of a channel: the analysis' own, else computed here."""
    m = ctx.metrics
    if key in m.channels:
        return m.channels[key], m.drift.get(key)
    x = ctx.run.channels.get(key)
    if x is None or getattr(m, "frame", None) is None:
        return None, None
    from fitglute_stryd import channel_specs

    spec = channel_specs()[key]
    return describe_channel(x, m.frame, spec.plausible, log_scale=spec.log_scale)


def _missing(ctx: RuleContext, key: str, what: str) -> NotAssessed | None:
    if ctx.run.has(key):
        return None
    from fitglute_stryd.fields import identify

    if identify(ctx.run).found:
        return NotAssessed(f"this Stryd recording has no {what}")
    return NotAssessed(f"no Stryd {what} in this file")


def _speed_note(ctx: RuleContext, drift: Any) -> str:
    m = ctx.metrics
    if drift.speed_adjusted:
        moved = f" (your speed changed {m.speed_change_pct:+.1f} % between them)" if m.speed_change_pct else ""
        return f"The comparison is at matched speed{moved}."
    return "Speed could not be matched (indoor or no speed data), so part of this may be pace."


def _drift_rule(
    ctx: RuleContext, th: dict[str, float], key: str, what: str, sign: int
) -> tuple[Any, Any, float] | NotAssessed:
    """Shared checks of a late-run drift rule → (stats, drift, strength) or NotAssessed."""
    if (gap := _missing(ctx, key, what)) is not None:
        return gap
    m = ctx.metrics
    if (paced := uneven_pace_reason(m.flags)) is not None:
        return NotAssessed(paced)
    if (gap := too_little_data(ctx, th)) is not None:
        return gap
    stats, drift = describe(ctx, key)
    if drift is None:
        return NotAssessed(f"not enough clean, flat running with {what} in the first and last thirds")
    effect = sign * drift.change
    near = min(sign * drift.low, sign * drift.high)
    return stats, drift, strength(effect, near, th["notable_pct"], th["strong_pct"])


# --------------------------------------------------------------------------- lss-drop


def check_lss(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    out = _drift_rule(ctx, th, "leg_spring_stiffness", "leg spring stiffness", -1)
    if isinstance(out, NotAssessed):
        return out
    stats, d, s = out
    if s <= 0:
        return []
    clarity = sensor_quality(ctx, stats) * s
    if not d.speed_adjusted:
        clarity *= th["unmatched_weight"]
    conf = GRADE_WEIGHT[LSS_DROP.evidence.grade] * clarity
    msg = (
        f"Your Stryd pod's leg spring stiffness fell {-d.change:.1f} % in the last third of clean running "
        f"compared with the first (95 % interval {-d.high:.1f} to {-d.low:.1f} %; mean {stats.mean:.1f} kN/m). "
        f"{_speed_note(ctx, d)} Leg stiffness falls with fatigue within a run in lab studies (Meyer 2021; "
        "Clermont 2019), but Stryd's LSS is the pod's own proprietary model, checked against force plates in "
        "6 runners only: a fatigue clue, not a measurement of your legs."
    )
    action = (
        "Keep long runs easy and progress them gradually; twice a week add work that builds lasting "
        "stiffness — pogo hops or skipping, single-leg calf raises, hip thrusts. Compare stiffness only "
        "with your own runs at the same pace and shoes: its level depends on body mass."
    )
    values = {
        "lss_change_pct": round(d.change, 2),
        "ci": [round(d.low, 2), round(d.high, 2)],
        "lss_mean_kn_m": round(stats.mean, 2),
        "speed_adjusted": d.speed_adjusted,
    }
    return [
        LSS_DROP.finding(
            ctx, side="both", confidence=float(conf), message=msg, action=action, values=values, clarity=clarity
        )
    ]


LSS_DROP = Rule(
    id="lss-drop",
    title="Late-run fall in leg spring stiffness (Stryd)",
    evidence=Evidence(
        "C",
        "Stryd LSS is a proprietary model: agreed with force plates in 6 runners at 8–19 km/h, Imbach et al. "
        "2020 (small sample); leg stiffness falls with fatigue in the lab: Meyer 2021, Clermont 2019 (B); "
        "compare LSS with yourself at a given speed: Stryd blog 2019",
    ),
    needs=("leg_spring_stiffness", "speed_mps"),
    thresholds={
        "notable_pct": Threshold(
            3.0,
            "LSS fall (%) in the last third at matched speed that counts as notable",
            "fitglute design choice, mirrors fatigue-drift's GCT rise (3 %)",
            0.5,
            50.0,
        ),
        "strong_pct": Threshold(
            8.0,
            "LSS fall (%) that counts as strong",
            "fitglute design choice, mirrors fatigue-drift's GCT rise (8 %)",
            1.0,
            80.0,
        ),
        "unmatched_weight": Threshold(
            0.7,
            "multiplier when speed cannot be matched (treadmill, no speed)",
            "fitglute design choice: LSS rises with speed",
            0.0,
            1.0,
        ),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_lss,
    summary="Stryd leg spring stiffness falls late in the run at matched speed (95 % interval past 3 %).",
    signal_group="within-run fatigue",
    measured_by="Stryd pod",
    sizing="0.5 just past a 3 % fall, 1.0 at 8 % (mirrors fatigue-drift's GCT sizes); × 0.7 with speed unmatched",
)


# --------------------------------------------------------------------------- form-power-ratio-rise


def check_form_ratio(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    out = _drift_rule(ctx, th, "form_power_ratio_pct", "form power and power", +1)
    if isinstance(out, NotAssessed):
        return out
    stats, d, s = out
    if s <= 0:
        return []
    clarity = sensor_quality(ctx, stats) * s
    if not d.speed_adjusted:
        clarity *= th["unmatched_weight"]
    conf = GRADE_WEIGHT[FORM_RATIO.evidence.grade] * clarity
    msg = (
        f"Your form power took a larger share of your Stryd power late in the run: the form-power ratio "
        f"(mean {stats.mean:.1f} %) rose {d.change:.1f} % in the last third compared with the first "
        f"(95 % interval {d.low:.1f} to {d.high:.1f} %). {_speed_note(ctx, d)} Stryd reads a rising share "
        "as less economical form; no peer-reviewed study ties this ratio to fatigue or injury."
    )
    action = (
        "Late in long runs, think 'quick and light': slightly shorter, quicker steps. Hip and calf "
        "strength work twice a week helps keep form as you tire."
    )
    values = {
        "form_power_ratio_change_pct": round(d.change, 2),
        "ci": [round(d.low, 2), round(d.high, 2)],
        "form_power_ratio_mean_pct": round(stats.mean, 2),
        "speed_adjusted": d.speed_adjusted,
    }
    return [
        FORM_RATIO.finding(
            ctx, side="both", confidence=float(conf), message=msg, action=action, values=values, clarity=clarity
        )
    ]


FORM_RATIO = Rule(
    id="form-power-ratio-rise",
    title="Form power ratio rises late in the run (Stryd)",
    evidence=Evidence(
        "C",
        "Stryd: form power ÷ power as an efficiency indicator (a fall at matched speed = better economy); "
        "no peer-reviewed link to fatigue or injury",
    ),
    needs=("form_power", "stryd_power_w", "speed_mps"),
    thresholds={
        "notable_pct": Threshold(
            3.0,
            "relative rise (%) of the ratio in the last third that counts as notable",
            "fitglute design choice (no published threshold)",
            0.5,
            50.0,
        ),
        "strong_pct": Threshold(
            10.0,
            "relative rise (%) that counts as strong",
            "fitglute design choice (no published threshold)",
            1.0,
            80.0,
        ),
        "unmatched_weight": Threshold(
            0.7, "multiplier when speed cannot be matched", "fitglute design choice", 0.0, 1.0
        ),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_form_ratio,
    summary="Form power ÷ power rises late in the run at matched speed (95 % interval past 3 %).",
    signal_group="within-run fatigue",
    measured_by="Stryd pod",
    sizing="0.5 just past a 3 % rise, 1.0 at 10 % (no published threshold); × 0.7 with speed unmatched",
)


# --------------------------------------------------------------------------- gct-source-disagreement


def check_gct_sources(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    run, m = ctx.run, ctx.metrics
    if not run.has("stryd_gct_ms"):
        return NotAssessed("no Stryd ground time in this file")
    if not run.has("gct_ms"):
        return NotAssessed("only one ground-contact-time source (no chest strap, pod or wrist GCT beside Stryd's)")
    frame = getattr(m, "frame", None)
    if frame is None:
        return NotAssessed("no clean-running frame")
    from fitglute_stryd import channel_specs

    chest, pod = run.channels["gct_ms"], run.channels["stryd_gct_ms"]
    lo_p, hi_p = channel_specs()["stryd_gct_ms"].plausible
    with np.errstate(invalid="ignore"):
        sel = frame.running & (chest >= 120.0) & (chest <= 450.0) & (pod >= lo_p) & (pod <= hi_p)
    if frame.w[sel].sum() < th["min_both_s"]:
        return NotAssessed(f"only {frame.w[sel].sum() / 60:.0f} min with both GCT sources")
    ratio = block_bootstrap_mean(np.log(pod[sel] / chest[sel]), frame.w[sel], frame.blocks[sel])
    if ratio is None:
        return NotAssessed("too few minutes with both GCT sources for an interval")
    est, lo, hi = ((np.exp(v) - 1.0) * 100.0 for v in (ratio.estimate, ratio.low, ratio.high))
    near = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
    s = strength(abs(est), near, th["notable_pct"], th["strong_pct"])
    if s <= 0:
        return []
    w = frame.w[sel]
    chest_mean = float(np.average(chest[sel], weights=w))
    pod_mean = float(np.average(pod[sel], weights=w))
    native = {"chest": "chest strap", "pod": "running-dynamics pod", "watch": "watch"}.get(
        m.dynamics_source, m.dynamics_source
    )
    clarity = sensor_quality(ctx, None) * s
    conf = th["info_weight"] * GRADE_WEIGHT[GCT_SOURCES.evidence.grade] * clarity
    msg = (
        f"Two sensors measured your ground contact time and disagree: {native} {chest_mean:.0f} ms, "
        f"Stryd pod {pod_mean:.0f} ms ({est:+.1f} %, 95 % interval {lo:+.1f} to {hi:+.1f} %) over the "
        f"same {w.sum() / 60:.0f} min. fitglute keeps them apart instead of mixing them: the Garmin "
        "dynamics rules use the native GCT, the Stryd rules the pod's. A level difference between a "
        "torso and a foot sensor is expected; it says nothing about you."
    )
    action = "Nothing to do; compare each sensor only with its own earlier runs."
    values = {
        "native_gct_ms": round(chest_mean, 1),
        "stryd_gct_ms": round(pod_mean, 1),
        "difference_pct": round(est, 2),
        "ci": [round(lo, 2), round(hi, 2)],
        "native_source": m.dynamics_source,
    }
    return [
        GCT_SOURCES.finding(
            ctx, side="none", confidence=float(conf), message=msg, action=action, values=values, clarity=clarity
        )
    ]


GCT_SOURCES = Rule(
    id="gct-source-disagreement",
    title="Stryd and chest-strap ground contact times disagree (sources kept apart)",
    evidence=Evidence(
        "C",
        "fit-running-fields.md §4: agreement of Stryd and chest-strap GCT is unverified, don't mix the "
        "sources; Stryd GCT vs force plates: Imbach et al. 2020 (n=6)",
    ),
    needs=("gct_ms", "stryd_gct_ms"),
    thresholds={
        "notable_pct": Threshold(
            3.0, "difference (%) of the two sources that is worth reporting", "fitglute design choice", 0.5, 50.0
        ),
        "strong_pct": Threshold(10.0, "difference (%) reported as large", "fitglute design choice", 1.0, 80.0),
        "info_weight": Threshold(0.5, "multiplier keeping this note informational", "fitglute design choice", 0.0, 1.0),
        "min_both_s": Threshold(
            300.0, "minimum running time (s) with both sources", "fitglute design choice", 60.0, 36000.0
        ),
    },
    check=check_gct_sources,
    summary="Informational: the native (chest/pod/wrist) GCT and Stryd's differ; both means reported, never mixed.",
    measured_by="Stryd pod",
    sizing="0.5 just past a 3 % difference, 1.0 at 10 %; × info_weight 0.5",
)

RULES = (LSS_DROP, FORM_RATIO, GCT_SOURCES)
