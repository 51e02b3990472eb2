"""The fitglute note: one marker-delimited, plain-text block inside a Strava activity description.

Why one place: the block is built only here (:func:`build_note`) and merged into the runner's text
only in :mod:`fitglute.exporters.note_merge`, so every command writes the same thing and a re-sync
can tell "already there" from "changed" without duplicating it.

Format (``detail="summary"``, at most ~600 characters, lines short enough for a phone)::

    ── fitglute ──
    GCT 251 ms · L/R balance 53.2/46.8 %
    Cadence 171 spm · VO 8.9 cm · VR 7.6 %
    • Left: Left/right ground-contact imbalance — signal clear · evidence weak (C)
    • Late-run fatigue drift at matched speed — signal faint · evidence moderate (B)
    Try: No change needed on this alone, and no side for exercises from it: compare later runs …
    Stop and get assessed on sudden pain, a "pop", swelling, or pain that changes how you run; …
    Hypotheses from running dynamics, not a diagnosis.
    ── end fitglute ──

**Privacy by construction.** The description may be public, so the block is built only from
fields that are public by nature, never from a rule's free text:

* the run's own measured numbers (:class:`~fitglute.model.result.RunResult` metrics, the balance
  interval, the matched-speed drift, minutes of clean running);
* per finding only :data:`PUBLIC_FIELDS` — the rule id, side, confidence (for the order), signal
  clarity and evidence grade (as *words*: the two axes) and the suggested action — plus what the
  rule *declares* (its title and evidence source,
  from the rule registry, so no per-run text can slip in through them). A finding's ``message`` and
  ``values`` are never read: a message may quote the injury log, values may carry dates;
* findings of rules that read what the runner logged by hand (:data:`PRIVATE_INPUTS` in the rule's
  ``needs``: the injury log, strength tests, symptoms; or the "injury history" signal group) point
  at the injured or weaker side and the hurting site, so they — and their "not assessed" entries —
  appear only when the runner allowed those details (``injuries`` given). The injury line shows
  site, side and month, never the free-text note;
* findings of a rule fitglute does not know (a plugin removed since) are left out: their fields
  cannot be checked.

Two axes, never one product word (:mod:`fitglute.model.axes`): signal clarity < 0.4 "faint", < 0.7
"moderate", else "clear"; evidence A "strong", B "moderate", C "weak". When findings are shown the
red-flag line (:data:`fitglute.model.safety.RED_FLAGS`) is always in the block. ``detail="full"``
shows up to 4 findings (2 in summary) with their evidence source, step length, clean minutes, the
balance interval, the GCT drift and which rules could not judge the run. Plain text only (no links,
no markdown); content is collapsed to single lines, so nothing can forge a marker line.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fitglute.model.axes import axes_text
from fitglute.model.finding import EVIDENCE_WEIGHT, Finding
from fitglute.model.history import Injury
from fitglute.model.result import RunResult
from fitglute.model.safety import RED_FLAGS
from fitglute.rules.confidence import confidence_word as _word

START_MARKER = "── fitglute ──"
END_MARKER = "── end fitglute ──"
MARKERS = (START_MARKER, END_MARKER)
DISCLAIMER = "Hypotheses from running dynamics, not a diagnosis."
DETAILS = ("off", "summary", "full")
SUMMARY_MAX_CHARS = 600
FULL_MAX_CHARS = 1400

#: the only fields of a :class:`Finding` the note reads (``message`` and ``values`` never are); a new
#: structured field meant for the public (say, how clear the signal is) is added here, to
#: :class:`PublicFinding` and to the finding line — nothing else reaches the block
PUBLIC_FIELDS = ("rule", "side", "confidence", "clarity", "evidence", "action")
#: what a rule names in ``needs`` when it reads what the runner logged by hand (health data: the
#: injury log, the side-to-side strength tests, the symptom log)
PRIVATE_INPUTS = frozenset({"injury log", "capacity tests", "symptom log"})
PRIVATE_SIGNAL_GROUPS = frozenset({"injury history"})

_SIDES = {"left": "Left", "right": "Right", "both": "Both sides"}


@dataclass(frozen=True)
class PublicFinding:
    """What the note may say about one finding: its public fields plus what its rule declares."""

    rule: str
    title: str  # the rule's declared title
    source: str  # the rule's declared evidence source
    side: str
    confidence: float
    clarity: float  # how clear the signal is in this run (0–1)
    grade: str
    action: str
    private: bool  # the rule reads the injury log: shown only when injuries may be shown


def is_private_rule(rule: Any) -> bool:
    """A rule that reads what the runner logged by hand (its findings name the injured side)."""
    needs = set(getattr(rule, "needs", ()) or ())
    return bool(needs & PRIVATE_INPUTS) or getattr(rule, "signal_group", None) in PRIVATE_SIGNAL_GROUPS


def public_view(finding: Finding, rules: Mapping[str, Any]) -> PublicFinding | None:
    """The public projection of ``finding``, or None when its rule is unknown (cannot be checked)."""
    fields = {name: getattr(finding, name, None) for name in PUBLIC_FIELDS}
    rule = rules.get(str(fields["rule"]))
    if rule is None:
        return None
    side = str(fields["side"] or "").lower()
    grade = str(fields["evidence"] or "").strip().upper()[:1]
    clarity = _number(fields["clarity"])
    if clarity is None:  # a finding stored before the two axes: its confidence without the grade weight
        clarity = (_number(fields["confidence"]) or 0.0) / EVIDENCE_WEIGHT.get(grade, 1.0)
    return PublicFinding(
        rule=rule.id,
        title=str(rule.title),
        source=str(rule.evidence.source),
        side=side if side in _SIDES else "none",
        confidence=_number(fields["confidence"]) or 0.0,
        clarity=max(0.0, min(1.0, clarity)),
        grade=grade if grade in ("A", "B", "C") else "",
        action=str(fields["action"] or ""),
        private=is_private_rule(rule),
    )


def confidence_word(confidence: Any) -> str:
    """Words, not numbers: a phone reader should not mistake 0.62 for a measured probability."""
    return _word(_number(confidence) or 0.0)


def build_note(
    result: RunResult,
    *,
    detail: str = "summary",
    injuries: list[Injury] | None = None,
    rules: Mapping[str, Any] | None = None,
) -> str | None:
    """The complete block (markers included, LF line ends) for one analysed run, or None for "off".

    ``injuries`` (the injury log) is given only when the runner allowed injury details in a public
    description; then the injury line and the findings of rules that read the log are shown.
    ``rules`` is the rule registry (default: the installed rules).
    """
    if detail not in DETAILS:
        raise ValueError(f"note detail must be one of {', '.join(DETAILS)}, not {detail!r}")
    if detail == "off":
        return None
    if rules is None:
        from fitglute import plugins

        rules = plugins.rules()
    full = detail == "full"
    show_private = injuries is not None
    public = [p for p in (public_view(f, rules) for f in result.findings) if p and (show_private or not p.private)]
    findings = sorted(public, key=lambda p: -p.confidence)[: 4 if full else 2]
    body = _headline(result, full) + _finding_lines(findings, full) + _action_line(findings, full)
    if findings:
        body.append(RED_FLAGS)  # wherever findings are shown; never dropped to make room
    optional = []
    if full:
        optional += _not_assessed_line(result.not_assessed, rules, show_private)
    if injuries is not None:
        optional += _injury_line(injuries)
    return _fit(body, optional, FULL_MAX_CHARS if full else SUMMARY_MAX_CHARS)


def _fit(lines: list[str], optional: list[str], limit: int) -> str:
    """Assemble the block; drop optional lines, then trailing findings, until it fits ``limit``."""

    def render(content: list[str]) -> str:
        return "\n".join([START_MARKER, *content, DISCLAIMER, END_MARKER])

    content = [*lines, *optional]
    while len(render(content)) > limit and optional:
        optional.pop()
        content = [*lines, *optional]
    while len(render(content)) > limit and any(line.startswith("• ") for line in content):
        last = max(i for i, line in enumerate(content) if line.startswith("• "))
        del content[last]
    return render(content)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _one_line(text: Any, limit: int) -> str:
    """Collapse whitespace (nothing can add lines or markers) and clip at a word boundary."""
    text = " ".join(str(text or "").split())
    for marker in MARKERS:
        text = text.replace(marker, marker.replace("──", "--"))
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,;:.-—") + "…"


def _join(parts: Iterable[str]) -> str:
    return " · ".join(p for p in parts if p)


def _headline(result: RunResult, full: bool) -> list[str]:
    metrics = result.metrics or {}
    gct = _number(metrics.get("gct_ms"))
    left = _number(metrics.get("gct_balance_left_pct"))
    cadence = _number(metrics.get("cadence_spm"))
    vo = _number(metrics.get("vertical_oscillation_mm"))
    vr = _number(metrics.get("vertical_ratio_pct"))
    balance = f"L/R balance {left:.1f}/{100 - left:.1f} %" if left is not None else ""
    if full and balance and result.balance_ci:
        low, high = (_number(v) for v in (list(result.balance_ci) + [None, None])[:2])
        if low is not None and high is not None:
            balance += f" (95 % {low:.1f}–{high:.1f} % left)"
    lines = [
        _join([f"GCT {gct:.0f} ms" if gct is not None else "", balance]),
        _join([
            f"Cadence {cadence:.0f} spm" if cadence is not None else "",
            f"VO {vo / 10:.1f} cm" if vo is not None else "",
            f"VR {vr:.1f} %" if vr is not None else "",
        ]),
    ]
    if full:
        step = _number(metrics.get("step_length_mm"))
        clean = _number(result.clean_running_s) or _number(metrics.get("clean_running_s"))
        lines.append(_join([
            f"Step {step / 1000:.2f} m" if step is not None else "",
            f"{clean / 60:.0f} min of steady running analysed" if clean else "",
        ]))
        lines.append(_drift_line(result))
    lines = [line for line in lines if line]
    return lines or ["No running-dynamics data in this file."]


def _drift_line(result: RunResult) -> str:
    """GCT late vs early at matched speed, with its interval (a measured number, not rule text)."""
    drift = (result.drift or {}).get("gct_ms")
    change = _number(getattr(drift, "change", None))
    if change is None or getattr(drift, "unit", "%") != "%":
        return ""
    low, high = _number(getattr(drift, "low", None)), _number(getattr(drift, "high", None))
    interval = f" (95 % {low:+.1f} to {high:+.1f} %)" if low is not None and high is not None else ""
    return f"GCT late vs early at matched speed {change:+.1f} %{interval}"


def _finding_lines(findings: list[PublicFinding], full: bool) -> list[str]:
    if not findings:
        return ["No pattern stood out in this run."]
    lines = []
    for finding in findings:
        side = _SIDES.get(finding.side)
        title = _one_line(finding.title or finding.rule, 70 if full else 50)
        tail = axes_text(finding.clarity, finding.grade)
        if full and finding.source:
            tail += f"; {_one_line(finding.source, 40)}"
        lines.append(f"• {side + ': ' if side else ''}{title} — {tail}")
    return lines


def _action_line(findings: list[PublicFinding], full: bool) -> list[str]:
    for finding in findings:
        action = _one_line(finding.action, 200 if full else 120)
        if action:
            return [f"Try: {action}"]
    return []


def _not_assessed_line(not_assessed: Mapping[str, Any], rules: Mapping[str, Any], show_private: bool) -> list[str]:
    """Which rules could not judge the run (their ids; the reasons are rule text and stay out)."""
    ids = [
        rid for rid in not_assessed or {}
        if rid in rules and (show_private or not is_private_rule(rules[rid]))
    ]
    return ["Not assessed: " + _one_line(", ".join(ids), 200)] if ids else []


def _injury_line(injuries: list[Injury]) -> list[str]:
    """Site, side and month only: the free-text note may be private even when injuries are shown."""
    entries = sorted((i for i in injuries if isinstance(i, Injury)), key=lambda i: i.date, reverse=True)
    parts = []
    for injury in entries[:3]:
        side = injury.side if injury.side in ("left", "right", "both") else ""
        site = _one_line(injury.site or "injury", 30)
        parts.append(" ".join(p for p in (side, site) if p) + f" ({injury.date:%Y-%m})")
    return ["Injury log: " + _one_line(", ".join(parts), 100)] if parts else []
