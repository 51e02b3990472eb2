"""The rules engine: what a rule is, and how a set of rules judges one run.

A rule is a small declared object (id, title, evidence, needs, thresholds, stage, signal group)
plus a function ``check(ctx, th) -> list[Finding] | NotAssessed``. Rules never print, never
raise for missing data (they return :class:`NotAssessed` with a reason) and never hard-code a
threshold: every number comes from ``th``, the rule's thresholds after the user's config
overrides (:mod:`fitglute.rules.thresholds`). Built-in and plugin rules are registered through
the same hook and judged by the same :func:`judge`; confidence is one formula for all
(:mod:`fitglute.rules.confidence`).

Rule-specific factors, each a threshold the user can see (``fitglute rules show ID``):
``gct-balance-bias`` × ``alone_weight`` 0.7 (a bias alone stays moderate: at most 0.85 × 0.7 ≈ 0.6,
Malisoux 2024); ``form-zones`` × ``info_weight`` 0.6 with strength 0.5 (orange) or 1.0 (red), so it
stays below 0.5; ``fatigue-drift`` adds ``agreement_bonus`` to the strength per further agreeing
channel group (GCT; VO and vertical ratio count as one; cadence and step length count as one);
``posterior-chain-overload`` combines its signals as ``grade C × combine_weight × (1 − Π(1 − cᵢ))``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fitglute.model.finding import SIDES, Finding, NotAssessed

#: when a rule runs: on the run alone, with the runner's history, or on other rules' findings
STAGE_RUN, STAGE_HISTORY, STAGE_COMPOSITE = 0, 1, 2


@dataclass(frozen=True)
class Evidence:
    grade: str  # "A" | "B" | "C"
    source: str


@dataclass
class Threshold:
    value: float
    description: str
    source: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class RuleContext:
    """What a rule sees: the run, its clean-running metrics, history, and earlier findings.

    ``summary`` is the judged run as a :class:`~fitglute.model.history.RunSummary` (history-aware
    rules read it; a re-judge has no decoded run, only the summary). ``groups`` maps every
    rule id to its signal group, so the composite knows what each finding is evidence of.
    """

    run: Any
    metrics: Any
    history: Any = None
    summary: Any = None
    findings: list[Finding] = field(default_factory=list)
    groups: Mapping[str, str | None] = field(default_factory=dict)


@dataclass
class Rule:
    id: str
    title: str
    evidence: Evidence
    needs: tuple[str, ...]
    thresholds: dict[str, Threshold]
    check: Callable[[RuleContext, dict[str, float]], list[Finding] | NotAssessed]
    summary: str
    stage: int = STAGE_RUN
    #: what the finding is evidence of ("contact asymmetry", "within-run fatigue", …): findings of
    #: one group are the same evidence seen twice and count once; None = not a body signal
    signal_group: str | None = None

    def finding(
        self,
        ctx: RuleContext,
        *,
        side: str,
        confidence: float,
        message: str,
        action: str,
        values: dict[str, Any],
        title: str | None = None,
    ) -> Finding:
        assert side in SIDES
        return Finding(
            rule=self.id,
            title=title or self.title,
            side=side,
            confidence=max(0.0, min(1.0, confidence)),
            evidence=self.evidence.grade,
            evidence_source=self.evidence.source,
            message=message,
            action=action,
            values=values,
        )


def judge(
    rules: Iterable[Rule], ctx: RuleContext, thresholds: Mapping[str, dict[str, float]]
) -> dict[str, NotAssessed]:
    """Run ``rules`` in stage order on ``ctx`` (findings accumulate in ``ctx.findings``).

    Returns ``{rule id: NotAssessed}`` for the rules that could not judge; the findings end up
    most confident first.
    """
    not_assessed: dict[str, NotAssessed] = {}
    for rule in sorted(rules, key=lambda r: r.stage):
        out = rule.check(ctx, thresholds[rule.id])
        if isinstance(out, NotAssessed):
            not_assessed[rule.id] = out
        else:
            ctx.findings.extend(out)
    ctx.findings.sort(key=lambda f: -f.confidence)
    return not_assessed
