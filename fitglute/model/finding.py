"""What a rule says about a run: a :class:`Finding`, or :class:`NotAssessed` with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

SIDES = ("left", "right", "both", "none")
#: grade → weight of the evidence in a finding's confidence (reference/evidence.md grades); the
#: rules' :data:`fitglute.rules.confidence.GRADE_WEIGHT` is this table
EVIDENCE_WEIGHT = {"A": 1.0, "B": 0.85, "C": 0.6}


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
    #: how clear the signal is in this run (0–1: data quality × size, before any evidence weight);
    #: the second axis beside ``evidence`` (how strong the evidence is that the signal matters).
    #: None in results stored before it existed: :attr:`signal_clarity` then derives it.
    clarity: float | None = None

    @property
    def signal_clarity(self) -> float:
        """``clarity``, or for an old stored finding the confidence without its grade weight."""
        if self.clarity is not None:
            return float(self.clarity)
        weight = EVIDENCE_WEIGHT.get(str(self.evidence or "").upper()[:1], 1.0)
        return max(0.0, min(1.0, float(self.confidence or 0.0) / weight))

    def to_json(self) -> dict[str, Any]:
        from fitglute.model.axes import clarity_word, evidence_word

        clarity = self.signal_clarity
        return {
            "rule": self.rule,
            "title": self.title,
            "side": self.side,
            "confidence": round(self.confidence, 2),
            "clarity": round(clarity, 2),
            "clarity_word": clarity_word(clarity),
            "evidence": self.evidence,
            "evidence_word": evidence_word(self.evidence),
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
