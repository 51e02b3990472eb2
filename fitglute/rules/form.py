"""Single-run form rules: GCT balance bias and Garmin colour zones."""

from __future__ import annotations

from fitglute.rules import zones
from fitglute.rules.common import MIN_CLEAN, side_of_balance, too_little_data
from fitglute.rules.confidence import GRADE_WEIGHT, data_quality, strength
from fitglute.rules.engine import Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold


def check_balance(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    m = ctx.metrics
    if "gct_balance_left_pct" not in m.channels:
        if m.dynamics_source == "none":
            return NotAssessed("no running dynamics in this file")
        return NotAssessed("no GCT balance: wrist-only dynamics, or no chest strap / pod paired")
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
    conf = th["alone_weight"] * GRADE_WEIGHT[BALANCE.evidence.grade] * data_quality(m, ("gct_balance_left_pct",))
    conf *= s
    minutes = m.flat_running_s / 60
    msg = (
        f"Your {side} foot stayed on the ground longer: GCT balance {b.estimate:.1f} % left "
        f"(95 % interval {b.low:.1f}–{b.high:.1f}) over {minutes:.0f} min of clean, flat running. "
        f"This may mean the {side} side does more of the work at toe-off, which is consistent with "
        f"a hip extensor (glute) on one side contributing less — but an asymmetry alone did not "
        f"predict injury in 836 recreational runners (Malisoux 2024), so treat it as one clue."
    )
    action = (
        f"Add single-leg glute bridges and hip-extension drills with extra sets on the {side}, "
        f"2–3 times a week, and see whether the balance moves toward 50 %; if pain recurs on that "
        f"side, see a physiotherapist."
    )
    values = {
        "balance_left_pct": round(b.estimate, 2),
        "ci": [round(b.low, 2), round(b.high, 2)],
        "flat_running_min": round(minutes, 1),
    }
    return [BALANCE.finding(ctx, side=side, confidence=conf, message=msg, action=action, values=values)]


BALANCE = Rule(
    id="gct-balance-bias",
    title="Left/right ground-contact imbalance",
    evidence=Evidence(
        "B",
        "Garmin (correlational hint from development testing); asymmetry alone did not predict "
        "injury: Malisoux et al. 2024 (prospective, n=836)",
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
)

ZONE_NAMES = {"orange": "orange zone (lower 5–29 % of Garmin users)", "red": "red zone (lowest 5 %)"}
ZONE_LABEL = {
    "gct_ms": ("ground contact time", " ms", 0),
    "cadence_spm": ("cadence", " spm", 0),
    "vertical_oscillation_mm": ("vertical oscillation", " mm", 0),
    "vertical_ratio_pct": ("vertical ratio", " %", 1),
    "gct_balance_left_pct": ("GCT balance", " % L", 1),
}


def check_zones(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    m = ctx.metrics
    if m.dynamics_source == "none":
        return NotAssessed("no running dynamics in this file")
    if m.clean_running_s < th["min_clean_s"]:
        return NotAssessed(f"only {m.clean_running_s / 60:.0f} min of clean running")
    source = "pod" if m.dynamics_source == "pod" else "chest"
    hits, worst = [], 0.0
    for key, (label, unit, nd) in ZONE_LABEL.items():
        value = m.mean(key)
        z = zones.zone(key, value, source)
        if z in ZONE_NAMES:
            hits.append(f"{label} {value:.{nd}f}{unit}: {ZONE_NAMES[z]}")
            worst = max(worst, 1.0 if z == "red" else 0.5)
    if not hits:
        return []
    conf = th["info_weight"] * GRADE_WEIGHT["C"] * data_quality(m, ()) * worst
    msg = (
        "; ".join(hits) + ". Garmin's colour zones are population percentiles, not risk: they "
        "depend on speed and height, so compare yourself with your own runs at the same pace."
    )
    action = "No change needed on this alone; if you want to work on it, try short drills for quicker, lighter steps."
    return [ZONES.finding(ctx, side="none", confidence=conf, message=msg, action=action, values={"zones": hits})]


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
)

RULES = (BALANCE, ZONES)
