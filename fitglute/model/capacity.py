"""Side-to-side capacity tests a runner does at home: the protocols, a logged test, its symmetry.

Why here: a watch cannot see which leg is weaker, and contact-time balance is a sensor estimate
that did not predict injury (Malisoux 2024). A strength test per side can (evidence.md, "capacity
tests", grade B–C), so it is what gives exercise advice a side. The protocols are one table
(:data:`PROTOCOLS`): the command line shows them, validation reads their units and limits, the
rule and the trends read the same kinds.

The limb symmetry index (LSI) is the weaker side's score ÷ the stronger side's, in %. Below 90 %
is the usual flag. It only makes sense for scores where more is better and zero means "nothing"
(repetitions, centimetres). The pogo test is scored in *pain* (0–10), where the ratio means
nothing (1 vs 2 is not "half the pain", and 0 vs 1 would be an LSI of 0 %): for it the "weaker"
side is the more painful one and the asymmetry is the difference in points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

#: the usual flag for a limb symmetry index (evidence.md, "capacity tests")
LSI_FLAG_PCT = 90.0
#: a pain difference that counts (points on 0–10): about the smallest change people on a 0–10
#: pain scale call meaningful (Farrar et al. 2001, ~2 points or 30 %)
PAIN_FLAG_PTS = 2.0
PAIN_UNIT = "pain 0–10"


@dataclass(frozen=True)
class Protocol:
    kind: str
    name: str
    unit: str  # "reps", "cm" or PAIN_UNIT
    how: str  # plain words: how to do the test at home
    source: str
    maximum: float  # more than this is a typo, not a result
    whole: bool  # counted (repetitions): whole numbers only

    @property
    def pain(self) -> bool:
        """Scored in pain: lower is better, and there is no ratio (no LSI)."""
        return self.unit == PAIN_UNIT


_HEEL_RAISE = (
    "Stand on one leg on the edge of a step, heel free, fingertips on a wall for balance only. Rise as "
    "high as you can and lower all the way, one beat up and one beat down to a metronome at 60 per minute. "
    "Count the raises until you can no longer rise fully or keep the beat. Rest, then the other leg."
)

PROTOCOLS: dict[str, Protocol] = {
    p.kind: p
    for p in (
        Protocol(
            "heel-raise",
            "Single-leg heel raise to fatigue, straight knee (calf)",
            "reps",
            _HEEL_RAISE + " Keep the knee straight throughout.",
            "Hébert-Losier et al. (systematic review of the heel-raise test); evidence.md capacity tests (B–C)",
            150.0,
            True,
        ),
        Protocol(
            "heel-raise-bent",
            "Single-leg heel raise to fatigue, bent knee (soleus)",
            "reps",
            _HEEL_RAISE + " Keep the knee bent (about 30–45°) throughout, so the soleus does the work.",
            "Hébert-Losier et al. (bent-knee variant of the heel-raise test); evidence.md capacity tests (B–C)",
            150.0,
            True,
        ),
        Protocol(
            "bridge",
            "Single-leg bridge to fatigue, heel on a ~60 cm box (hamstrings and glutes)",
            "reps",
            "Lie on your back with the heel of the tested leg on a box or chair about 60 cm high, knee slightly "
            "bent, the other leg held straight up, arms crossed on your chest. Push down through the heel to "
            "lift your hips until they are level, lower until they touch the floor, and repeat at a steady "
            "pace. Count until you can no longer lift fully. Rest, then the other leg.",
            "Freckleton, Cook & Pizzari 2014, Br J Sports Med (lower scores before hamstring strains in "
            "footballers); evidence.md capacity tests (B–C)",
            150.0,
            True,
        ),
        Protocol(
            "hop",
            "Single-leg hop for distance",
            "cm",
            "Stand on one leg with your toes behind a line, hands on your hips. Hop forward as far as you can "
            "and land on the same leg, holding the landing still for two seconds (a wobble or a touch-down "
            "does not count). Measure from the line to your heel. One practice hop, then the best of three; "
            "then the other leg.",
            "Noyes et al. 1991 (single-leg hop tests and limb symmetry); evidence.md capacity tests (B–C)",
            400.0,
            False,
        ),
        Protocol(
            "pogo",
            "Pogo hops, a pain check (optional; achilles and calf)",
            PAIN_UNIT,
            "On a hard floor, do 10 small, quick hops on one leg, knee almost straight, bouncing off the ball "
            "of the foot. Rate the pain during the hops from 0 (none) to 10 (worst imaginable). Then the other "
            "leg. Stop if it hurts more than 5. There is no symmetry index for pain: the side that hurts "
            "more is the weaker one, flagged from a 2-point difference.",
            "Silbernagel et al. (hopping as an achilles load test; pain monitoring, 2007); evidence.md symptoms (B)",
            10.0,
            False,
        ),
    )
}
TEST_KINDS = tuple(PROTOCOLS)


@dataclass(frozen=True, slots=True)
class CapacityTest:
    """One logged test: both sides' scores on one day."""

    id: int
    date: date
    kind: str
    left: float
    right: float
    note: str = ""

    @property
    def protocol(self) -> Protocol:
        return PROTOCOLS[self.kind]

    @property
    def weaker_side(self) -> str | None:
        """The side with the lower score (pain: the higher), None when both are equal."""
        if self.left == self.right:
            return None
        worse_left = self.left > self.right if self.protocol.pain else self.left < self.right
        return "left" if worse_left else "right"

    @property
    def lsi_pct(self) -> float | None:
        """Weaker ÷ stronger in %; None for a pain score, or when both sides scored 0."""
        if self.protocol.pain:
            return None
        stronger = max(self.left, self.right)
        return None if stronger <= 0 else round(100.0 * min(self.left, self.right) / stronger, 1)

    @property
    def pain_difference(self) -> float | None:
        """Points between the sides, for a pain-scored test."""
        return abs(self.left - self.right) if self.protocol.pain else None

    def flagged(self, lsi_flag_pct: float = LSI_FLAG_PCT, pain_flag_pts: float = PAIN_FLAG_PTS) -> bool:
        """Below the LSI flag (reps, cm), or a pain difference of at least ``pain_flag_pts``."""
        if self.protocol.pain:
            return (self.pain_difference or 0.0) >= pain_flag_pts
        return self.lsi_pct is not None and self.lsi_pct < lsi_flag_pct

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "kind": self.kind,
            "left": self.left,
            "right": self.right,
            "unit": self.protocol.unit,
            "lsi_pct": self.lsi_pct,
            "pain_difference": self.pain_difference,
            "weaker_side": self.weaker_side,
            "flagged": self.flagged(),
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CapacityTest:
        return cls(
            int(data["id"]), date.fromisoformat(data["date"]), data["kind"], data["left"], data["right"], data["note"]
        )
