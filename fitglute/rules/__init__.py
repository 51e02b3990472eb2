"""Rules: evidence-graded hypotheses from a run's metrics (and, later, the runner's history)."""

from __future__ import annotations

from typing import Any

from fitglute.rules.engine import Finding, NotAssessed, Rule, RuleContext, registry


def evaluate(
    run: Any, metrics: Any, history: Any = None, config: dict | None = None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Run every enabled rule in stage order → (findings as JSON dicts, {rule: not-assessed reason})."""
    from fitglute.rules.config import disabled, resolve, rule_overrides

    rules = registry()
    overrides = rule_overrides(config)
    thresholds = resolve(rules, overrides)
    off = disabled(overrides)
    ctx = RuleContext(run=run, metrics=metrics, history=history)
    not_assessed: dict[str, str] = {}
    for rule in sorted(rules.values(), key=lambda r: r.stage):
        if rule.id in off:
            continue
        out = rule.check(ctx, thresholds[rule.id])
        if isinstance(out, NotAssessed):
            not_assessed[rule.id] = out.reason
        else:
            ctx.findings.extend(out)
    ordered = sorted(ctx.findings, key=lambda f: -f.confidence)
    return [f.to_json() for f in ordered], not_assessed


__all__ = ["Finding", "NotAssessed", "Rule", "RuleContext", "evaluate", "registry"]
