"""The composite hypothesis of the seed: hamstrings/calves compensating for the glutes."""

from __future__ import annotations

from fitglute.rules.confidence import GRADE_WEIGHT, confidence_word
from fitglute.rules.engine import STAGE_COMPOSITE, Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold


def signal_group(ctx: RuleContext, f: Finding) -> str | None:
    """What ``f`` is evidence of, as its rule declares (None: not a body signal)."""
    return ctx.groups.get(f.rule)


def strongest_per_group(ctx: RuleContext, findings: list[Finding]) -> list[Finding]:
    """Findings of one signal group are the same evidence seen twice (chest balance and RunScribe
    contact time are both contact asymmetry; GCT drift and a Stryd leg-stiffness drop are both
    within-run fatigue), so a group counts once, with its strongest finding."""
    best: dict[str, Finding] = {}
    for f in findings:
        g = signal_group(ctx, f)
        if g is not None and (g not in best or f.confidence > best[g].confidence):
            best[g] = f
    return list(best.values())


def check_overload(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    signals = [f for f in ctx.findings if signal_group(ctx, f) and f.confidence >= th["min_signal_confidence"]]
    if not signals:
        return []
    bilateral = [f for f in signals if f.side in ("both", "none")]
    best_side, support = None, []
    for side in ("left", "right"):
        sided = [f for f in signals if f.side == side]
        if not sided:
            continue
        # a bilateral signal (fatigue drift, load spike) supports a side only beside a sided one
        chosen = strongest_per_group(ctx, sided + bilateral)
        if len(chosen) >= 2 and len(chosen) > len(support):
            best_side, support = side, chosen
    if best_side is None and len(strongest_per_group(ctx, bilateral)) >= 2:
        best_side, support = "both", strongest_per_group(ctx, bilateral)
    if best_side is None:
        return []
    miss = 1.0
    for f in support:
        miss *= 1.0 - f.confidence
    conf = GRADE_WEIGHT[OVERLOAD.evidence.grade] * th["combine_weight"] * (1.0 - miss)
    where = f"your {best_side} side" if best_side in ("left", "right") else "both sides"
    listed = "; ".join(f"{f.title.lower()} ({f.side}, {confidence_word(f.confidence)})" for f in support)
    msg = (
        f"{len(support)} independent signals point to {where}: {listed}. Together they are "
        "consistent with a load pattern in which the glutes do less at toe-off and the hamstrings "
        "and calves compensate — the pattern a sports therapist saw in runners who keep getting "
        "hurt in the same place (clinical observation), in line with research linking lower glute "
        "activity to hamstring injury (Schuermans 2017). A watch cannot see which muscle fires: "
        f"this is a hypothesis, and we rate it {confidence_word(conf)}."
    )
    target = f" with the emphasis on the {best_side} leg" if best_side in ("left", "right") else ""
    action = (
        f"Two or three times a week: single-leg glute bridges, hip thrusts and step-ups{target}; "
        "if a hamstring, calf or achilles on that side has hurt before, ask a physiotherapist to "
        "check hip-extension control."
    )
    values = {
        "signals": [f.rule for f in support],
        "signal_confidence": [round(float(f.confidence), 2) for f in support],
    }
    return [OVERLOAD.finding(ctx, side=best_side, confidence=conf, message=msg, action=action, values=values)]


OVERLOAD = Rule(
    id="posterior-chain-overload",
    title="Posterior-chain overload pattern (glutes → hamstrings/calves)",
    evidence=Evidence(
        "C",
        "sports therapist's clinical observation (2014); Schuermans 2017 (B) for glute activity and "
        "hamstring injury; Lewis & Sahrmann 2009: no fixed firing order",
    ),
    needs=("findings of other rules",),
    thresholds={
        "min_signal_confidence": Threshold(
            0.3, "a signal counts only from this confidence", "fitglute design choice", 0.0, 1.0
        ),
        "combine_weight": Threshold(
            1.0, "multiplier on the combined signal confidence", "fitglute design choice", 0.0, 1.5
        ),
    },
    check=check_overload,
    summary="Fires only when ≥ 2 independent signals (bias, side-specific drift, history) point the same way.",
    stage=STAGE_COMPOSITE,
)

RULES = (OVERLOAD,)
