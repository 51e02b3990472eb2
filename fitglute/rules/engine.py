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
``posterior-chain-overload`` combines the signal clarities of ≥ 2 sided signals from different
measurement sources as ``1 − Π(1 − clarityᵢ)`` and caps its confidence below "likely".

Every finding carries two axes (:mod:`fitglute.model.axes`): ``clarity``, how clear the signal is in
this run (data quality × strength), and its evidence grade; ``confidence`` (grade weight × clarity ×
any rule weight) only orders findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fitglute.model.finding import EVIDENCE_WEIGHT as GRADE_WEIGHT
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
    #: rule id → the measurement source it declares (:attr:`Rule.measured_by`)
    sources: Mapping[str, str | None] = field(default_factory=dict)


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
    #: how the size of a finding grows with the effect, and where that scale comes from (shown by
    #: ``fitglute rules``): the grade says how much the evidence supports the signal, this says
    #: how big an effect counts for how much
    sizing: str = ""
    #: the measurement behind a sided signal ("chest strap", "per-foot pods", "runner's log", …):
    #: the composite needs two sided signals from *different* sources; None = the run's own
    #: dynamics source (``metrics.dynamics_source``)
    measured_by: str | None = None

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
        clarity: float | None = None,
    ) -> Finding:
        """The rule's finding; ``clarity`` is how clear the signal is in this run (0–1, before
        the evidence weight), derived from ``confidence`` ÷ the grade weight when not given."""
        assert side in SIDES
        if clarity is None:
            clarity = confidence / GRADE_WEIGHT.get(self.evidence.grade, 1.0)
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
            clarity=max(0.0, min(1.0, float(clarity))),
        )


def judge(
    rules: Iterable[Rule], ctx: RuleContext, thresholds: Mapping[str, dict[str, float]]
) -> dict[str, NotAssessed]:
    """Run ``rules`` in stage order on ``ctx`` (findings accumulate in ``ctx.findings``).

    Returns ``{rule id: NotAssessed}`` for the rules that could not judge; the findings end up
    most confident first.
    """
    not_assessed: dict[str, NotAssessed] = {}
    reconciled = False
    for rule in sorted(rules, key=lambda r: r.stage):
        if rule.stage >= STAGE_COMPOSITE and not reconciled:
            reconcile_sides(ctx)
            reconciled = True
        out = rule.check(ctx, thresholds[rule.id])
        if isinstance(out, NotAssessed):
            not_assessed[rule.id] = out
        else:
            ctx.findings.extend(out)
    if not reconciled:
        reconcile_sides(ctx)
    ctx.findings.sort(key=lambda f: -f.confidence)
    return not_assessed


#: the run's own dynamics sensor in words, for findings of rules that declare no source of their own
NATIVE_SOURCE = {"chest": "chest strap", "pod": "running-dynamics pod", "watch": "watch", "footpod": "foot pod"}


def native_source(ctx: RuleContext) -> str:
    """The run's dynamics sensor in words: from the metrics, or — when history rules are judged
    again from the store, without a decoded run — from the summary's sensor key ("chest: …")."""
    source = getattr(ctx.metrics, "dynamics_source", None)
    if source is None and ctx.summary is not None:
        source = str(getattr(ctx.summary, "sensor", "") or "").split(":", 1)[0] or None
    source = source or "watch"
    return NATIVE_SOURCE.get(source, source)


def reconcile_sides(ctx: RuleContext) -> None:
    """Two sensors that measure the same thing and name opposite sides: show both, claim neither.

    Findings of one signal group (say "contact asymmetry": the chest strap's balance and the per-foot
    pods' contact time) from different measurement sources that point to opposite sides keep their
    numbers, gain a sentence naming both sides, and lose their side (``"none"``), so neither a report
    nor the composite builds on a side the sensors do not agree on. A finding that already dropped
    its side for the same reason lists the sides it saw in ``values["sides"]`` ({source: side}).
    """
    native = native_source(ctx)
    by_group: dict[str, list[Finding]] = {}
    for f in ctx.findings:
        group = ctx.groups.get(f.rule)
        if group and (f.side in ("left", "right") or isinstance(f.values.get("sides"), dict)):
            by_group.setdefault(group, []).append(f)
    for group_findings in by_group.values():
        seen: dict[str, str] = {}
        for f in group_findings:
            if f.side in ("left", "right"):
                seen.setdefault(ctx.sources.get(f.rule) or native, f.side)
            elif isinstance(f.values.get("sides"), dict):
                for src, side in f.values["sides"].items():
                    seen.setdefault(str(src), str(side))
        if len(set(seen.values()) & {"left", "right"}) < 2:
            continue
        said = ", ".join(f"{src} {side}" for src, side in sorted(seen.items()))
        for f in group_findings:
            if f.side not in ("left", "right"):
                continue
            f.message += f" The sensors disagree on the side ({said}), so no side is claimed."
            f.values["sides"] = dict(sorted(seen.items()))
            f.side = "none"
