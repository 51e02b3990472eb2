"""The composite hypothesis of the seed: hamstrings/calves taking load the glutes do not take.

Why it is strict (issue 13): the seed idea is a sports therapist's clinical observation (grade C),
no watch sees which muscle works, and left/right asymmetry did not predict injury nor differ on
the later-injured leg in 836 runners (Malisoux et al. 2024). So the composite

* counts only **sided** signals — a bilateral one (fatigue drift, a load spike) says nothing about
  a side and never supports one;
* needs **≥ 2 of them from different measurement sources** pointing to the same side: the chest
  strap's balance and its own late-run shift are one sensor seen twice, per-foot pods agreeing
  with the strap are two; a logged same-side injury or a logged strength test is a source of its
  own (the runner's log). Each source counts once, with its strongest signal;
* says nothing when another source points to the other side (the sensors disagree);
* is capped at "possible" (``max_confidence`` below the "likely" word) on grade-C evidence, and
  ends in *what to check* — a side-to-side strength test or a physiotherapist — never an exercise
  prescription with a side.
"""

from __future__ import annotations

from fitglute.model.axes import clarity_word
from fitglute.rules.confidence import GRADE_WEIGHT
from fitglute.rules.engine import (
    STAGE_COMPOSITE,
    Evidence,
    Finding,
    NotAssessed,
    Rule,
    RuleContext,
    Threshold,
    native_source,
)

SIDED = ("left", "right")


def signal_group(ctx: RuleContext, f: Finding) -> str | None:
    """What ``f`` is evidence of, as its rule declares (None: not a body signal)."""
    return ctx.groups.get(f.rule)


def measurement_source(ctx: RuleContext, f: Finding) -> str:
    """The measurement behind ``f``: its rule's declared source, else the run's dynamics sensor."""
    declared = ctx.sources.get(f.rule) if ctx.sources else None
    if declared:
        return declared
    return native_source(ctx)


def strongest_per_source(ctx: RuleContext, findings: list[Finding]) -> list[Finding]:
    """One finding per measurement source (its clearest): one sensor seen twice is one source."""
    best: dict[str, Finding] = {}
    for f in findings:
        src = measurement_source(ctx, f)
        if src not in best or f.signal_clarity > best[src].signal_clarity:
            best[src] = f
    return sorted(best.values(), key=lambda f: -f.signal_clarity)


def check_overload(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    signals = [
        f
        for f in ctx.findings
        if signal_group(ctx, f) and f.side in SIDED and f.signal_clarity >= th["min_signal_clarity"]
    ]
    per_side = {side: strongest_per_source(ctx, [f for f in signals if f.side == side]) for side in SIDED}
    for side, other in (("left", "right"), ("right", "left")):
        support = per_side[side]
        if len(support) < th["min_sources"]:
            continue
        if per_side[other]:
            return []  # another source points the other way: no side claim
        return [_overload_finding(ctx, th, side, support)]
    return []


def _overload_finding(ctx: RuleContext, th: dict[str, float], side: str, support: list[Finding]) -> Finding:
    miss = 1.0
    for f in support:
        miss *= 1.0 - f.signal_clarity
    clarity = 1.0 - miss
    conf = min(th["max_confidence"], GRADE_WEIGHT[OVERLOAD.evidence.grade] * clarity)
    listed = "; ".join(
        f"{f.title[:1].lower() + f.title[1:]} ({measurement_source(ctx, f)}, signal {clarity_word(f.signal_clarity)})"
        for f in support
    )
    msg = (
        f"{len(support)} sided signals from different measurements point to the {side} side: {listed}. "
        "Together they are consistent with — not evidence of — a load pattern in which the hamstrings and "
        "calves take more of the work on that side, the pattern a sports therapist described in runners who "
        "keep getting hurt in the same place (clinical observation, grade C). A watch cannot see which muscle "
        "works, the longer-contact side is not necessarily the weaker one (a painful leg often gets shorter "
        "contact), and left/right asymmetry did not predict injury in 836 runners (Malisoux 2024): a possible "
        "pattern to check, not a finding about your glutes."
    )
    action = (
        "What to check: a side-to-side strength test — single-leg heel raises to fatigue and a single-leg "
        "bridge with the heel on a box, each leg, logged as a test — or ask a physiotherapist to assess both "
        "sides. Let that test, not this pattern, decide whether one side needs extra work."
    )
    values = {
        "signals": [f.rule for f in support],
        "sources": [measurement_source(ctx, f) for f in support],
        "signal_clarity": [round(float(f.signal_clarity), 2) for f in support],
    }
    return OVERLOAD.finding(
        ctx, side=side, confidence=conf, message=msg, action=action, values=values, clarity=clarity
    )


OVERLOAD = Rule(
    id="posterior-chain-overload",
    title="Possible posterior-chain load pattern on one side",
    evidence=Evidence(
        "C",
        "sports therapist's clinical observation (2014, C); asymmetry did not predict injury: Malisoux et al. "
        "2024 (A, against); no fixed firing order: Lewis & Sahrmann 2009 (B); Schuermans 2017 (sprint "
        "front-swing in footballers): context only",
    ),
    needs=("findings of other rules",),
    thresholds={
        "min_signal_clarity": Threshold(
            0.3, "a sided signal counts only from this signal clarity", "fitglute design choice", 0.0, 1.0
        ),
        "min_sources": Threshold(
            2.0,
            "different measurement sources whose sided signals must agree",
            "issue 13: one sensor seen twice is one source",
            2.0,
            5.0,
        ),
        "max_confidence": Threshold(
            0.39,
            "confidence cap: always below the 'likely' word",
            "evidence.md: the seed idea is grade C (clinical observation)",
            0.0,
            0.39,
        ),
    },
    check=check_overload,
    summary="Fires only when ≥ 2 sided signals from different measurement sources point to the same side.",
    stage=STAGE_COMPOSITE,
    sizing="combined clarity 1 − Π(1 − clarityᵢ) of the agreeing sources; confidence capped at 0.39 (possible)",
)

RULES = (OVERLOAD,)
