"""``example-negative-split``: a rule written the way fitglute's own rules are.

A rule is data (id, title, evidence, thresholds with their sources) plus ``check(ctx, th)``,
which returns a list of findings (empty = nothing to report) or ``NotAssessed(reason)`` when the
run cannot answer the question. It never raises for missing data and never hard-codes a number:
every threshold comes from ``th`` (the defaults below, after the user's config overrides).
"""

from __future__ import annotations

from dataclasses import replace

from fitglute.api import (
    GRADE_WEIGHT,
    MIN_CLEAN,
    Evidence,
    Finding,
    NotAssessed,
    Rule,
    RuleContext,
    Threshold,
    data_quality,
    describe_channel,
    strength,
    too_little_data,
)


def check(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    run, m = ctx.run, ctx.metrics
    if not run.has("pace_min_per_km") or m.frame is None:
        return NotAssessed("no speed in this file")
    if run.indoor:
        return NotAssessed("indoor run: the pace is the treadmill's")
    if "intervals" in m.flags:
        return NotAssessed("intervals: the pace is meant to change")
    if (gap := too_little_data(ctx, th)) is not None:
        return gap
    # The core's drift of a channel is taken *at matched speed*; for pace that is ~0 by
    # construction, so ask describe_channel for the plain late-vs-early change: a frame without
    # speed. The change is in %, with a 1-minute block-bootstrap 95 % interval.
    frame = replace(m.frame, speed=None)
    stats, drift = describe_channel(run.channels["pace_min_per_km"], frame, (2.0, 15.0), log_scale=True)
    if drift is None:
        return NotAssessed("not enough clean running in the first and last thirds")
    faster = -drift.change  # pace falls when you speed up
    near = -drift.high
    s = strength(faster, near, th["notable_pct"], th["strong_pct"])
    if s <= 0:
        return []
    conf = th["info_weight"] * GRADE_WEIGHT[NEGATIVE_SPLIT.evidence.grade] * data_quality(m, ()) * s
    msg = (
        f"You finished faster than you started: the last third of clean running was {faster:.1f} % "
        f"quicker than the first (95 % interval {-drift.high:.1f} to {-drift.low:.1f} %; mean pace "
        f"{stats.mean:.2f} min/km). Well-paced long runs often look like this."
    )
    return [
        NEGATIVE_SPLIT.finding(
            ctx,
            side="none",
            confidence=conf,
            message=msg,
            action="Nothing to change.",
            values={"pace_change_pct": round(drift.change, 2), "ci": [round(drift.low, 2), round(drift.high, 2)]},
        )
    ]


NEGATIVE_SPLIT = Rule(
    id="example-negative-split",
    title="Negative split (example plugin)",
    evidence=Evidence("C", "example rule: descriptive only, no injury evidence"),
    needs=("pace_min_per_km",),
    thresholds={
        "notable_pct": Threshold(3.0, "pace gain (%) of the last third that counts", "example", 0.5, 50.0),
        "strong_pct": Threshold(8.0, "pace gain (%) that counts as strong", "example", 1.0, 80.0),
        "info_weight": Threshold(0.5, "keeps the finding informational", "example", 0.0, 1.0),
        "min_clean_s": MIN_CLEAN,
    },
    check=check,
    summary="Informational: the last third was faster than the first (95 % interval past 3 %).",
)
