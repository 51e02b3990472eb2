"""The rules engine: a registry of rules, the Finding type and the confidence formula.

A rule is a small declared object (id, title, evidence, needs, thresholds) plus a function
``check(ctx, th) -> list[Finding] | NotAssessed``. Rules never print, never raise for missing
data (they return :class:`NotAssessed` with a reason) and never hard-code a threshold: every
number comes from ``th``, the rule's thresholds after the user's config overrides
(:mod:`fitglute.rules.config`). Built-in rules and plugin rules live in the same registry.

Confidence (0–1), the same for every rule::

    confidence = evidence_weight × data_quality × strength

* ``evidence_weight``: grade A 1.0, B 0.85, C 0.6 — how much the science behind the rule
  supports reading this signal this way (reference/evidence.md);
* ``data_quality``: clean running time (saturating at 30 min, square root below), the coverage
  of the channels the rule uses, the sensor (chest/pod 1.0, footpod 0.9, watch 0.8) and the
  run's conditions (treadmill/track ×0.6, intervals ×0.5, hilly ×0.8, partial file ×0.9);
* ``strength``: how far past the rule's "notable" threshold the effect is (0.5 just past it,
  1.0 at the "strong" threshold), times how much of that excess survives the run's own noise
  (the 95 % interval from the block bootstrap): ``size × (0.5 + 0.5 × separation)``.

A finding is reported only when the 95 % interval clears the notable threshold; the wording
maps confidence to words: < 0.4 "possible", < 0.7 "likely", else "strong signal".

Rule-specific factors, each a threshold the user can see (``fitglute rules show ID``):
``gct-balance-bias`` × ``alone_weight`` 0.7 (a bias alone stays moderate: at most 0.85 × 0.7 ≈ 0.6,
Malisoux 2024); ``form-zones`` × ``info_weight`` 0.6 with strength 0.5 (orange) or 1.0 (red), so it
stays below 0.5; ``fatigue-drift`` adds ``agreement_bonus`` to the strength per further agreeing
channel group (GCT; VO and vertical ratio count as one; cadence and step length count as one);
``posterior-chain-overload`` combines its signals as ``grade C × combine_weight × (1 − Π(1 − cᵢ))``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GRADE_WEIGHT = {"A": 1.0, "B": 0.85, "C": 0.6}
SENSOR_QUALITY = {"chest": 1.0, "pod": 1.0, "footpod": 0.9, "watch": 0.8, "none": 0.0}
CONDITION_QUALITY = {"treadmill": 0.6, "track": 0.6, "intervals": 0.5, "hilly": 0.8, "partial": 0.9}
FULL_QUALITY_S = 1800.0
SIDES = ("left", "right", "both", "none")


@dataclass(frozen=True)
class Evidence:
    grade: str  # "A" | "B" | "C"
    source: str


@dataclass
class Finding:
    rule: str
    title: str
    side: str
    confidence: float
    evidence: str
    evidence_source: str
    message: str
    action: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "side": self.side,
            "confidence": round(self.confidence, 2),
            "evidence": self.evidence,
            "evidence_source": self.evidence_source,
            "message": self.message,
            "action": self.action,
            "values": self.values,
        }


@dataclass
class NotAssessed:
    reason: str


@dataclass
class Threshold:
    value: float
    description: str
    source: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class RuleContext:
    """What a rule sees: the run, its clean-running metrics, history, and earlier findings."""

    run: Any
    metrics: Any
    history: Any = None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Rule:
    id: str
    title: str
    evidence: Evidence
    needs: tuple[str, ...]
    thresholds: dict[str, Threshold]
    check: Callable[[RuleContext, dict[str, float]], list[Finding] | NotAssessed]
    summary: str
    stage: int = 0  # 0 single-run, 1 history, 2 composite (sees earlier findings)

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


def data_quality(metrics: Any, channels: tuple[str, ...], sensor: str | None = None) -> float:
    """0–1: enough clean minutes, channel coverage, sensor type and run conditions.

    ``sensor`` names the source of the channels a rule uses when it is not the run's native
    dynamics source (a Stryd or RunScribe plugin rule on a run without chest-strap dynamics).
    """
    clean = metrics.clean_running_s
    q = min(1.0, clean / FULL_QUALITY_S) ** 0.5
    cover = [metrics.channels[c].coverage for c in channels if c in metrics.channels]
    if cover:
        q *= min(1.0, min(cover))
    q *= SENSOR_QUALITY.get(sensor or metrics.dynamics_source, 0.8)
    for flag in metrics.flags:
        q *= CONDITION_QUALITY.get(flag, 1.0)
    return q


def strength(effect: float, near_bound: float, notable: float, strong: float) -> float:
    """0.5 just past ``notable``, 1.0 at ``strong``; shrunk by how much of it the CI keeps.

    All arguments are magnitudes in the direction of the effect (e.g. points off 50 %).
    """
    excess = effect - notable
    if excess <= 0 or near_bound <= notable:
        return 0.0
    size = min(1.0, 0.5 + 0.5 * excess / max(strong - notable, 1e-9))
    separation = min(1.0, (near_bound - notable) / excess)
    return size * (0.5 + 0.5 * separation)


def confidence_word(confidence: float) -> str:
    return "possible" if confidence < 0.4 else "likely" if confidence < 0.7 else "strong signal"


_REGISTRY: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add a rule (built-in or plugin); ids are a public contract and must be unique."""
    if rule.id in _REGISTRY and _REGISTRY[rule.id] is not rule:
        raise ValueError(f"rule id {rule.id!r} is already registered")
    _REGISTRY[rule.id] = rule
    return rule


def registry() -> dict[str, Rule]:
    from fitglute.plugins import load_rules

    load_rules()
    return dict(_REGISTRY)
