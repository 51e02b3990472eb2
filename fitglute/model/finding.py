"""What a rule says about a run: a :class:`Finding`, or :class:`NotAssessed` with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

SIDES = ("left", "right", "both", "none")


@dataclass
class Finding:
    """One evidence-graded hypothesis: which rule, which side, how confident, and why."""

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

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(**{f.name: data.get(f.name) for f in fields(cls)})


@dataclass
class NotAssessed:
    """The rule could not judge this run; ``reason`` is one readable line.

    ``hint`` is what the runner could do about it, as a :mod:`fitglute.model.hints` code.
    """

    reason: str
    hint: str | None = None
