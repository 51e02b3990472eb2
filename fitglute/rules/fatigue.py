"""Within-run fatigue: late-run changes at matched speed (Meyer 2021; Clermont 2019)."""

from __future__ import annotations

from fitglute.rules.common import MIN_CLEAN, no_dynamics_reason, sensor_words, too_little_data, uneven_pace_reason
from fitglute.rules.confidence import GRADE_WEIGHT, data_quality, strength
from fitglute.rules.engine import Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold

# channel -> (direction that signals fatigue, notable threshold key, strong threshold key, label)
SIGNALS = {
    "gct_ms": (+1, "gct_rise_pct", "gct_strong_pct", "ground contact time"),
    "vertical_oscillation_mm": (+1, "vo_rise_pct", "vo_strong_pct", "vertical oscillation"),
    "vertical_ratio_pct": (+1, "vo_rise_pct", "vo_strong_pct", "vertical ratio"),
    "cadence_spm": (-1, "cadence_fall_pct", "cadence_strong_pct", "cadence"),
    "step_length_mm": (-1, "step_fall_pct", "step_strong_pct", "step length"),
}
# Channels that are one signal at matched speed, so they count once toward agreement:
# vertical ratio = VO / step length, and step length = speed / cadence.
GROUPS = {
    "gct_ms": "contact",
    "vertical_oscillation_mm": "bounce",
    "vertical_ratio_pct": "bounce",
    "cadence_spm": "stride",
    "step_length_mm": "stride",
}


def check_fatigue(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    m = ctx.metrics
    if m.dynamics_source == "none":
        return NotAssessed(no_dynamics_reason(ctx))
    if (paced := uneven_pace_reason(m.flags)) is not None:
        return NotAssessed(paced)
    if (gap := too_little_data(ctx, th)) is not None:
        return gap
    if not m.drift:
        return NotAssessed("not enough clean running in the first and last thirds to compare")
    hits: list[tuple[str, float, float]] = []  # (channel, change %, strength)
    for key, (sign, notable, strong, _label) in SIGNALS.items():
        d = m.drift.get(key)
        if d is None:
            continue
        effect = sign * d.change
        near = min(sign * d.low, sign * d.high)
        s = strength(effect, near, th[notable], th[strong])
        if s > 0:
            hits.append((key, float(d.change), s))
    # GCT is the primary signal; without it, two independent groups must agree
    groups = {GROUPS[k] for k, _c, _s in hits}
    if "contact" not in groups and len(groups) < 2:
        return []
    best = max(h[2] for h in hits)
    s = min(1.0, best + th["agreement_bonus"] * (len(groups) - 1))
    indoor = bool({"treadmill", "indoor"} & set(m.flags))
    matched = not indoor and m.speed_change_pct is not None and m.drift[hits[0][0]].speed_adjusted
    # a change at unmatched speed may be pace: it cannot be as clear as one at matched speed
    clarity = data_quality(m, ("gct_ms",)) * s * (1.0 if matched else th["unmatched_speed_weight"])
    conf = GRADE_WEIGHT[FATIGUE.evidence.grade] * clarity
    side = "both"
    bal = m.drift.get("gct_balance_left_pct")
    if bal is not None and (bal.low > th["side_drift_pts"] or bal.high < -th["side_drift_pts"]):
        side = "left" if bal.change > 0 else "right"
    seen = ", ".join(f"{SIGNALS[k][3]} {c:+.1f} %" for k, c, _ in hits)
    if indoor:
        speed_note = (
            "Speed could not be matched: indoors the watch's speed is an estimate (wrist or foot pod), "
            "so part of this may be pace."
        )
    elif matched:
        speed_note = (
            f"Your speed changed {m.speed_change_pct:+.1f} % between the thirds; the comparison is at matched speed."
        )
    else:
        speed_note = "Speed could not be matched (no speed data), so part of this may be pace."
    if "brick" in m.flags:
        speed_note += " This run came straight off the bike, so its first third was not on fresh legs."
    side_note = (
        f" Its balance reading also shifted {bal.change:+.1f} points toward the {side} foot late in the run."
        if side in ("left", "right") and bal is not None
        else ""
    )
    msg = (
        f"Late in the run, compared with the first third (its warm-up left out), "
        f"your {sensor_words(m.dynamics_source)} measured: "
        f"{seen}. {speed_note}{side_note} Within-run fatigue studies see contact lengthen and stride shorten "
        "as runners tire (Meyer 2021; Clermont 2019); which muscles tire cannot be seen from the sensor."
    )
    action = (
        "Build fatigue resistance gradually: keep long runs easy, and add strength work for both legs "
        "(hip thrusts, single-leg calf raises) twice a week."
    )
    # keyed with the unit of the change (% or pts), so the key is never read as a level in ms
    values = {f"{k}_change_{'pts' if m.drift[k].unit == 'pts' else 'pct'}": round(c, 2) for k, c, _ in hits}
    if bal is not None:
        values["balance_drift_pts"] = round(float(bal.change), 2)
    if m.speed_change_pct is not None:
        values["speed_change_pct"] = round(float(m.speed_change_pct), 2)
    return [
        FATIGUE.finding(ctx, side=side, confidence=conf, message=msg, action=action, values=values, clarity=clarity)
    ]


def _t(value: float, what: str, lo: float = 0.1, hi: float = 50.0) -> Threshold:
    return Threshold(value, what, "Meyer 2021; Clermont 2019 (direction); size: fitglute validity sweep", lo, hi)


FATIGUE = Rule(
    id="fatigue-drift",
    title="Late-run fatigue drift at matched speed",
    evidence=Evidence("B", "Meyer 2021; Clermont 2019 (within-run fatigue); speed correction: Zandbergen 2023"),
    needs=("gct_ms", "speed_mps"),
    thresholds={
        "gct_rise_pct": _t(3.0, "GCT rise (%) in the last third that counts as notable"),
        "gct_strong_pct": _t(8.0, "GCT rise (%) that counts as strong"),
        "vo_rise_pct": _t(4.0, "vertical oscillation / ratio rise (%) that counts as notable"),
        "vo_strong_pct": _t(10.0, "vertical oscillation / ratio rise (%) that counts as strong"),
        "cadence_fall_pct": _t(2.0, "cadence fall (%) that counts as notable"),
        "cadence_strong_pct": _t(5.0, "cadence fall (%) that counts as strong"),
        "step_fall_pct": _t(3.0, "step length fall (%) that counts as notable"),
        "step_strong_pct": _t(8.0, "step length fall (%) that counts as strong"),
        "agreement_bonus": Threshold(
            0.1, "strength added per further agreeing, independent channel group", "fitglute design choice", 0.0, 0.5
        ),
        "side_drift_pts": Threshold(
            0.5,
            "balance drift (points) that the drift's 95 % interval must clear for a side-specific finding",
            "fitglute design choice: ≈ 2.4 SD of the balance drift of a clean 40-min run (0.2 pts)",
            0.1,
            5.0,
        ),
        "unmatched_speed_weight": Threshold(
            0.5,
            "weight on a drift whose speed could not be matched (treadmill, indoor, no speed data)",
            "fitglute design choice: on block-shuffled real runs every false alarm at confidence >= 0.3 was a "
            "treadmill drift at unmatched speed (benchmarks/validity_real.py)",
            0.0,
            1.0,
        ),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_fatigue,
    summary="Late-run rise in GCT / vertical oscillation or fall in cadence / step length at matched speed.",
    signal_group="within-run fatigue",
    sizing=(
        "GCT rise 0.5 just past +3 %, 1.0 at +8 % (cadence fall 2→5 %, VO rise 4→10 %, step fall 3→8 %; sizes "
        "from fitglute's validity sweep, direction from Meyer 2021 / Clermont 2019), +0.1 per further agreeing "
        "channel group"
    ),
)

RULES = (FATIGUE,)
