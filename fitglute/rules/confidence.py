"""The confidence formula every rule shares, and the words it is shown with.

Confidence (0–1)::

    confidence = evidence_weight × data_quality × strength

* ``evidence_weight``: grade A 1.0, B 0.85, C 0.6 — how much the science behind the rule
  supports reading this signal this way (reference/evidence.md);
* ``data_quality``: clean running time (saturating at 30 min, square root below), the coverage
  of the channels the rule uses, the sensor (chest/pod 1.0, footpod 0.9, watch 0.8) and the
  run's conditions (treadmill/track ×0.6, intervals or a variable pace ×0.5, hilly ×0.8, partial
  file ×0.9);
* ``strength``: how far past the rule's "notable" threshold the effect is (0.5 just past it,
  1.0 at the "strong" threshold), times how much of that excess survives the run's own noise
  (the 95 % interval): ``size × (0.5 + 0.5 × separation)``.

A finding is reported only when the 95 % interval clears the notable threshold. What a reader sees is
two axes (:mod:`fitglute.model.axes`): the signal clarity (``data_quality × strength``, the finding's
``clarity``) and the evidence grade; ``confidence`` orders findings, and its word
(:func:`confidence_word`: < 0.4 "possible", < 0.7 "likely", else "strong signal") remains for the
composite's cap and the one-line tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fitglute.model.finding import EVIDENCE_WEIGHT

GRADE_WEIGHT = EVIDENCE_WEIGHT
SENSOR_QUALITY = {"chest": 1.0, "pod": 1.0, "footpod": 0.9, "watch": 0.8, "none": 0.0}
CONDITION_QUALITY = {
    "treadmill": 0.6,
    "track": 0.6,
    "intervals": 0.5,
    "variable-pace": 0.5,
    "hilly": 0.8,
    "partial": 0.9,
}
FULL_QUALITY_S = 1800.0


def quality(clean_running_s: float, coverages: Iterable[float], sensor: str, flags: Iterable[str]) -> float:
    """0–1: enough clean minutes, channel coverage, sensor type and run conditions."""
    q = min(1.0, clean_running_s / FULL_QUALITY_S) ** 0.5
    cover = list(coverages)
    if cover:
        q *= min(1.0, min(cover))
    q *= SENSOR_QUALITY.get(sensor, 0.8)
    for flag in flags:
        q *= CONDITION_QUALITY.get(flag, 1.0)
    return q


def data_quality(metrics: Any, channels: tuple[str, ...], sensor: str | None = None) -> float:
    """:func:`quality` of a run's :class:`~fitglute.dynamics.RunMetrics` for the channels a rule uses.

    ``sensor`` names the source of the channels when it is not the run's native dynamics source
    (a Stryd or RunScribe plugin rule on a run without chest-strap dynamics).
    """
    coverages = [metrics.channels[c].coverage for c in channels if c in metrics.channels]
    return quality(metrics.clean_running_s, coverages, sensor or metrics.dynamics_source, metrics.flags)


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
    """Words, not numbers: a reader should not mistake 0.62 for a measured probability."""
    return "possible" if confidence < 0.4 else "likely" if confidence < 0.7 else "strong signal"


#: below this a finding is too faint to show as one (fitglute design choice: a grade-C rule on a
#: full-quality run just past its notable threshold scores 0.6 × 0.5 × 0.5 = 0.15; under a third of
#: that is noise the rule could not separate from its threshold). The JSON keeps every finding.
DISPLAY_MIN = 0.05


def shown(findings: Iterable[Any]) -> list[Any]:
    """The findings a person is shown (the report, the batch table's top finding, the note)."""
    return [f for f in findings if f.confidence >= DISPLAY_MIN]
