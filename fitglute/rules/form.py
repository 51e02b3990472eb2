"""Single-run form rules: GCT balance bias and Garmin colour zones."""

from __future__ import annotations

from fitglute.rules import zones
from fitglute.rules.common import (
    MIN_CLEAN,
    no_balance_reason,
    no_dynamics_reason,
    sensor_words,
    side_of_balance,
    too_little_data,
)
from fitglute.rules.confidence import GRADE_WEIGHT, data_quality, strength
from fitglute.rules.engine import Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold


def check_balance(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    m = ctx.metrics
    if "gct_balance_left_pct" not in m.channels:
        return NotAssessed(no_balance_reason(ctx))
    if (gap := too_little_data(ctx, th)) is not None:
        return gap
    if m.balance is None:
        return NotAssessed("too few minutes of flat running with balance data for an interval")
    b = m.balance
    off = abs(b.estimate - 50.0)
    near = 0.0 if b.low <= 50.0 <= b.high else min(abs(b.low - 50.0), abs(b.high - 50.0))
    s = strength(off, near, th["notable_pts"], th["strong_pts"])
    if s <= 0:
        return []
    side = side_of_balance(b.estimate)
    clarity = data_quality(m, ("gct_balance_left_pct",)) * s
    conf = th["alone_weight"] * GRADE_WEIGHT[BALANCE.evidence.grade] * clarity
    minutes = m.flat_running_s / 60
    msg = (
        f"Your {sensor_words(m.dynamics_source)} measured a longer ground contact on the {side}: GCT balance "
        f"{b.estimate:.1f} % left (95 % interval {b.low:.1f}–{b.high:.1f}) over {minutes:.0f} min of clean, flat "
        "running. This is a sensor estimate: no published study has validated Garmin's balance (those of its "
        "ground contact time tested GCT, not balance: Drobnič 2023, Cabrera-Linares 2025), a "
        "trained runner's true asymmetry is about the size of Garmin's green band (Mtibaa 2023), and in 836 "
        "runners asymmetry neither predicted injury nor differed on the leg later injured (Malisoux 2024). "
        "The longer-contact side is not necessarily the weaker one: a painful leg often gets shorter contact."
    )
    action = (
        "No change needed on this alone, and no side for exercises from it: compare later runs on the same "
        "sensor. To know whether one side is weaker, do a side-to-side strength test (single-leg heel raise, "
        "single-leg bridge) and log it."
    )
    values = {
        "balance_left_pct": round(b.estimate, 2),
        "ci": [round(b.low, 2), round(b.high, 2)],
        "flat_running_min": round(minutes, 1),
        "sensor": m.dynamics_source,
    }
    return [
        BALANCE.finding(ctx, side=side, confidence=conf, message=msg, action=action, values=values, clarity=clarity)
    ]


BALANCE = Rule(
    id="gct-balance-bias",
    title="Left/right ground-contact imbalance",
    evidence=Evidence(
        "C",
        "Garmin's balance–injury hint is unpublished development testing (C); asymmetry did not predict "
        "injury nor differ on the later-injured leg: Malisoux et al. 2024 (prospective, n=836; A against); "
        "no published validation of Garmin's GCT balance (Drobnič et al. 2023 and Cabrera-Linares et al. 2025 "
        "validated GCT only); true asymmetry ≈ the green band: Mtibaa et al. 2023",
    ),
    needs=("gct_balance_left_pct",),
    thresholds={
        "notable_pts": Threshold(
            zones.BALANCE_GREEN_PTS,
            "points off 50 % where balance leaves Garmin's green band",
            "Garmin Enduro 3 manual: green 49.3–50.7 % L",
            0.1,
            10.0,
        ),
        "strong_pts": Threshold(
            zones.BALANCE_ORANGE_PTS,
            "points off 50 % where Garmin's red band starts",
            "Garmin Enduro 3 manual: red beyond 52.2 / 47.8 % L",
            0.2,
            15.0,
        ),
        "alone_weight": Threshold(
            0.7,
            "multiplier keeping a bias-only finding moderate",
            "Malisoux 2024: asymmetry alone did not predict injury",
            0.0,
            1.0,
        ),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_balance,
    summary="GCT balance consistently off 50 % (95 % interval clear of Garmin's green band).",
    signal_group="contact asymmetry",
    sizing=(
        "0.5 just past Garmin's green band (0.7 pts off 50 %), 1.0 at its red band (2.2 pts; Garmin Enduro 3 "
        "manual), shrunk by the interval; × alone_weight 0.7 (Malisoux 2024)"
    ),
)

#: Garmin's percentile bands (purple > 95th, blue 70–95, green 30–69, orange 5–29, red < 5) read in
#: the metric's own direction: for cadence the orange zone is *lower* than most users, for ground
#: contact time, vertical oscillation and vertical ratio (high is the worse end) it is *higher*
ZONE_SHARE = {"orange": "70–95 %", "red": "95 %"}
ZONE_LABEL = {
    "gct_ms": ("ground contact time", " ms", 0, "longer"),
    "cadence_spm": ("cadence", " spm", 0, "lower"),
    "vertical_oscillation_mm": ("vertical oscillation", " mm", 0, "higher"),
    "vertical_ratio_pct": ("vertical ratio", " %", 1, "higher"),
    "gct_balance_left_pct": ("GCT balance", " % L", 1, ""),
}
#: GCT balance has two-sided colour bands, not percentiles (Garmin Enduro 3 manual)
BALANCE_BANDS = {"orange": "orange band (47.8–49.2 or 50.8–52.2 % left)", "red": "red band (beyond 47.8–52.2 % left)"}


def zone_text(key: str, zone_name: str) -> str:
    """``orange zone (longer than about 70–95 % of Garmin users)``, in the metric's own direction."""
    if key == "gct_balance_left_pct":
        return BALANCE_BANDS[zone_name]
    return f"{zone_name} zone ({ZONE_LABEL[key][3]} than about {ZONE_SHARE[zone_name]} of Garmin users)"


def check_zones(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    m = ctx.metrics
    if m.dynamics_source == "none":
        return NotAssessed(no_dynamics_reason(ctx))
    if m.clean_running_s < th["min_clean_s"]:
        return NotAssessed(f"only {m.clean_running_s / 60:.0f} min of clean running")
    source = "pod" if m.dynamics_source == "pod" else "chest"
    hits, keys, worst = [], [], 0.0
    for key, (label, unit, nd, _direction) in ZONE_LABEL.items():
        value = m.mean(key)
        z = zones.zone(key, value, source)
        if z in ZONE_SHARE:
            hits.append(f"{label} {value:.{nd}f}{unit}: {zone_text(key, z)}")
            keys.append(key)
            worst = max(worst, 1.0 if z == "red" else 0.5)
    if not hits:
        return []
    clarity = data_quality(m, ()) * worst
    conf = th["info_weight"] * GRADE_WEIGHT["C"] * clarity
    msg = (
        f"Your {sensor_words(m.dynamics_source)} measured " + "; ".join(hits) + ". Garmin's colour zones "
        "describe where a value sits among Garmin users, not risk: they depend on speed and height, so compare "
        "yourself with your own runs at the same pace."
    )
    if any(k != "gct_balance_left_pct" for k in keys):
        action = "No change needed on this alone; follow the number across your own runs at a similar pace."
    else:
        action = "No change needed on this alone: balance is a sensor estimate; compare runs on the same sensor."
    return [
        ZONES.finding(
            ctx, side="none", confidence=conf, message=msg, action=action, values={"zones": hits}, clarity=clarity
        )
    ]


ZONES = Rule(
    id="form-zones",
    title="Form metrics outside Garmin's typical range",
    evidence=Evidence("C", "Garmin colour gauges (percentiles of Garmin users; descriptive, not risk)"),
    needs=("gct_ms", "cadence_spm", "vertical_oscillation_mm", "vertical_ratio_pct"),
    thresholds={
        "info_weight": Threshold(
            0.6,
            "multiplier keeping zone findings informational",
            "Garmin's zones are percentiles of its users, not risk (Garmin running-dynamics help)",
            0.0,
            1.0,
        ),
        "min_clean_s": MIN_CLEAN,
    },
    check=check_zones,
    summary="Metrics in Garmin's orange/red zones; informational only.",
    sizing="0.5 in an orange zone, 1.0 in a red one (Garmin colour gauges); × info_weight 0.6 keeps it below 0.5",
)

RULES = (BALANCE, ZONES)
